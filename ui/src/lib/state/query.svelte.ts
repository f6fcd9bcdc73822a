// The query the gallery shows: filter clauses, the open collection, the sort. It changes only
// once the backend accepted it (see `workspace.applyQuery`), so a bad filter keeps the previous
// result; the backend's message lands in `error` for the filter panel to show.
import type { Clause } from '../api/types/Clause';
import type { ItemQuery } from '../api/types/ItemQuery';
import type { Sort } from '../api/types/Sort';

export const DEFAULT_SORT: Sort = { key: 'name', desc: false };
export const POSITION_SORT: Sort = { key: 'position', desc: false };

export function emptyQuery(): ItemQuery {
  return { filter: { clauses: [] }, collection: null, sort: DEFAULT_SORT };
}

class QueryStore {
  current = $state.raw<ItemQuery>(emptyQuery());
  /** The backend's message for the last filter it refused, shown inline in the filter panel. */
  error = $state<string | null>(null);
  /** The sort used outside collections, restored when leaving one. */
  browseSort: Sort = DEFAULT_SORT;

  clauses = $derived(this.current.filter.clauses);
  sort = $derived(this.current.sort);
  collectionId = $derived(this.current.collection);
  /** Dragging tiles reorders the open collection only when it is shown in its own order. */
  canReorder = $derived(this.current.collection !== null && this.current.sort.key === 'position' && !this.current.sort.desc);

  with(change: { clauses?: Clause[]; collection?: number | null; sort?: Sort }): ItemQuery {
    const c = this.current;
    return {
      filter: { clauses: change.clauses ?? c.filter.clauses },
      collection: change.collection === undefined ? c.collection : change.collection,
      sort: change.sort ?? c.sort,
    };
  }
}

export const query = new QueryStore();
