// Collection history for the dev mock: after every command that may change collections
// (undo and redo included), the mock's collections are compared with how they were before, and
// each difference becomes an entry by "You" (pending when `?pending` is in the address). Enough
// to try the History panel, its filters and "select these" in a browser.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Coll = { id: number; title: string; items: number[]; notes: Map<number, string> };
type Entry = { key: string; author: string; at: number; kind: string; count: number; detail: string; pending: boolean; items: number[] };

export function historyMock(collections: () => Coll[]) {
  const log = new Map<number, Entry[]>();
  let n = 0;
  const pending = new URLSearchParams(location.search).has('pending');
  const snap = () => new Map(collections().map((c) => [c.id, { title: c.title, items: [...c.items], notes: new Map(c.notes) }]));
  const push = (c: number, kind: string, items: number[], detail = '') => {
    const list = log.get(c) ?? [];
    list.unshift({ key: `m${n++}`, author: 'You', at: Date.now(), kind, count: items.length, detail, pending, items });
    log.set(c, list);
  };
  return {
    /** Wraps `f` so that what it changed is logged. */
    wrap(f: (a: any) => unknown) {
      return (a: any) => {
        const before = snap();
        const out = f(a);
        const after = snap();
        for (const [id, c] of after) {
          const b = before.get(id);
          if (!b) push(id, 'created', [], c.title);
          else {
            if (b.title !== c.title) push(id, 'renamed', [], c.title);
            const added = c.items.filter((i) => !b.items.includes(i));
            const removed = b.items.filter((i) => !c.items.includes(i));
            if (added.length) push(id, 'added', added);
            if (removed.length) push(id, 'removed', removed);
            for (const [i, note] of c.notes) if (b.notes.get(i) !== note) push(id, 'noted', [i], note);
          }
        }
        for (const id of before.keys()) if (!after.has(id)) push(id, 'deleted', []);
        return out;
      };
    },
    commands: {
      collection_history: (a: any) => {
        const q = a.query ?? {};
        const entries = (log.get(a.collectionId) ?? []).filter((e) => (!q.author || e.author === q.author) && (!q.kind || e.kind === q.kind));
        return { entries: q.before ? [] : entries.slice(0, q.limit ?? 50), next_before: null, notice: pending ? 'Shown: this device’s changes waiting to be sent; older history needs the server, which could not be asked: the mock server is offline' : null };
      },
    } as Record<string, (a: any) => any>,
  };
}
