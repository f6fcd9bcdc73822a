// The items of the current query, as a sparse cache of pages fetched by range, plus its
// summary (total and facet counts). Never holds the whole list: pages far from the viewport are
// dropped. `epoch` changes when the result set is replaced, so the gallery resets its scroll.
import { SvelteMap } from 'svelte/reactivity';
import { itemIds, queryItems, summarize } from '../api';
import type { Item } from '../api/types/Item';
import type { ItemQuery } from '../api/types/ItemQuery';
import type { Summary } from '../api/types/Summary';
import { pagesFor } from '../logic/virtual';

export const PAGE = 200;
const KEEP_PAGES = 40;

export interface FirstPage {
  summary: Summary;
  items: Item[];
}

class ResultsStore {
  summary = $state.raw<Summary | null>(null);
  total = $state(0);
  epoch = $state(0);
  /** Bumps after every in-place refresh, so views showing derived data (the detail panel) reload. */
  revision = $state(0);
  private pages = new SvelteMap<number, Item[]>();
  private inflight = new Set<number>();
  private gen = 0;
  private projectId: number | null = null;
  private query: ItemQuery | null = null;
  private wanted: [number, number] = [0, -1];
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Fetches the summary and first page of `query` without showing them yet. */
  async fetchFirst(projectId: number, query: ItemQuery): Promise<FirstPage> {
    const [summary, page] = await Promise.all([summarize(projectId, query), queryItems(projectId, query, 0, PAGE)]);
    return { summary, items: page.items };
  }

  /** Shows the first page of `query` as soon as it is read, with `total` as its count until its
   * summary arrives. For a query whose total is known beforehand (a project's every item, when
   * it opens): the summary's facet counts can take the backend longer than a page. Resolves,
   * once the page is shown, to `counted`, the promise of the summary shown; to `null` when
   * another result replaced this one first (nothing was shown). */
  async showFirst(projectId: number, query: ItemQuery, total: number): Promise<{ counted: Promise<void> } | null> {
    const before = this.gen;
    const summary = summarize(projectId, query);
    // Awaited below; without this a summary failing while the page loads is reported as unhandled.
    summary.catch(() => undefined);
    const page = await queryItems(projectId, query, 0, PAGE);
    if (before !== this.gen) return null;
    this.commit(projectId, query, { summary: { total, datasets: [], tags: [], queues: [], kinds: [] }, items: page.items });
    const shown = this.gen;
    const counted = summary.then((s) => {
      if (shown !== this.gen) return;
      this.summary = s;
      this.total = s.total;
    });
    return { counted };
  }

  /** Shows a result fetched with `fetchFirst`, replacing the previous one. */
  commit(projectId: number, query: ItemQuery, first: FirstPage) {
    this.gen++;
    this.projectId = projectId;
    this.query = query;
    this.inflight.clear();
    this.pages.clear();
    this.pages.set(0, first.items);
    this.summary = first.summary;
    this.total = first.summary.total;
    this.wanted = [0, -1];
    this.epoch++;
  }

  reset() {
    this.gen++;
    this.projectId = null;
    this.query = null;
    this.pages.clear();
    this.inflight.clear();
    this.summary = null;
    this.total = 0;
    this.epoch++;
  }

  item(index: number): Item | undefined {
    return this.pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  /** Asks for items `first..=last` (the visible window); fetches missing pages soon. */
  ensure(first: number, last: number) {
    this.wanted = [first, Math.min(last, this.total - 1)];
    if (this.timer !== undefined) return; // throttled: the pending fetch reads `wanted` then
    if (this.needed().every((p) => this.pages.has(p))) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fetchWanted();
    }, 30);
  }

  /** Pages for the wanted window plus half a page of lookahead each way. */
  private needed(): number[] {
    const [a, b] = this.wanted;
    if (b < a) return [];
    return pagesFor(Math.max(0, a - PAGE / 2), Math.min(this.total - 1, b + PAGE / 2), PAGE);
  }

  private fetchWanted() {
    const { projectId, query, gen } = this;
    if (projectId === null || !query) return;
    for (const p of this.needed()) {
      if (this.pages.has(p) || this.inflight.has(p)) continue;
      this.inflight.add(p);
      queryItems(projectId, query, p * PAGE, PAGE)
        .then((page) => {
          if (gen !== this.gen) return;
          this.pages.set(p, page.items);
          this.evict();
        })
        .catch((e) => console.warn('page fetch failed', e))
        .finally(() => {
          if (gen === this.gen) this.inflight.delete(p);
        });
    }
  }

  private evict() {
    if (this.pages.size <= KEEP_PAGES) return;
    const mid = Math.floor((this.wanted[0] + this.wanted[1]) / 2 / PAGE);
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - mid) - Math.abs(a - mid));
    for (const p of far.slice(0, this.pages.size - KEEP_PAGES)) this.pages.delete(p);
  }

  /** Ids of items `a..=b` from the cache when all are loaded, else from the backend. */
  async ids(a: number, b: number): Promise<number[]> {
    if (b < a) return [];
    const cached: number[] = [];
    for (let i = a; i <= b; i++) {
      const it = this.item(i);
      if (!it) break;
      cached.push(it.id);
    }
    if (cached.length === b - a + 1) return cached;
    if (this.projectId === null || !this.query) return [];
    return itemIds(this.projectId, this.query, a, b - a + 1);
  }

  /** Re-reads the summary and the pages around the viewport after a change, in place. */
  async refresh() {
    const { projectId, query, gen } = this;
    if (projectId === null || !query) return;
    const near = new Set(pagesFor(Math.max(0, this.wanted[0] - PAGE), this.wanted[1] + PAGE, PAGE));
    near.add(0);
    const keep = [...this.pages.keys()].filter((p) => near.has(p));
    const [summary, ...pages] = await Promise.all([
      summarize(projectId, query),
      ...keep.map((p) => queryItems(projectId, query, p * PAGE, PAGE)),
    ]);
    if (gen !== this.gen) return;
    for (const p of [...this.pages.keys()]) if (!keep.includes(p)) this.pages.delete(p);
    keep.forEach((p, i) => this.pages.set(p, pages[i].items));
    this.summary = summary;
    this.total = summary.total;
    this.revision++;
  }
}

export const results = new ResultsStore();
