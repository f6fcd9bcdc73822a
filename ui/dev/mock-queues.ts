// The mock backend's labeling queues: the status machine of the rulebook, in memory, over
// `mock-backend.ts`'s collections and items, so the queue views work in a browser (`npm run
// dev`). A queue follows its collection live: every member of an open queue's collection is in
// it (pending without an entry); an entry of an item that left the collection counts only when
// done, accepted or rejected; a closed queue (or one whose collection is gone) feeds nothing.
// `?queues` adds a queue of someone else's, to see what a user outside a queue sees.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Collection } from '../src/lib/api/types/Collection';
import type { Item } from '../src/lib/api/types/Item';
import type { Queue } from '../src/lib/api/types/Queue';
import type { QueueCounts } from '../src/lib/api/types/QueueCounts';
import type { QueueEntry } from '../src/lib/api/types/QueueEntry';
import type { QueueFacet } from '../src/lib/api/types/QueueFacet';
import type { QueueItem } from '../src/lib/api/types/QueueItem';
import type { QueueStatus } from '../src/lib/api/types/QueueStatus';

/** What the queues need of the rest of the mock backend. */
export interface QueueHost {
  collection(id: number): { id: number; title: string; project_id: number; items: number[] } | undefined;
  item(projectId: number, itemId: number): Item;
  setTags(projectId: number, itemId: number, tags: string[]): void;
  markLabeled(itemId: number): void;
  createCollection(projectId: number, title: string): Collection;
  addItems(projectId: number, collectionId: number, ids: number[]): void;
  removeItems(projectId: number, collectionId: number, ids: number[]): void;
  /** Whether item `itemId` matches `query` with its queue clauses left out. */
  matches(projectId: number, query: any, itemId: number): boolean;
}

interface MockQueue {
  id: number;
  uuid: string;
  project_id: number;
  collection_id: number;
  name: string;
  annotators: string[];
  reviewers: string[];
  tags: string[];
  closed: boolean;
  entries: Map<number, QueueEntry>;
}

const CLAIM_MAX = 500;
const KEPT: QueueStatus[] = ['done', 'accepted', 'rejected'];
const local = (projectId: number) => projectId <= 2;
const me = (projectId: number) => (local(projectId) ? 'you' : 'ada');
const people = (projectId: number) => (local(projectId) ? ['you'] : ['ada', 'bob', 'cy']);

function fail(code: string, message: string): never {
  throw { code, message };
}

export function queueMock(host: QueueHost) {
  const queues: MockQueue[] = [];
  let nextId = 1;

  const find = (id: number) => queues.find((q) => q.id === id) ?? fail('not_found', `queue ${id} does not exist`);
  const closed = (q: MockQueue) => q.closed || !host.collection(q.collection_id);
  const pending = (): QueueEntry => ({ status: 'pending', annotator: null, submission: 0, comment: '', reviewer: null });

  /** The items a queue holds with their entries: collection order, then history by item id. */
  function held(q: MockQueue): { id: number; entry: QueueEntry }[] {
    const members = closed(q) ? [] : host.collection(q.collection_id)!.items;
    const inColl = new Set(members);
    const out = members.map((id) => ({ id, entry: q.entries.get(id) ?? pending() }));
    const history = [...q.entries].filter(([id, e]) => !inColl.has(id) && KEPT.includes(e.status)).sort(([a], [b]) => a - b);
    return [...out, ...history.map(([id, entry]) => ({ id, entry }))];
  }

  function counts(list: { entry: QueueEntry }[]): QueueCounts {
    const c: QueueCounts = { pending: 0, annotating: 0, done: 0, accepted: 0, rejected: 0 };
    for (const { entry } of list) c[entry.status]++;
    return c;
  }

  function pub(q: MockQueue): Queue {
    const user = me(q.project_id);
    const { entries, ...rest } = q;
    void entries;
    return {
      ...rest,
      api_id: local(q.project_id) ? null : 9000 + q.id,
      collection_title: host.collection(q.collection_id)?.title ?? 'a deleted collection',
      closed: closed(q),
      counts: counts(held(q)),
      can_annotate: q.annotators.includes(user),
      can_review: q.reviewers.includes(user),
      can_manage: true,
    };
  }

  const queueItem = (q: MockQueue, id: number, entry: QueueEntry): QueueItem => ({ item: host.item(q.project_id, id), entry: { ...entry } });

  function open(q: MockQueue) {
    if (closed(q)) fail('conflict', `queue "${q.name}" is closed`);
  }

  function role(q: MockQueue, list: 'annotators' | 'reviewers') {
    const user = me(q.project_id);
    if (!q[list].includes(user)) fail('forbidden', `${user} is not ${list === 'annotators' ? 'an annotator' : 'a reviewer'} of queue "${q.name}"`);
  }

  function checkUsers(projectId: number, what: string, names: string[]) {
    if (names.length === 0) fail('invalid_input', `a queue needs at least one ${what}`);
    const stranger = names.find((n) => !people(projectId).includes(n));
    if (stranger) fail('invalid_input', `"${stranger}" has no role in this project and cannot be a ${what}`);
  }

  const commands: Record<string, (a: any) => unknown> = {
    list_queues: (a) => queues.filter((q) => q.project_id === a.projectId).map(pub),
    create_queue: (a) => {
      const input = a.input;
      const name = String(input.name ?? '').trim();
      if (!name) fail('invalid_input', 'queue name is empty');
      if ([...name].length > 100) fail('invalid_input', `queue name is ${[...name].length} characters; at most 100 are allowed`);
      const coll = host.collection(input.collection_id);
      if (!coll || coll.project_id !== a.projectId) fail('not_found', `collection ${input.collection_id} does not exist`);
      checkUsers(a.projectId, 'annotator', input.annotators);
      checkUsers(a.projectId, 'reviewer', input.reviewers);
      const q: MockQueue = {
        id: nextId++,
        uuid: crypto.randomUUID(),
        project_id: a.projectId,
        collection_id: coll.id,
        name,
        annotators: [...new Set<string>(input.annotators)],
        reviewers: [...new Set<string>(input.reviewers)],
        tags: [...new Set<string>(input.tags.map((t: string) => t.trim()).filter(Boolean))],
        closed: false,
        entries: new Map(),
      };
      queues.push(q);
      return pub(q);
    },
    close_queue: (a) => {
      find(a.queueId).closed = true;
    },
    queue_items: (a) => {
      const q = find(a.queueId);
      const all = held(q).filter((h) => a.status === null || h.entry.status === a.status);
      return { items: all.slice(a.offset, a.offset + a.limit).map((h) => queueItem(q, h.id, h.entry)), total: all.length };
    },
    my_queue_work: (a) => {
      const q = find(a.queueId);
      const user = me(q.project_id);
      return held(q)
        .filter((h) => h.entry.annotator === user && (h.entry.status === 'annotating' || h.entry.status === 'rejected'))
        .map((h) => queueItem(q, h.id, h.entry));
    },
    claim_queue_items: (a) => {
      const q = find(a.queueId);
      open(q);
      role(q, 'annotators');
      if (!(a.count >= 1 && a.count <= CLAIM_MAX)) fail('invalid_input', `claim between 1 and ${CLAIM_MAX} items at once; asked for ${a.count}`);
      const picked = held(q).filter((h) => h.entry.status === 'pending').slice(0, a.count);
      return picked.map((h) => {
        const entry: QueueEntry = { ...h.entry, status: 'annotating', annotator: me(q.project_id) };
        q.entries.set(h.id, entry);
        return queueItem(q, h.id, entry);
      });
    },
    submit_queue_item: (a) => {
      const q = find(a.queueId);
      open(q);
      role(q, 'annotators');
      const user = me(q.project_id);
      const h = held(q).find((x) => x.id === a.itemId);
      const name = host.item(q.project_id, a.itemId).name;
      if (!h || h.entry.annotator !== user || (h.entry.status !== 'annotating' && h.entry.status !== 'rejected')) {
        fail('conflict', `${name} is not being labeled by ${user} in queue "${q.name}"`);
      }
      const it = host.item(q.project_id, a.itemId);
      host.setTags(q.project_id, a.itemId, [...new Set([...it.tags.filter((t) => !a.remove.includes(t)), ...a.add])]);
      host.markLabeled(a.itemId);
      q.entries.set(a.itemId, { ...h.entry, status: 'done', submission: h.entry.submission + 1 });
      return pub(q);
    },
    review_queue_items: (a) => {
      const q = find(a.queueId);
      open(q);
      role(q, 'reviewers');
      if ([...a.comment].length > 1000) fail('invalid_input', `comment is ${[...a.comment].length} characters; at most 1000 are allowed`);
      const now = new Map(held(q).map((h) => [h.id, h.entry]));
      const refused: string[] = [];
      let applied = 0;
      for (const id of a.itemIds as number[]) {
        const e = now.get(id);
        const name = host.item(q.project_id, id).name;
        if (!e) refused.push(`${name} is not in queue "${q.name}"`);
        else if (e.status !== 'done') refused.push(`${name} is not waiting for review: it is ${e.status}`);
        else {
          q.entries.set(id, { ...e, status: a.accept ? 'accepted' : 'rejected', comment: a.comment, reviewer: me(q.project_id) });
          applied++;
        }
      }
      return { applied, refused };
    },
    move_accepted: (a) => {
      const q = find(a.queueId);
      const ids = held(q).filter((h) => h.entry.status === 'accepted').map((h) => h.id);
      if (ids.length === 0) fail('invalid_input', `queue "${q.name}" has no accepted items to move`);
      const t = a.target;
      const target = t.type === 'new' ? host.createCollection(q.project_id, t.title) : host.collection(t.collection_id) ?? fail('not_found', `collection ${t.collection_id} does not exist`);
      if (target.id === q.collection_id) fail('invalid_input', 'the accepted items are in that collection already; choose another one');
      host.addItems(q.project_id, target.id, ids);
      if (host.collection(q.collection_id)) host.removeItems(q.project_id, q.collection_id, ids);
      const c = host.collection(target.id)!;
      return { moved: ids.length, collection: { ...target, item_count: c.items.length } };
    },
    project_people: (a) => people(a.projectId),
    current_user: (a) => me(a.projectId),
  };

  return {
    commands,
    /** The item's status in the queue, or null when the queue does not hold it. */
    statusOf(queueId: number, itemId: number): QueueStatus | null {
      const q = queues.find((x) => x.id === queueId);
      return q ? (held(q).find((h) => h.id === itemId)?.entry.status ?? null) : null;
    },
    /** The queue-status facet: each queue's counts over the items `query` matches. */
    facet(projectId: number, query: any): QueueFacet[] {
      return queues
        .filter((q) => q.project_id === projectId)
        .map((q) => ({ queue_id: q.id, name: q.name, counts: counts(held(q).filter((h) => host.matches(projectId, query, h.id))) }));
    },
    /** `?queues`: a queue of other people's over the first collection, made once it exists. */
    seedForeign(projectId: number, collectionId: number) {
      if (queues.some((q) => q.name === 'Night shift')) return;
      queues.push({
        id: nextId++, uuid: crypto.randomUUID(), project_id: projectId, collection_id: collectionId, name: 'Night shift',
        annotators: ['ada'], reviewers: ['bob'], tags: ['car', 'person'], closed: false, entries: new Map(),
      });
    },
  };
}
