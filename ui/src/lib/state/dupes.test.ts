import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Duplicates } from '../api/types/Duplicates';
import type { Item } from '../api/types/Item';

const item = (id: number) => ({ id, name: `i${id}.jpg` }) as Item;
const answer = (distance: number): Duplicates => ({
  groups: distance >= 28 ? [{ items: [item(7), item(3)], size: 2, distance: 20 }, { items: [item(9), item(1), item(2)], size: 3, distance: 5 }] : [],
  group_count: distance >= 28 ? 2 : 0,
  items_in_groups: 5,
  extra_items: 3,
  checked: 10,
  unhashed: 0,
  no_thumbnail: 0,
  hashed_now: 0,
  sampled: false,
});

// The backend's near-duplicate search: groups only from 28 bits up.
vi.mock('../api', () => ({
  ApiFailure: class extends Error {},
  nearDuplicates: vi.fn(async (_p: number, _q: unknown, distance: number) => {
    if (distance > 64) throw new Error(`a distance of ${distance} bits is too far`);
    return answer(distance);
  }),
}));

const api = await import('../api');
const { dupes } = await import('./dupes.svelte');
const { project } = await import('./project.svelte');
const { selection } = await import('./selection.svelte');

beforeEach(() => {
  project.id = 1;
  selection.clear();
  vi.mocked(api.nearDuplicates).mockClear();
});

describe('near-duplicates', () => {
  it('searches the current filter at the slider’s distance and selects all but each group’s best', async () => {
    dupes.similarity = 89;
    dupes.show();
    await vi.waitFor(() => expect(dupes.busy).toBe(false));
    expect(vi.mocked(api.nearDuplicates).mock.calls[0][2]).toBe(28);
    expect(dupes.found?.group_count).toBe(2);
    dupes.selectAllButBest();
    expect([3, 1, 2].every((id) => selection.has(id))).toBe(true);
    expect([7, 9].some((id) => selection.has(id))).toBe(false);
    expect(dupes.open).toBe(false);
  });

  it('a stricter similarity asks for fewer bits and finds nothing here', async () => {
    dupes.similarity = 99;
    dupes.show();
    await vi.waitFor(() => expect(dupes.busy).toBe(false));
    expect(vi.mocked(api.nearDuplicates).mock.calls[0][2]).toBe(2);
    expect(dupes.found?.groups).toEqual([]);
  });
});
