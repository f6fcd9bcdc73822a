// Orchestration across the stores: opening a project, changing the query (validated by the
// backend before it is shown), opening a collection, refreshing after a change.
import { ApiFailure } from '../api';
import type { Clause } from '../api/types/Clause';
import type { ItemQuery } from '../api/types/ItemQuery';
import type { Sort } from '../api/types/Sort';
import { collections } from './collections.svelte';
import { project } from './project.svelte';
import { emptyQuery, POSITION_SORT, query } from './query.svelte';
import { results } from './results.svelte';
import { selection } from './selection.svelte';
import { settings } from './settings.svelte';
import { status } from './status.svelte';

let applying = 0;

export async function start() {
  const [, projects] = await Promise.allSettled([settings.load(), project.loadProjects()]);
  if (projects.status === 'rejected') throw projects.reason;
  const wanted = project.projects.find((p) => p.id === settings.lastProject) ?? project.projects[0];
  if (wanted) await openProject(wanted.id);
}

export async function openProject(id: number) {
  project.id = id;
  if (settings.lastProject !== id) {
    settings.lastProject = id;
    settings.save(0);
  }
  applying++;
  selection.reset();
  selection.detailId = null;
  query.error = null;
  query.browseSort = emptyQuery().sort;
  results.reset();
  collections.clear();
  project.datasets = [];
  project.tags = [];
  project.opening = true;
  try {
    await Promise.all([project.loadCatalog(), collections.refresh(id)]);
    const q = emptyQuery();
    const first = await results.fetchFirst(id, q);
    if (project.id !== id) return;
    query.current = q;
    results.commit(id, q, first);
  } finally {
    if (project.id === id) project.opening = false;
  }
}

/** Shows `next` once the backend accepts it; on refusal keeps the current result and puts the
 * backend's message in `query.error`. Resolves to whether it was applied. */
export async function applyQuery(next: ItemQuery, opts: { keepSelection?: boolean } = {}): Promise<boolean> {
  const pid = project.id;
  if (pid === null) return false;
  const token = ++applying;
  let first;
  try {
    first = await results.fetchFirst(pid, next);
  } catch (e) {
    if (token === applying) {
      if (e instanceof ApiFailure && e.code !== 'internal') query.error = e.message;
      else status.fail(e);
    }
    return false;
  }
  if (token !== applying || pid !== project.id) return false;
  query.error = null;
  query.current = next;
  results.commit(pid, next, first);
  if (!opts.keepSelection) selection.reset();
  return true;
}

export const applyClauses = (clauses: Clause[], opts?: { keepSelection?: boolean }) =>
  applyQuery(query.with({ clauses }), opts);

export function setSort(sort: Sort) {
  if (query.collectionId === null) query.browseSort = sort;
  return applyQuery(query.with({ sort }), { keepSelection: true });
}

/** Opens a collection in the gallery (null: all items), in the collection's order. */
export function openCollection(id: number | null) {
  const sort = id === null ? query.browseSort : POSITION_SORT;
  return applyQuery({ filter: { clauses: [] }, collection: id, sort });
}

/** After a change: counts in the sidebar, the visible pages, the summary, the detail panel. */
export async function refreshAll() {
  const pid = project.id;
  if (pid === null) return;
  await Promise.all([results.refresh(), collections.refresh(pid), project.refreshTags()]);
}
