import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ItemQuery } from '../api/types/ItemQuery';

// The backend: 50 items with ids 1000 + index, in display order.
vi.mock('../api', () => ({
  summarize: vi.fn(async () => ({ total: 50, datasets: [], tags: [] })),
  queryItems: vi.fn(async (_p: number, _q: unknown, offset: number, limit: number) => ({
    offset,
    items: Array.from({ length: Math.max(0, Math.min(limit, 50 - offset)) }, (_, k) => ({ id: 1000 + offset + k, name: `item ${offset + k}` })),
  })),
  itemIds: vi.fn(async (_p: number, _q: unknown, offset: number, limit: number) =>
    Array.from({ length: Math.max(0, Math.min(limit, 50 - offset)) }, (_, k) => 1000 + offset + k),
  ),
}));

const { results } = await import('./results.svelte');
const { selection } = await import('./selection.svelte');
const api = await import('../api');

const q: ItemQuery = { filter: { clauses: [] }, collection: null, sort: { key: 'name', desc: false } };

beforeEach(async () => {
  const first = await results.fetchFirst(1, q);
  // Only the first 10 items are "loaded", so ranges past them need item_ids.
  results.commit(1, q, { ...first, items: first.items.slice(0, 10) });
  selection.reset();
  vi.mocked(api.itemIds).mockClear();
});

describe('selection store', () => {
  it('click selects one, ctrl-click toggles, shift-click selects a range', async () => {
    await selection.click(2, 1002, { ctrl: false, shift: false });
    expect([...selection.model.ids]).toEqual([1002]);
    await selection.click(4, 1004, { ctrl: true, shift: false });
    expect(selection.count).toBe(2);
    await selection.click(7, 1007, { ctrl: false, shift: true });
    expect([...selection.model.ids]).toEqual([1004, 1005, 1006, 1007]);
    expect(api.itemIds).not.toHaveBeenCalled(); // all loaded
    expect(selection.detailId).toBe(1007);
  });

  it('fetches ids for ranges over unloaded rows, and ctrl+shift adds', async () => {
    await selection.click(5, 1005, { ctrl: false, shift: false });
    await selection.click(30, 1030, { ctrl: true, shift: true });
    expect(api.itemIds).toHaveBeenCalledWith(1, q, 5, 26);
    expect(selection.count).toBe(26);
  });

  it('selects all without ids and counts total minus exceptions', async () => {
    selection.selectAll();
    expect(selection.count).toBe(50);
    selection.toggle(3, 1003);
    expect(selection.count).toBe(49);
    expect(selection.toWire(q)).toEqual({ type: 'matching', query: q, except: [1003] });
    selection.clear();
    expect(selection.count).toBe(0);
  });

  it('boxes pick only the columns inside the box', async () => {
    const geo = { total: 50, cols: 5, padX: 0, padY: 0, cellW: 10, cellH: 10, gapX: 0, gapY: 0 };
    await selection.box({ row0: 1, row1: 6, col0: 1, col1: 2 }, geo, false);
    expect([...selection.model.ids]).toEqual([1006, 1007, 1011, 1012, 1016, 1017, 1021, 1022, 1026, 1027, 1031, 1032]);
    await selection.box({ row0: 0, row1: 0, col0: 0, col1: 0 }, geo, true);
    expect(selection.count).toBe(13);
    await selection.box(null, geo, false);
    expect(selection.count).toBe(0);
  });
});
