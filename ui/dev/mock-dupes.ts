// Near-duplicates for the dev mock: the mock's pictures repeat their colours every 360 items
// (`thumb` in mock-backend.ts), so items whose numbers differ by a multiple of 360 count as
// alike; a stricter similarity keeps only those 360 apart. Enough to try the panel in a browser.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Item } from '../src/lib/api/types/Item';

export function nearDuplicates(items: Item[], distance: number) {
  if (distance > 64) throw { code: 'invalid_input', message: `a distance of ${distance} bits is too far for near-duplicates; at most 64 bits are allowed` };
  const withThumb = items.filter((it) => it.thumb !== null);
  const byClass = new Map<number, Item[]>();
  const span = distance >= 28 ? 360 : 720;
  for (const it of distance === 0 ? [] : withThumb.slice(0, 5000)) {
    const key = Number(it.thumb!.slice(1)) % span;
    byClass.set(key, [...(byClass.get(key) ?? []), it]);
  }
  const best = (a: Item, b: Item) => (b.width ?? 0) * (b.height ?? 0) - (a.width ?? 0) * (a.height ?? 0) || b.size - a.size || a.created_at - b.created_at;
  const found = [...byClass.values()].filter((g) => g.length > 1).map((g) => g.sort(best));
  found.sort((a, b) => b.length - a.length || a[0].id - b[0].id);
  const shown = found.slice(0, 100);
  const inGroups = found.reduce((n, g) => n + g.length, 0);
  return {
    groups: shown.map((g) => ({ items: g.slice(0, 50), size: g.length, distance: Math.min(distance, 3 + (g[0].id % 20)) })),
    group_count: found.length,
    items_in_groups: inGroups,
    extra_items: inGroups - found.length,
    checked: items.length,
    unhashed: 0,
    no_thumbnail: items.length - withThumb.length,
    hashed_now: 0,
    sampled: false,
  };
}
