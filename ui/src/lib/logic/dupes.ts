// Near-duplicates: the similarity slider's scale and what "Select all but the best" selects.
import type { DuplicateGroup } from '../api/types/DuplicateGroup';
import type { Duplicates } from '../api/types/Duplicates';
import { formatCount, plural } from './format';

/** Bits of a perceptual hash (`trove_thumbs::PHASH_BITS`). */
export const HASH_BITS = 256;
/** The slider's range, in percent alike; the lowest is the backend's largest distance (64 bits). */
export const SIMILARITY_MIN = 75;
export const SIMILARITY_MAX = 100;
/** 89%: 28 bits, which finds the demo's near-copies and no two different demo pictures. */
export const SIMILARITY_DEFAULT = 89;

/** The largest distance, in bits, that a similarity (percent of bits alike) allows. */
export function distanceFor(similarity: number): number {
  const s = Math.min(SIMILARITY_MAX, Math.max(SIMILARITY_MIN, similarity));
  return Math.floor(((SIMILARITY_MAX - s) * HASH_BITS) / 100);
}

/** Every item of every group but its first (the best), in group order. */
export function allButBest(groups: DuplicateGroup[]): number[] {
  return groups.flatMap((g) => g.items.slice(1).map((it) => it.id));
}

/** What a search found, in one sentence. */
export function describe(d: Duplicates): string {
  const parts: string[] = [];
  if (d.group_count === 0) parts.push(`No near-duplicates among ${plural(d.checked, 'item')}.`);
  else {
    parts.push(`${plural(d.group_count, 'group')} of near-duplicates (${formatCount(d.items_in_groups)} items) among ${plural(d.checked, 'item')}.`);
    if (d.groups.length < d.group_count) parts.push(`The ${formatCount(d.groups.length)} largest are shown.`);
  }
  if (d.sampled) parts.push('With this many pictures the search samples: a pair right at the similarity’s edge may be missed (about 1 in 100).');
  if (d.unhashed > 0) parts.push(`${plural(d.unhashed, 'item')} not hashed yet: search again to compare them too.`);
  if (d.no_thumbnail > 0) parts.push(`${plural(d.no_thumbnail, 'item')} without a thumbnail cannot be compared.`);
  return parts.join(' ');
}
