import { describe as group, expect, it } from 'vitest';
import type { DuplicateGroup } from '../api/types/DuplicateGroup';
import type { Duplicates } from '../api/types/Duplicates';
import type { Item } from '../api/types/Item';
import { allButBest, describe, distanceFor, SIMILARITY_DEFAULT } from './dupes';

const item = (id: number) => ({ id, name: `i${id}.jpg` }) as Item;
const g = (...ids: number[]): DuplicateGroup => ({ items: ids.map(item), size: ids.length, distance: 3 });
const found = (over: Partial<Duplicates>): Duplicates => ({ groups: [], group_count: 0, items_in_groups: 0, extra_items: 0, checked: 3000, unhashed: 0, no_thumbnail: 0, hashed_now: 0, sampled: false, ...over });

group('near-duplicates', () => {
  it('turns a similarity into bits of a 256-bit hash, within the backend’s range', () => {
    expect(distanceFor(100)).toBe(0);
    expect(distanceFor(SIMILARITY_DEFAULT)).toBe(28);
    expect(distanceFor(75)).toBe(64);
    expect(distanceFor(10)).toBe(64);
    expect(distanceFor(120)).toBe(0);
  });

  it('selects every item but each group’s first', () => {
    expect(allButBest([g(5, 1, 2), g(9, 8), g(4)])).toEqual([1, 2, 8]);
    expect(allButBest([])).toEqual([]);
  });

  it('says what it found, what it showed and what it could not compare', () => {
    expect(describe(found({}))).toBe('No near-duplicates among 3,000 items.');
    expect(describe(found({ groups: [g(1, 2)], group_count: 120, items_in_groups: 300, unhashed: 1, no_thumbnail: 2 }))).toBe(
      '120 groups of near-duplicates (300 items) among 3,000 items. The 1 largest are shown. 1 item not hashed yet: search again to compare them too. 2 items without a thumbnail cannot be compared.',
    );
    expect(describe(found({ sampled: true }))).toContain('may be missed (about 1 in 100)');
  });
});
