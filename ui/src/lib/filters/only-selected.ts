// "Only selected" needs explicit ids; a select-all selection is expanded with `item_ids`.
import { itemIds } from '../api';
import { project } from '../state/project.svelte';
import { query } from '../state/query.svelte';
import { results } from '../state/results.svelte';

/** Ids of every item matching the current query, minus `except`. */
export async function itemIdsAll(except: ReadonlySet<number>): Promise<number[]> {
  const ids = await itemIds(project.pid, query.current, 0, Math.max(1, results.total));
  return ids.filter((id) => !except.has(id));
}
