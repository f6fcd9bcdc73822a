import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { QueueItem } from '../api/types/QueueItem';

// The backend: a queue of items 1..n; claims hand out pending ones in order.
const backend = vi.hoisted(() => ({
  pending: [] as number[],
  work: [] as number[],
  rejected: new Map<number, string>(),
  tags: new Map<number, string[]>(),
  submitted: [] as { id: number; add: string[]; remove: string[] }[],
  failSubmit: null as string | null,
}));

const qi = (id: number): QueueItem => ({
  item: { id, name: `item ${id}`, tags: backend.tags.get(id) ?? [] } as QueueItem['item'],
  entry: { status: backend.rejected.has(id) ? 'rejected' : 'annotating', annotator: 'you', submission: 0, comment: backend.rejected.get(id) ?? '', reviewer: null },
});

vi.mock('../api', () => ({
  myQueueWork: vi.fn(async () => backend.work.map(qi)),
  claimQueueItems: vi.fn(async (_q: number, count: number) => {
    const got = backend.pending.splice(0, count);
    backend.work.push(...got);
    return got.map(qi);
  }),
  submitQueueItem: vi.fn(async (_q: number, id: number, add: string[], remove: string[]) => {
    if (backend.failSubmit) throw new Error(backend.failSubmit);
    backend.submitted.push({ id, add, remove });
    backend.work = backend.work.filter((w) => w !== id);
    return { id: 9, counts: { pending: backend.pending.length, annotating: backend.work.length, done: backend.submitted.length, accepted: 0, rejected: 0 } };
  }),
}));

const { LabelingSession } = await import('./labeling.svelte');
const api = await import('../api');

beforeEach(() => {
  backend.pending = [1, 2, 3, 4, 5];
  backend.work = [];
  backend.rejected = new Map();
  backend.tags = new Map([[1, ['night']]]);
  backend.submitted = [];
  backend.failSubmit = null;
  vi.clearAllMocks();
});

const session = (batch = 1) => {
  const seen: number[] = [];
  const s = new LabelingSession(9, batch, (q) => seen.push(q.counts.done));
  return { s, seen };
};

describe('labeling session', () => {
  it('claims the next item when the user holds none, and starts its draft from its tags', async () => {
    const { s } = session();
    await s.start();
    expect(api.claimQueueItems).toHaveBeenCalledWith(9, 1);
    expect(s.current?.item.id).toBe(1);
    expect(s.draft.tags).toEqual(['night']);
    expect(s.busy).toBe(false);
  });

  it('works on what the user holds before claiming more (a rejected item shows its comment)', async () => {
    backend.work = [4];
    backend.rejected.set(4, 'the car is a bus');
    const { s } = session();
    await s.start();
    expect(api.claimQueueItems).not.toHaveBeenCalled();
    expect(s.current?.entry.status).toBe('rejected');
    expect(s.current?.entry.comment).toBe('the car is a bus');
  });

  it('submits the tag changes, then shows the next item at once', async () => {
    const { s, seen } = session();
    await s.start();
    s.toggle('car');
    s.toggle('night');
    await s.submit(['blurry']);
    expect(backend.submitted).toEqual([{ id: 1, add: ['car', 'blurry'], remove: ['night'] }]);
    expect(seen).toEqual([1]);
    expect(s.current?.item.id).toBe(2);
    expect(s.draft.tags).toEqual([]);
    await s.submit();
    await s.submit();
    expect(backend.submitted.map((x) => x.id)).toEqual([1, 2, 3]);
    expect(s.current?.item.id).toBe(4);
    expect(backend.work).toEqual([4]);
  });

  it('skips to the next item of the work list, claiming one when it is the only one', async () => {
    const { s } = session(2);
    await s.start();
    expect(s.work.map((w) => w.item.id)).toEqual([1, 2]);
    await s.skip();
    expect(s.current?.item.id).toBe(2);
    await s.skip();
    expect(s.current?.item.id).toBe(1);
    backend.pending = [];
    await s.submit();
    expect(s.current?.item.id).toBe(2);
    await s.skip();
    expect(s.current?.item.id).toBe(2);
    expect(s.note).toMatch(/No other item to skip to/);
  });

  it('says when nothing is left, and keeps the item when a submission is refused', async () => {
    backend.pending = [1];
    const { s } = session();
    await s.start();
    backend.failSubmit = 'item 1 is not being labeled by you';
    await s.submit();
    expect(s.error).toBe('item 1 is not being labeled by you');
    expect(s.current?.item.id).toBe(1);
    backend.failSubmit = null;
    await s.submit();
    expect(s.current).toBeNull();
    expect(s.note).toMatch(/Nothing left to label/);
  });
});
