// One annotator's labeling session in a queue: the work list (items they hold — claimed, or
// rejected and sent back), the item shown, and the tags being edited on it. Starting reads the
// work list and claims when it is empty; Submit sends the tag changes (the item becomes done)
// and shows the next item at once, claiming another when the list ran out; Skip goes to the
// next item of the list.
import { claimQueueItems, myQueueWork, submitQueueItem } from '../api';
import type { Queue } from '../api/types/Queue';
import type { QueueItem } from '../api/types/QueueItem';
import { TagDraft } from '../logic/labeling';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class LabelingSession {
  work = $state.raw<QueueItem[]>([]);
  index = $state(0);
  draft = $state.raw(TagDraft.of([]));
  /** Loading, claiming or submitting: keys and buttons wait. */
  busy = $state(true);
  error = $state<string | null>(null);
  /** Said when Skip had nowhere to go, or the queue ran out. */
  note = $state<string | null>(null);

  /** How many items a claim asks for (a batch to work through offline). */
  batch = $state(1);

  current = $derived<QueueItem | null>(this.work[this.index] ?? null);

  constructor(
    readonly queueId: number,
    batch: number,
    private readonly onsubmitted: (q: Queue) => unknown,
    private readonly onclaimed: () => unknown = () => {},
  ) {
    this.batch = batch;
  }

  async start() {
    await this.guard(async () => {
      let work = await myQueueWork(this.queueId);
      if (work.length === 0) work = await this.claim();
      this.work = work;
      this.show(0);
    });
  }

  toggle(tag: string) {
    this.draft = this.draft.toggle(tag);
  }

  add(tags: string[]) {
    this.draft = this.draft.add(tags);
  }

  remove(tag: string) {
    this.draft = this.draft.remove(tag);
  }

  /** Submits the shown item with the draft's changes (plus `extra` tags typed but not added). */
  async submit(extra: string[] = []) {
    const cur = this.current;
    if (!cur || this.busy) return;
    const { add, remove } = this.draft.add(extra).diff();
    await this.guard(async () => {
      const q = await submitQueueItem(this.queueId, cur.item.id, add, remove);
      this.work = this.work.filter((w) => w.item.id !== cur.item.id);
      this.show(Math.min(this.index, this.work.length - 1));
      void this.onsubmitted(q);
      if (this.work.length === 0) this.append(await this.claim(), 0);
    });
  }

  /** Shows the next item of the work list; with none other, claims one more. */
  async skip() {
    if (!this.current || this.busy) return;
    if (this.work.length > 1) {
      this.show((this.index + 1) % this.work.length);
      return;
    }
    await this.guard(async () => {
      const got = await this.claim();
      if (got.length) this.append(got, this.index + 1);
      else this.note = 'No other item to skip to: every other item of the queue is taken or labeled.';
    });
  }

  /** Claims a batch; resolves to the items that came. */
  private async claim(): Promise<QueueItem[]> {
    const got = await claimQueueItems(this.queueId, this.batch);
    if (got.length) void this.onclaimed();
    return got;
  }

  /** Adds claimed items to the work list and shows item `index`, in one step: the item and its
   * draft never disagree, so a key pressed as the next item appears applies to that item. */
  private append(got: QueueItem[], index: number) {
    if (got.length === 0) return;
    this.work = [...this.work, ...got];
    this.show(index);
  }

  private show(index: number) {
    this.index = Math.max(0, index);
    this.draft = TagDraft.of(this.current?.item.tags ?? []);
    this.note = this.work.length === 0 ? 'Nothing left to label in this queue: every item is taken or labeled.' : null;
  }

  private async guard(work: () => Promise<void>) {
    this.busy = true;
    this.error = null;
    try {
      await work();
    } catch (e) {
      this.error = message(e);
    } finally {
      this.busy = false;
    }
  }
}
