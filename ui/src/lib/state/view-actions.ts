// Actions on saved views: save the current filter and sort under a name, rename, save the
// current filter into a view, delete, and snapshot a view's result into a new collection. Each
// calls one command, refreshes what it changed and says what happened.
import * as api from '../api';
import type { SavedView } from '../api/types/SavedView';
import { plural } from '../logic/format';
import { project } from './project.svelte';
import { query } from './query.svelte';
import { status } from './status.svelte';
import { undo } from './undo.svelte';
import { views } from './views.svelte';
import { openCollection, refreshAll } from './workspace';

/** "Save view…": the current filter and sort, under `name`; the new view is the open one. */
export async function saveView(name: string) {
  const v = await api.createView(project.pid, name, query.current);
  await views.refresh(project.pid);
  views.openId = v.id;
  status.info(`Saved the view ${v.name} (${plural(v.count, 'item')})`);
  return v;
}

export async function renameView(v: SavedView, name: string) {
  const out = await api.updateView(v.id, name, null);
  await views.refresh(project.pid);
  status.info(`Renamed the view ${v.name} to ${out.name}`);
}

/** Saves the filter and sort shown now into the view (its "edit"). */
export async function resaveView(v: SavedView) {
  const out = await api.updateView(v.id, null, query.current);
  await views.refresh(project.pid);
  views.openId = v.id;
  status.info(`Saved the current filter into the view ${out.name} (${plural(out.count, 'item')})`);
}

export async function deleteView(v: SavedView) {
  await api.deleteView(v.id);
  if (views.openId === v.id) views.openId = null;
  await views.refresh(project.pid);
  status.info(`Deleted the view ${v.name}`);
}

/** "Convert to collection": a new collection holding what the view matches now, opened. One
 * undo step removes it. */
export async function convertView(v: SavedView, title: string) {
  const out = await status.during(`Making the collection ${title}…`, () => api.convertView(v.id, title));
  await refreshAll();
  await openCollection(out.collection.id);
  await undo.done(`Added ${plural(out.outcome.added, 'item')} to the new collection ${out.collection.title}`);
  return out.collection;
}
