// Actions on the selection and on collections. Each calls one command, then refreshes what it
// changed and says what happened in the status line. Failures are thrown to the caller, which
// shows them where the user acted (a dialog, the detail panel) or in the status line. What an
// action did is said in the status line and in the toast that offers to undo it.
import * as api from '../api';
import type { Collection } from '../api/types/Collection';
import type { CollectionPatch } from '../api/types/CollectionPatch';
import type { NewCollection } from '../api/types/NewCollection';
import type { Selection } from '../api/types/Selection';
import { plural } from '../logic/format';
import { collections } from './collections.svelte';
import { project } from './project.svelte';
import { query } from './query.svelte';
import { results } from './results.svelte';
import { selection } from './selection.svelte';
import { status } from './status.svelte';
import { undo } from './undo.svelte';
import { openCollection, refreshAll } from './workspace';

/** What an action applies to: the selection, or every matching item when nothing is selected. */
export function target(): { selection: Selection; count: number; all: boolean } {
  if (selection.count > 0) return { selection: selection.toWire(query.current), count: selection.count, all: false };
  return { selection: { type: 'matching', query: query.current, except: [] }, count: results.total, all: true };
}

export async function addTo(c: Collection, sel: Selection) {
  const out = await status.during(`Adding to ${c.title}…`, () => api.addToCollection(project.pid, c.id, sel));
  const already = out.already ? ` (${formatAlready(out.already)})` : '';
  await refreshAll();
  await undo.done(`Added ${plural(out.added, 'item')} to ${c.title}${already}`);
}

const formatAlready = (n: number) => `${n.toLocaleString('en-US')} already there`;

/** "Add to a new collection": one action, and one undo step that removes the collection. */
export async function createAndAdd(input: NewCollection, sel: Selection) {
  const out = await status.during(`Adding to ${input.title}…`, () => api.createCollectionAndAdd(project.pid, input, sel));
  await refreshAll();
  await undo.done(`Added ${plural(out.outcome.added, 'item')} to the new collection ${out.collection.title}`);
  return out.collection;
}

export async function createCollection(input: NewCollection) {
  const c = await api.createCollection(project.pid, input);
  await collections.refresh(project.pid);
  await undo.done(`Created collection ${c.title}`);
  return c;
}

export async function updateCollection(id: number, patch: CollectionPatch) {
  const c = await api.updateCollection(id, patch);
  await collections.refresh(project.pid);
  await undo.done(`Saved collection ${c.title}`);
  return c;
}

export async function deleteCollection(c: Collection) {
  await api.deleteCollection(c.id);
  if (query.collectionId === c.id) await openCollection(null);
  await collections.refresh(project.pid);
  await undo.done(`Deleted collection ${c.title}`);
}

export async function removeFromOpen() {
  const c = collections.byId(query.collectionId);
  if (!c || selection.count === 0) return;
  const wire = selection.toWire(query.current);
  const n = await status.during(`Removing from ${c.title}…`, () => api.removeFromCollection(project.pid, c.id, wire));
  selection.clear();
  await refreshAll();
  await undo.done(`Removed ${plural(n, 'item')} from ${c.title}`);
}

export async function tag(sel: Selection, tags: string[], untag = false) {
  const what = tags.join(', ');
  const n = await status.during(untag ? `Removing tag ${what}…` : `Tagging with ${what}…`, () =>
    untag ? api.untagItems(project.pid, sel, tags) : api.tagItems(project.pid, sel, tags),
  );
  await refreshAll();
  await undo.done(untag ? `Removed tag ${what} from ${plural(n, 'item')}` : `Tagged ${plural(n, 'item')} with ${what}`);
  return n;
}

/** Moves the item at display index `from` so that it lands before index `to` (== total: end). */
export async function move(from: number, to: number) {
  const c = collections.byId(query.collectionId);
  if (!c || to === from || to === from + 1) return;
  const [id] = await results.ids(from, from);
  const before = to >= results.total ? null : (await results.ids(to, to))[0] ?? null;
  if (id === undefined) return;
  await api.moveItem(c.id, id, before);
  const landed = to > from ? to - 1 : to;
  selection.focus = landed;
  await results.refresh();
  await undo.done(`Moved 1 item to position ${landed + 1}`);
}

export async function saveNote(collectionId: number, itemId: number, note: string) {
  await api.setNote(collectionId, itemId, note);
  await results.refresh();
  await undo.done('Note saved');
}
