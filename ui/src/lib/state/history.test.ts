import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryEntry } from '../api/types/HistoryEntry';

const entry = (key: string, author: string, items: number[]): HistoryEntry => ({
  key, author, at: 0, kind: 'added', count: items.length, detail: '', pending: false, items,
});

vi.mock('../api', () => ({
  collectionHistory: vi.fn(async (_id: number, q: { before?: number }) =>
    q.before
      ? { entries: [entry('s1', 'carol', [9])], next_before: null, notice: null }
      : { entries: [entry('p7', 'alice', [1, 2, 3]), entry('s2', 'bob', [])], next_before: 2, notice: 'older history needs the server' },
  ),
}));

const api = await import('../api');
const { history } = await import('./history.svelte');
const { selection } = await import('./selection.svelte');

beforeEach(() => {
  history.close();
  vi.mocked(api.collectionHistory).mockClear();
});

describe('the history panel', () => {
  it('opens on a collection, pages back, and closes when toggled again', async () => {
    history.toggle(4);
    await history.load();
    expect(api.collectionHistory).toHaveBeenLastCalledWith(4, { author: undefined, kind: undefined, before: undefined });
    expect(history.entries.map((e) => e.key)).toEqual(['p7', 's2']);
    expect(history.notice).toBe('older history needs the server');
    expect(history.seen).toEqual(['alice', 'bob']);
    await history.load(true);
    expect(api.collectionHistory).toHaveBeenLastCalledWith(4, { author: undefined, kind: undefined, before: 2 });
    expect(history.entries.map((e) => e.key)).toEqual(['p7', 's2', 's1']);
    expect(history.nextBefore).toBeNull();
    // Another collection opened: the panel follows it, its filters and entries afresh.
    history.show(5);
    expect(history.collectionId).toBe(5);
    expect(history.entries).toEqual([]);
    history.toggle(5);
    expect(history.open).toBe(false);
  });

  it('filters by person and kind, keeping everyone seen as a choice', async () => {
    history.toggle(4);
    await history.load();
    history.setFilter('bob', 'removed');
    await history.load();
    expect(api.collectionHistory).toHaveBeenLastCalledWith(4, { author: 'bob', kind: 'removed', before: undefined });
    expect(history.seen).toEqual(['alice', 'bob']);
  });

  it('selects the items an entry names', async () => {
    history.toggle(4);
    await history.load();
    history.select(history.entries[0]);
    expect([1, 2, 3].every((id) => selection.has(id))).toBe(true);
    expect(selection.has(9)).toBe(false);
  });
});
