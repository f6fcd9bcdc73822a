import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Queue } from '../api/types/Queue';

// The backend answers each list_queues when the test says, to play answers out of order.
const backend = vi.hoisted(() => ({ waiting: [] as ((q: unknown[]) => void)[] }));
vi.mock('../api', () => ({
  listQueues: vi.fn(() => new Promise((resolve) => backend.waiting.push(resolve))),
  currentUser: vi.fn(async () => 'you'),
  projectPeople: vi.fn(async () => ['you']),
}));

const { queues } = await import('./queues.svelte');

const queue = (id: number, pending: number) =>
  ({ id, name: `q${id}`, counts: { pending, annotating: 0, done: 0, accepted: 0, rejected: 0 } }) as Queue;
const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  backend.waiting = [];
  queues.clear();
});

describe('queues store', () => {
  it('keeps the answer of the last read when an older one answers after it', async () => {
    const older = queues.refresh(1);
    const newer = queues.refresh(1);
    backend.waiting[1]([queue(1, 5)]);
    await newer;
    backend.waiting[0]([queue(1, 7)]);
    await older;
    expect(queues.list.map((q) => q.counts.pending)).toEqual([5]);
  });

  it('an update from an action wins over a read sent before it', async () => {
    const read = queues.refresh(1);
    await settle();
    queues.list = [queue(1, 7)];
    queues.update(queue(1, 6));
    backend.waiting[0]([queue(1, 7)]);
    await read;
    expect(queues.byId(1)?.counts.pending).toBe(6);
  });

  it('closes the view of a queue that went away', async () => {
    const first = queues.refresh(1);
    backend.waiting[0]([queue(1, 5), queue(2, 1)]);
    await first;
    queues.open(2, 'review');
    expect(queues.current?.name).toBe('q2');
    const second = queues.refresh(1);
    backend.waiting[1]([queue(1, 5)]);
    await second;
    expect(queues.openId).toBeNull();
    expect(queues.mode).toBe('overview');
    expect(queues.name(9)).toBe('queue 9');
  });
});
