// Orchestration across the stores: opening a project, changing the query (validated by the
// backend before it is shown), opening a collection, refreshing after a change (ours, or others'
// brought by a sync), downloading a server project.
import { ApiFailure, connectProject, makeLink, onOpenLink, openView as fetchView, resolveLink, startupProject, takeLink } from '../api';
import type { Clause } from '../api/types/Clause';
import type { ItemQuery } from '../api/types/ItemQuery';
import type { Project } from '../api/types/Project';
import type { Sort } from '../api/types/Sort';
import type { SyncStatus } from '../api/types/SyncStatus';
import { coalesce } from '../logic/coalesce';
import { dataMayHaveChanged } from '../logic/sync';
import { collections } from './collections.svelte';
import { project } from './project.svelte';
import { emptyQuery, POSITION_SORT, query } from './query.svelte';
import { queues } from './queues.svelte';
import { results } from './results.svelte';
import { selection } from './selection.svelte';
import { settings } from './settings.svelte';
import { status } from './status.svelte';
import { sync } from './sync.svelte';
import { views } from './views.svelte';

let applying = 0;

export async function start() {
  // The cache shows without waiting for the sync status; a failure to follow it is said, not fatal.
  sync.start(onSyncStatus).catch((e) => status.fail(e));
  const [, projects] = await Promise.allSettled([settings.load(), project.loadProjects()]);
  if (projects.status === 'rejected') throw projects.reason;
  performance.mark('trove:projects');
  const wanted = project.projects.find((p) => p.id === settings.lastProject) ?? project.projects[0];
  if (wanted) await openProject(wanted.id);
  openStartupProject().catch((e) => status.fail(e));
  // A deep link: the one the app was started with, then any a later start hands over.
  onOpenLink((link) => void openLink(link)).catch((e) => status.fail(e));
  const link = await takeLink().catch(() => null);
  if (link) await openLink(link);
}

/** Opens the place a deep link names: its project, collection, filter and sort. What it names
 * that is not on this device is left out and said; the rest opens. */
export async function openLink(link: string) {
  try {
    const target = await resolveLink(link);
    if (project.id !== target.project_id) await openProject(target.project_id);
    if (target.query.collection === null) query.browseSort = target.query.sort;
    await applyQuery(target.query);
    status.info(target.missing.length ? `Opened the link without ${target.missing.join('; ')}` : 'Opened the link');
  } catch (e) {
    status.fail(e);
  }
}

/** "Copy link": puts the deep link to what is shown (`what` names it) on the clipboard. */
export async function copyLink(what: string, q: ItemQuery = query.current) {
  try {
    const link = await makeLink(project.pid, q);
    await copyText(link);
    status.info(`Copied the link to ${what}: ${link}`);
  } catch (e) {
    status.fail(e);
  }
}

async function copyText(text: string) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // WebKitGTK may refuse the async clipboard outside a secure origin: the old way still works.
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

/** With `TROVE_PROJECT` set, the backend downloads that server project at start: open it once
 * it is here (at once when it already was). */
async function openStartupProject() {
  const id = await startupProject();
  if (id === null) return;
  await project.loadProjects();
  if (project.id !== id) await openProject(id);
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
  queues.clear();
  views.clear();
  project.datasets = [];
  project.tags = [];
  project.opening = true;
  try {
    // The gallery is what a person waits for: its first page is asked for with the sidebar's
    // lists, not after them, and shown with the project's item count as its total while the
    // facet counts come (from the index of counts, which the first summary has the backend build).
    const q = emptyQuery();
    const lists = Promise.all([project.loadCatalog(), collections.refresh(id), refreshQueues(id), refreshViews(id)]);
    lists.catch(() => undefined); // awaited below
    const known = project.projects.find((p) => p.id === id)?.item_count;
    if (known === undefined) {
      const first = await results.fetchFirst(id, q);
      if (project.id !== id) return;
      query.current = q;
      results.commit(id, q, first);
      performance.mark('trove:first-page');
    } else {
      const shown = await results.showFirst(id, q, known);
      if (shown === null || project.id !== id) return;
      query.current = q;
      performance.mark('trove:first-page');
      await shown.counted;
    }
    await lists;
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
  // A new filter or collection is a request to see the gallery.
  queues.close();
  if (!opts.keepSelection) selection.reset();
  return true;
}

export const applyClauses = (clauses: Clause[], opts?: { keepSelection?: boolean }) =>
  applyQuery(query.with({ clauses }), opts);

export function setSort(sort: Sort) {
  if (query.collectionId === null) query.browseSort = sort;
  return applyQuery(query.with({ sort }), { keepSelection: true });
}

/** Opens a collection in the gallery (null: all items), in the collection's order. Leaves the
 * saved view that was open. */
export function openCollection(id: number | null) {
  views.openId = null;
  const sort = id === null ? query.browseSort : POSITION_SORT;
  return applyQuery({ filter: { clauses: [] }, collection: id, sort });
}

/** After a change: counts in the sidebar, the visible pages, the summary, the detail panel. */
export async function refreshAll() {
  const pid = project.id;
  if (pid === null) return;
  await Promise.all([results.refresh(), collections.refresh(pid), project.refreshTags(), refreshQueues(pid), refreshViews(pid)]);
}

/** Re-reads the queues and their counts. A failure is said in the status line, and the rest of
 * the window works on: queues are never what keeps a project from opening. */
export function refreshQueues(pid: number) {
  return queues.refresh(pid).catch((e) => status.fail(e));
}

/** Re-reads the saved views and their live counts; a failure is said, never blocking. */
export function refreshViews(pid: number) {
  return views.refresh(pid).catch((e) => status.fail(e));
}

/** Opens a saved view: its filter and sort (as of now, in this cache's ids) replace the query's,
 * over all items. What it names that is gone is left out and said. */
export async function openView(id: number) {
  try {
    const v = await fetchView(id);
    query.browseSort = v.query.sort;
    if (await applyQuery(v.query)) {
      views.openId = id;
      status.info(v.missing.length ? `Opened the view ${v.name} without ${v.missing.join('; ')}` : `Opened the view ${v.name}`);
    }
  } catch (e) {
    status.fail(e);
  }
}

/** Opens a queue's view in place of the gallery. */
export function openQueue(id: number) {
  queues.open(id);
  selection.detailId = null;
}

/** After a sync brought others' changes (or a download ended): the project list and catalog,
 * the collections and their counts, the visible pages and the detail panel, in place. */
async function refreshAfterSync() {
  await project.loadProjects();
  // A project whose copy sync removed (access to it was lost) is not opened again.
  const pid = project.projects.some((p) => p.id === project.id) ? project.id : null;
  if (pid === null) {
    const first = project.projects[0];
    if (first) await openProject(first.id);
    return;
  }
  if (project.opening) return; // the project being opened reads everything afresh
  await Promise.all([project.loadCatalog(), collections.refresh(pid), refreshQueues(pid), refreshViews(pid)]);
  if (pid !== project.id) return;
  // The open collection was deleted elsewhere: show all items rather than a stale view.
  if (query.collectionId !== null && !collections.byId(query.collectionId)) await openCollection(null);
  else await results.refresh();
}

const refreshSoon = coalesce(refreshAfterSync, (e) => status.fail(e));

function onSyncStatus(prev: SyncStatus | null, next: SyncStatus) {
  if (dataMayHaveChanged(prev, next)) void refreshSoon();
}

/** Downloads a server project (progress arrives in the sync status), then opens it. */
export async function connect(uuid: string): Promise<Project> {
  const p = await connectProject(uuid);
  await project.loadProjects();
  await openProject(p.id);
  status.info(`Downloaded ${p.name}`);
  return p;
}
