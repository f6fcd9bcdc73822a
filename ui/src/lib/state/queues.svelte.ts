// The labeling queues of the open project with their counts, the user's name there, and which
// queue view is open (it replaces the gallery). `revision` bumps after every re-read, so the
// open queue's lists (items to review) reload after an action or a sync.
import { currentUser, listQueues, projectPeople } from '../api';
import type { Queue } from '../api/types/Queue';

export type QueueMode = 'overview' | 'label' | 'review';

class QueuesStore {
  list = $state.raw<Queue[]>([]);
  /** The queue whose view is open (local id), or null for the gallery. */
  openId = $state<number | null>(null);
  mode = $state<QueueMode>('overview');
  revision = $state(0);
  /** The name the user acts as in the open project, and who may be in a queue. */
  user = $state<string | null>(null);
  people = $state.raw<string[]>([]);

  current = $derived(this.list.find((q) => q.id === this.openId) ?? null);
  /** Bumps with every read or update of the list: an answer to an older read is dropped. Reads
   * run concurrently in the backend, and one sent before a change may answer after one sent
   * after it; the last one sent has seen every change before it. */
  private gen = 0;

  byId(id: number | null): Queue | null {
    return id === null ? null : (this.list.find((q) => q.id === id) ?? null);
  }

  name(id: number): string {
    return this.byId(id)?.name ?? `queue ${id}`;
  }

  /** Re-reads the queues; a queue that went away closes its view. */
  async refresh(projectId: number) {
    const gen = ++this.gen;
    const list = await listQueues(projectId);
    if (gen !== this.gen) return;
    this.list = list;
    if (this.openId !== null && !list.some((q) => q.id === this.openId)) this.close();
    this.revision++;
  }

  /** Puts a queue the backend returned (fresh counts) in place of the listed one. */
  update(q: Queue) {
    this.gen++;
    this.list = this.list.map((x) => (x.id === q.id ? q : x));
  }

  async loadPeople(projectId: number) {
    const [user, people] = await Promise.all([currentUser(projectId), projectPeople(projectId)]);
    this.user = user;
    this.people = people;
  }

  open(id: number, mode: QueueMode = 'overview') {
    this.openId = id;
    this.mode = mode;
  }

  close() {
    this.openId = null;
    this.mode = 'overview';
  }

  clear() {
    this.gen++;
    this.list = [];
    this.close();
    this.user = null;
    this.people = [];
  }
}

export const queues = new QueuesStore();
