import { describe, expect, it, vi } from 'vitest';

// The backend's answers, released by the test: the summary waits for the index of counts.
let releaseSummary: (s: unknown) => void = () => {};
vi.mock('../api', () => ({
  summarize: vi.fn(() => new Promise((resolve) => (releaseSummary = resolve))),
  queryItems: vi.fn(async () => ({ items: [{ id: 7 }, { id: 8 }] })),
  itemIds: vi.fn(async () => []),
}));

const { results } = await import('./results.svelte');
const query = { filter: { clauses: [] }, collection: null, sort: { key: 'name', desc: false } } as never;
const summary = { total: 2, datasets: [{ value: '1', label: 'train', count: 2 }], tags: [], queues: [], kinds: [] };

describe('the first page of a project', () => {
  it('shows with the known total before the facet counts arrive, then takes the summary', async () => {
    results.reset();
    const shown = await results.showFirst(1, query, 2);
    expect(shown).not.toBeNull();
    expect(results.item(0)).toMatchObject({ id: 7 });
    expect(results.total).toBe(2);
    expect(results.summary?.datasets).toEqual([]);
    releaseSummary(summary);
    await shown?.counted;
    expect(results.summary).toEqual(summary);
  });

  it('is dropped when another result replaced it while the page was read, and its late summary too', async () => {
    results.reset();
    const shown = results.showFirst(1, query, 2);
    results.reset();
    expect(await shown).toBeNull();
    expect(results.item(0)).toBeUndefined();

    const late = await results.showFirst(1, query, 2);
    results.commit(2, query, { summary: { ...summary, total: 9 }, items: [] });
    releaseSummary(summary);
    await late?.counted;
    expect(results.total).toBe(9);
  });
});
