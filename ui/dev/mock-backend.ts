// A development stand-in for the Rust backend: installs `window.__TAURI_INTERNALS__` with an
// in-memory catalog so the UI runs in a plain browser (`npm run dev`, open /dev/mock.html,
// `?n=1000000` for a million items, `?hub` for hub items; `mock-sync.ts` pretends a server,
// `mock-history.ts` keeps the collections' history).
// Never part of the production build.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Clause } from '../src/lib/api/types/Clause';
import type { Collection } from '../src/lib/api/types/Collection';
import type { Item } from '../src/lib/api/types/Item';
import type { ItemQuery } from '../src/lib/api/types/ItemQuery';
import type { Selection } from '../src/lib/api/types/Selection';
import { historyMock } from './mock-history';
import { queueMock } from './mock-queues';
import { undoMock } from './mock-undo';
import { nearDuplicates } from './mock-dupes';

const params = new URLSearchParams(location.search);
const N = Number(params.get('n') ?? 3000);
const DATASETS = ['city', 'park', 'night-drive'];
const TAGS = ['cat', 'dog', 'person', 'car', 'blurry', 'night'];
const HUBKINDS = ['model', 'dataset', 'space', 'paper'] as const;

function rnd(i: number, k: number) {
  let x = (i * 2654435761 + k * 40503) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0x5bd1e995) >>> 0;
  return (x ^ (x >>> 15)) >>> 0;
}

function makeItem(project: number, i: number): Item {
  const hub = project === 2;
  const ds = hub ? 3 : (i * 3 < N ? 0 : i * 3 < N * 2 ? 1 : 2);
  const tags = TAGS.filter((_, k) => rnd(i, k) % 5 === 0);
  return {
    id: hub ? 5_000_000 + i : i + 1,
    dataset_id: ds + 1,
    dataset_name: hub ? 'hub' : DATASETS[ds],
    kind: hub ? HUBKINDS[i % 4] : 'image',
    name: hub ? `org/${HUBKINDS[i % 4]}-${i}` : `${DATASETS[ds]}_${String(i).padStart(7, '0')}.jpg`,
    mime: hub ? '' : 'image/jpeg',
    width: hub ? null : 640 + (rnd(i, 9) % 6) * 128,
    height: hub ? null : 480 + (rnd(i, 8) % 4) * 120,
    size: 20_000 + (rnd(i, 7) % 400_000),
    tags,
    labels_count: rnd(i, 6) % 4,
    created_at: 1_700_000_000_000 + i * 60_000,
    updated_at: 1_700_000_000_000 + i * 90_000,
    thumb: hub ? null : `h${i}`,
    source: hub ? `https://huggingface.co/org/${i}` : `demo:${i}`,
    note: null,
  };
}

const tagEdits = new Map<number, string[]>();
/** Items a queue submission marked labeled. */
const labeled = new Set<number>();
let collections: (Collection & { items: number[]; notes: Map<number, string> })[] = [];
let nextColl = 1;
let settings = { thumb_size: 160, last_project: null as number | null, view: 'grid' };
const count = (p: number) => (p === 2 ? 40 : N);

function item(p: number, i: number): Item {
  const it = makeItem(p, i);
  const t = tagEdits.get(it.id);
  const labels_count = labeled.has(it.id) && it.labels_count === 0 ? 1 : it.labels_count;
  return { ...it, tags: t ?? it.tags, labels_count };
}
const indexOf = (p: number, id: number) => (p === 2 ? id - 5_000_000 : id - 1);

function fail(code: string, message: string): never {
  throw { code, message };
}

function test(it: Item, c: Clause): boolean {
  const cond = c.cond;
  let ok: boolean;
  switch (cond.field) {
    case 'datasets': ok = cond.ids.includes(it.dataset_id); break;
    case 'name': ok = it.name.toLowerCase().includes(cond.contains.toLowerCase()); break;
    case 'kinds': ok = cond.kinds.includes(it.kind); break;
    case 'tags': {
      const has = cond.tags.map((t) => it.tags.includes(t));
      ok = cond.mode === 'all' ? has.every(Boolean) : cond.mode === 'none' ? !has.some(Boolean) : has.some(Boolean);
      break;
    }
    case 'labeled': ok = (it.labels_count > 0) === cond.value; break;
    case 'size': case 'width': case 'height': {
      const v = (it as any)[cond.field] ?? 0;
      if (cond.min != null && cond.max != null && cond.min > cond.max) fail('invalid_input', `${cond.field} range is empty: minimum ${cond.min} is above maximum ${cond.max}`);
      ok = (cond.min == null || v >= cond.min) && (cond.max == null || v <= cond.max);
      break;
    }
    case 'created': case 'updated': {
      const v = cond.field === 'created' ? it.created_at : it.updated_at;
      ok = (cond.from == null || v >= cond.from) && (cond.to == null || v <= cond.to);
      break;
    }
    case 'collection': ok = !!collections.find((k) => k.id === cond.id)?.items.includes(it.id); break;
    case 'any_collection': ok = collections.some((k) => k.items.includes(it.id)); break;
    case 'ids': ok = cond.ids.includes(it.id); break;
    case 'queue': {
      const s = queues.statusOf(cond.id, it.id);
      ok = s !== null && (cond.statuses.length === 0 || cond.statuses.includes(s));
      break;
    }
  }
  return c.negate ? !ok : ok;
}

function run(p: number, q: ItemQuery): Item[] | { lazy: number } {
  const coll = q.collection === null ? null : collections.find((c) => c.id === q.collection);
  if (!coll && q.filter.clauses.length === 0 && q.sort.key === 'name' && !q.sort.desc && p !== 2) return { lazy: count(p) };
  let items = coll ? coll.items.map((id) => ({ ...item(p, indexOf(p, id)), note: coll.notes.get(id) ?? '' })) : Array.from({ length: count(p) }, (_, i) => item(p, i));
  items = items.filter((it) => q.filter.clauses.every((c) => test(it, c)));
  const key = q.sort.key;
  if (key !== 'position') {
    const val = (it: Item): string | number => key === 'name' ? it.name : key === 'dataset' ? it.dataset_name : key === 'size' ? it.size : key === 'dimensions' ? (it.width ?? 0) * (it.height ?? 0) : key === 'tags' ? it.tags.join(',') : key === 'created' ? it.created_at : it.updated_at;
    items.sort((a, b) => (val(a) < val(b) ? -1 : val(a) > val(b) ? 1 : a.id - b.id));
  }
  if (q.sort.desc) items.reverse();
  return items;
}

function slice(p: number, q: ItemQuery, offset: number, limit: number): Item[] {
  const r = run(p, q);
  if ('lazy' in r) return Array.from({ length: Math.max(0, Math.min(limit, r.lazy - offset)) }, (_, k) => item(p, offset + k));
  return r.slice(offset, offset + limit);
}
const total = (p: number, q: ItemQuery) => { const r = run(p, q); return 'lazy' in r ? r.lazy : r.length; };
function selected(p: number, s: Selection): number[] {
  if (s.type === 'ids') return s.ids;
  const ex = new Set(s.except);
  return slice(p, s.query, 0, 1e9).map((i) => i.id).filter((id) => !ex.has(id));
}
const pub = (c: (typeof collections)[number]): Collection => { const { items, notes, ...rest } = c; void notes; return { ...rest, item_count: items.length }; };
function checkTitle(t: string, except?: number) {
  if (!t.trim()) fail('invalid_input', 'title is empty');
  if ([...t].length > 60) fail('invalid_input', `title is ${[...t].length} characters; at most 60 are allowed`);
  if (collections.some((c) => c.title === t && c.id !== except)) fail('conflict', `a collection titled "${t}" exists already`);
}

/** The hub project's Type facet: kinds among the matches, its own kinds clause left out. */
function kindFacet(p: number, q: ItemQuery) {
  if (p !== 2) return [];
  const r = run(p, { ...q, filter: { clauses: q.filter.clauses.filter((c) => c.cond.field !== 'kinds') } });
  const items = 'lazy' in r ? [] : r;
  return HUBKINDS.map((k) => ({ value: k, label: k, count: items.filter((it) => it.kind === k).length })).filter((f) => f.count > 0).sort((x, y) => y.count - x.count);
}

/** The local projects; `mock-sync.ts` adds the ones "downloaded" from its pretend server. */
export const projects: { id: number; name: string; kind: string; description: string; item_count: number }[] = [
  { id: 1, name: 'Demo: street and park photos', kind: 'image', description: '', item_count: N },
  { id: 2, name: 'Demo: Hub collections guide', kind: 'hub', description: '', item_count: 40 },
];

/** A pretend import: ten files, read one per status request; "broken.jpg" fails. */
let importRun = { state: 'idle', project_id: 0, dataset: '', folder: '', found: 0, done: 0, indexed: 0, updated: 0, unchanged: 0, duplicates: 0, failed: 0, failures: [] as { name: string; reason: string }[], skipped: [] as string[], ignored: 0, message: '' };
function importStep() {
  const r = importRun;
  if (r.state !== 'running') return r;
  r.done++;
  if (r.done === 5) { r.failed++; r.failures.push({ name: 'broken.jpg', reason: 'the picture cannot be decoded (truncated file)' }); } else r.indexed++;
  if (r.done >= r.found) { r.state = 'done'; r.message = `Import finished: ${r.indexed} items added to ${r.dataset}, 1 file could not be read.`; }
  return { ...r };
}

export const commands: Record<string, (a: any) => unknown> = {
  list_projects: () => projects,
  import_folder: (a) => {
    if (!String(a.path).startsWith('/')) throw { code: 'invalid_input', message: `folder "${a.path}" does not exist` };
    if (importRun.state === 'running') throw { code: 'invalid_input', message: 'an import is running; wait for it or cancel it first' };
    const dataset = a.dataset ?? String(a.path).split('/').filter(Boolean).pop() ?? 'Imported';
    importRun = { ...importRun, state: 'running', project_id: a.projectId, dataset, folder: a.path, found: 10, done: 0, indexed: 0, failed: 0, failures: [], message: `Importing 10 files…` };
    return { ...importRun };
  },
  import_status: () => importStep(),
  rename_dataset: (a) => {
    const k = a.datasetId - 1;
    if (!String(a.name).trim()) throw { code: 'invalid_input', message: 'dataset name is empty; give the dataset a name' };
    DATASETS[k] = String(a.name).trim();
    return { id: a.datasetId, project_id: a.projectId, name: DATASETS[k], item_count: Math.round(N / 3) };
  },
  open_original: () => { throw { code: 'invalid_input', message: 'this item has no original file on this computer' }; },
  show_in_folder: () => { throw { code: 'invalid_input', message: 'this item has no original file on this computer' }; },
  export_collection: (a) => {
    const c = collections.find((k) => k.id === a.request.collectionId || k.id === a.request.collection_id);
    if (!c) throw { code: 'not_found', message: 'collection does not exist' };
    if (!String(a.request.path).startsWith('/')) throw { code: 'invalid_input', message: `"${a.request.path}" is not a full path; give the file to export to, starting with /` };
    return { written: c.items.length, failed: [], path: a.request.path, message: `Exported ${c.items.length} items of ${c.title} to ${a.request.path}` };
  },
  cancel_import: () => { if (importRun.state === 'running') { importRun.state = 'cancelled'; importRun.message = `Import cancelled: ${importRun.indexed} items added to ${importRun.dataset}.`; } return { ...importRun }; },
  list_datasets: (a) => a.projectId === 2 ? [{ id: 4, project_id: 2, name: 'hub', item_count: 40 }] : DATASETS.map((name, k) => ({ id: k + 1, project_id: 1, name, item_count: Math.round(N / 3) })),
  list_collections: (a) => collections.filter((c) => c.project_id === a.projectId).map(pub).sort((x, y) => x.title.localeCompare(y.title)),
  query_items: (a) => ({ offset: a.offset, items: slice(a.projectId, a.query, a.offset, a.limit) }),
  item_ids: (a) => slice(a.projectId, a.query, a.offset, a.limit).map((i) => i.id),
  summarize: (a) => {
    const t = total(a.projectId, a.query);
    return { total: t, datasets: DATASETS.map((n, k) => ({ value: String(k + 1), label: n, count: Math.round(t / 3) })), tags: TAGS.map((x) => ({ value: x, label: x, count: Math.round(t / 5) })), queues: queues.facet(a.projectId, a.query), kinds: kindFacet(a.projectId, a.query) };
  },
  count_selection: (a) => selected(a.projectId, a.selection).length,
  get_item: (a) => {
    const it = item(a.projectId, indexOf(a.projectId, a.itemId));
    return { item: it, preview: it.thumb, original: null, original_on_server: false, collections: collections.filter((c) => c.items.includes(it.id)).map((c) => ({ id: c.id, title: c.title, note: c.notes.get(it.id) ?? '' })) };
  },
  list_tags: () => TAGS,
  create_collection: (a) => {
    checkTitle(a.input.title);
    const c = { id: nextColl++, project_id: a.projectId, slug: `me/${a.input.title}`, title: a.input.title, description: a.input.description, private: a.input.private, theme: a.input.theme ?? 'blue', item_count: 0, created_at: Date.now(), updated_at: Date.now(), items: [] as number[], notes: new Map() };
    collections.push(c);
    if (params.has('queues') && a.projectId === 1) queues.seedForeign(1, collections.find((k) => k.project_id === 1)!.id);
    return pub(c);
  },
  update_collection: (a) => {
    const c = collections.find((k) => k.id === a.collectionId)!;
    if (a.patch.title !== undefined) checkTitle(a.patch.title, c.id);
    Object.assign(c, a.patch);
    return pub(c);
  },
  delete_collection: (a) => void (collections = collections.filter((c) => c.id !== a.collectionId)),
  add_to_collection: (a) => {
    const c = collections.find((k) => k.id === a.collectionId)!;
    let added = 0, already = 0;
    for (const id of selected(a.projectId, a.selection)) c.items.includes(id) ? already++ : (c.items.push(id), added++);
    return { added, already };
  },
  remove_from_collection: (a) => {
    const c = collections.find((k) => k.id === a.collectionId)!;
    const gone = new Set(selected(a.projectId, a.selection));
    const before = c.items.length;
    c.items = c.items.filter((id) => !gone.has(id));
    return before - c.items.length;
  },
  move_item: (a) => {
    const c = collections.find((k) => k.id === a.collectionId)!;
    c.items = c.items.filter((id) => id !== a.itemId);
    const at = a.before === null ? c.items.length : c.items.indexOf(a.before);
    c.items.splice(at, 0, a.itemId);
  },
  set_note: (a) => {
    const n = [...a.note].length;
    if (n > 500) fail('invalid_input', `note is ${n} characters; at most 500 are allowed`);
    collections.find((k) => k.id === a.collectionId)!.notes.set(a.itemId, a.note);
  },
  tag_items: (a) => { const ids = selected(a.projectId, a.selection); for (const id of ids) { const it = item(a.projectId, indexOf(a.projectId, id)); tagEdits.set(id, [...new Set([...it.tags, ...a.tags])]); } return ids.length; },
  untag_items: (a) => { const ids = selected(a.projectId, a.selection); for (const id of ids) { const it = item(a.projectId, indexOf(a.projectId, id)); tagEdits.set(id, it.tags.filter((t) => !a.tags.includes(t))); } return ids.length; },
  get_settings: () => settings,
  set_settings: (a) => void (settings = a.settings),
};

const [rawCreate, rawAdd] = [commands.create_collection, commands.add_to_collection];
commands.create_collection_and_add = (a) => {
  const c = rawCreate(a) as Collection;
  const outcome = rawAdd({ projectId: a.projectId, collectionId: c.id, selection: a.selection });
  return { collection: pub(collections.find((k) => k.id === c.id)!), outcome };
};

// Undo and redo (mock-undo.ts): each collection action below is one step.
const journal = undoMock(
  () => ({ collections: structuredClone(collections), tags: structuredClone(tagEdits) }),
  (s: any) => {
    collections = structuredClone(s.collections);
    tagEdits.clear();
    for (const [k, v] of s.tags) tagEdits.set(k, v);
  },
);
const n = (k: number) => `${k.toLocaleString('en-US')} item${k === 1 ? '' : 's'}`;
const titleOf = (id: number) => collections.find((c) => c.id === id)?.title ?? '';
const steps: Record<string, (a: any, out: any, title: string) => string | null> = {
  create_collection: (_a, out) => `Create collection ${out.title}`,
  create_collection_and_add: (_a, out) => `Add ${n(out.outcome.added)} to a new collection ${out.collection.title}`,
  update_collection: (_a, out) => `Edit collection ${out.title}`,
  delete_collection: (_a, _out, title) => `Delete collection ${title}`,
  add_to_collection: (_a, out, title) => (out.added ? `Add ${n(out.added)} to ${title}` : null),
  remove_from_collection: (_a, out, title) => (out ? `Remove ${n(out)} from ${title}` : null),
  move_item: (_a, _out, title) => `Move an item in ${title}`,
  set_note: (_a, _out, title) => `Edit a note in ${title}`,
  tag_items: (a, out) => (out ? `Tag ${n(out)} with ${a.tags.join(', ')}` : null),
  untag_items: (a, out) => (out ? `Remove tag ${a.tags.join(', ')} from ${n(out)}` : null),
};
for (const [name, label] of Object.entries(steps)) {
  const f = commands[name];
  commands[name] = (a) => {
    const title = titleOf(a.collectionId);
    const p = a.projectId ?? collections.find((c) => c.id === a.collectionId)?.project_id ?? 1;
    return journal.record(p, () => f(a), (out) => label(a, out, title));
  };
}
Object.assign(commands, journal.commands);

// Collection history (mock-history.ts): every command that may change a collection is logged.
const changes = historyMock(() => collections);
for (const name of [...Object.keys(steps), 'undo', 'redo']) commands[name] = changes.wrap(commands[name]);
Object.assign(commands, changes.commands);
// Near-duplicates (mock-dupes.ts) among the matching items (the first 20,000 of a large project).
Object.assign(commands, { near_duplicates: (a: any) => nearDuplicates(slice(a.projectId, a.query, 0, 20_000), a.distance) });

// Deep links: the mock's ids stand in for UUIDs.
Object.assign(commands, {
  make_link: (a: any) => `trove://open?project=${a.projectId}${a.query.collection === null ? '' : `&collection=${a.query.collection}`}&filter=${encodeURIComponent(JSON.stringify(a.query.filter))}&sort=${encodeURIComponent(JSON.stringify(a.query.sort))}`,
  resolve_link: (a: any) => {
    const u = new URL(a.link);
    if (u.protocol !== 'trove:') fail('invalid_input', `“${String(a.link).slice(0, 80)}” is not a Trove link (trove://open?project=…)`);
    const get = (k: string) => u.searchParams.get(k);
    const collection = get('collection') === null ? null : Number(get('collection'));
    const known = collection === null || collections.some((c) => c.id === collection);
    return {
      project_id: Number(get('project')),
      query: { filter: JSON.parse(get('filter') ?? '{"clauses":[]}'), collection: known ? collection : null, sort: JSON.parse(get('sort') ?? '{"key":"name","desc":false}') },
      missing: known ? [] : ['the collection it opens (deleted, or not here): all items are shown'],
    };
  },
  take_link: () => params.get('link'),
});

// Labeling queues (mock-queues.ts), over these collections and items.
const queues = queueMock({
  collection: (id) => collections.find((c) => c.id === id),
  item: (p, id) => ({ ...item(p, indexOf(p, id)), note: null }),
  setTags: (_p, id, tags) => void tagEdits.set(id, tags),
  markLabeled: (id) => void labeled.add(id),
  createCollection: (p, title) => commands.create_collection({ projectId: p, input: { title, description: '', private: false, theme: null } }) as Collection,
  addItems: (p, id, ids) => void commands.add_to_collection({ projectId: p, collectionId: id, selection: { type: 'ids', ids } }),
  removeItems: (p, id, ids) => void commands.remove_from_collection({ projectId: p, collectionId: id, selection: { type: 'ids', ids } }),
  matches: (p, q: ItemQuery, id) => {
    const coll = q.collection === null ? null : collections.find((c) => c.id === q.collection);
    if (q.collection !== null && !coll?.items.includes(id)) return false;
    const it = item(p, indexOf(p, id));
    return q.filter.clauses.every((c) => c.cond.field === 'queue' || test(it, c));
  },
});
for (const name of ['list_queues', 'create_queue', 'close_queue', 'queue_items', 'my_queue_work', 'claim_queue_items', 'submit_queue_item', 'review_queue_items', 'move_accepted', 'project_people', 'current_user']) {
  commands[name] = queues.commands[name];
}

function thumb(hash: string): string {
  const i = Number(hash.slice(1));
  const hue = (i * 47) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160"><rect width="160" height="160" fill="hsl(${hue},45%,35%)"/><circle cx="${40 + (i % 80)}" cy="70" r="30" fill="hsl(${(hue + 120) % 360},60%,60%)"/><text x="8" y="150" fill="#fff" font-size="14" font-family="sans-serif">${i}</text></svg>`;
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}

// Events: `listen` registers a callback made by `transformCallback`; `emit` calls them.
const callbacks = new Map<number, (e: unknown) => void>();
const listeners: { id: number; event: string; handler: number }[] = [];
let nextId = 1;
commands['plugin:event|listen'] = (a) => {
  const id = nextId++;
  listeners.push({ id, event: a.event, handler: a.handler });
  return id;
};
commands['plugin:event|unlisten'] = (a) => {
  const i = listeners.findIndex((l) => l.id === a.eventId);
  if (i >= 0) listeners.splice(i, 1);
};

// Saved views: kept in memory, counted by the mock's own selection of what a query matches.
let views: any[] = [];
let nextView = 1;
const counted = (v: any) => ({ ...v, count: selected(v.project_id, { type: 'matching', query: v.query, except: [] }).length });
const liveView = (id: number) => views.find((v) => v.id === id) ?? fail('not_found', `saved view ${id} does not exist`);
const viewName = (raw: string) => (raw.trim() ? raw.trim() : fail('invalid_input', 'view name is empty; give the view a name'));
Object.assign(commands, {
  list_views: (a: any) => views.filter((v) => v.project_id === a.projectId).map(counted).sort((x, y) => x.name.localeCompare(y.name)),
  open_view: (a: any) => counted(liveView(a.viewId)),
  create_view: (a: any) => {
    const v = { id: nextView++, uuid: `view-${nextView}`, project_id: a.projectId, name: viewName(a.name), query: { ...a.query, collection: null }, missing: [], updated_at: Date.now() };
    views.push(v);
    return counted(v);
  },
  update_view: (a: any) => {
    const v = liveView(a.viewId);
    if (a.name !== null) v.name = viewName(a.name);
    if (a.query !== null) v.query = { ...a.query, collection: null };
    return counted(v);
  },
  delete_view: (a: any) => void (views = views.filter((v) => v.id !== a.viewId)),
  convert_view: (a: any) => {
    const v = liveView(a.viewId);
    return commands.create_collection_and_add({ projectId: v.project_id, input: { title: a.title, description: '', private: false, theme: null }, selection: { type: 'matching', query: v.query, except: [] } });
  },
});

/** Sends `payload` to every listener of `event`, as the backend's `emit` would. */
export function emit(event: string, payload: unknown) {
  for (const l of listeners.filter((x) => x.event === event)) callbacks.get(l.handler)?.({ event, id: l.id, payload: structuredClone(payload) });
}

(window as any).__TAURI_INTERNALS__ = {
  invoke: async (cmd: string, args: any) => {
    await new Promise((r) => setTimeout(r, 5));
    const f = commands[cmd];
    if (!f) throw { code: 'internal', message: `unknown command ${cmd}` };
    return structuredClone(await f(args ?? {}));
  },
  convertFileSrc: (path: string) => thumb(path),
  transformCallback: (cb: (e: unknown) => void) => {
    const id = nextId++;
    callbacks.set(id, cb);
    return id;
  },
};
(window as any).__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: () => {} };
