// Actions on labeling queues: each calls one command, then re-reads what it changed (the
// queues' counts always; collections, tags and the gallery when items changed) and says what
// happened in the status line. Failures are thrown to the caller, which shows the backend's
// sentence where the user acted.
import * as api from '../api';
import type { MoveTarget } from '../api/types/MoveTarget';
import type { NewQueue } from '../api/types/NewQueue';
import type { Queue } from '../api/types/Queue';
import type { ReviewOutcome } from '../api/types/ReviewOutcome';
import { plural } from '../logic/format';
import { project } from './project.svelte';
import { queues } from './queues.svelte';
import { status } from './status.svelte';
import { openQueue, refreshAll, refreshQueues } from './workspace';

export async function createQueue(input: NewQueue): Promise<Queue> {
  const q = await api.createQueue(project.pid, input);
  await refreshQueues(project.pid);
  status.info(`Created labeling queue ${q.name} (${plural(q.counts.pending, 'item')} pending)`);
  openQueue(q.id);
  return q;
}

export async function closeQueue(q: Queue) {
  await api.closeQueue(q.id);
  await refreshQueues(project.pid);
  status.info(`Closed labeling queue ${q.name}`);
}

/** Accepts or rejects items at the submission the app has; refusals come back as sentences. */
export async function review(q: Queue, itemIds: number[], accept: boolean, comment: string): Promise<ReviewOutcome> {
  const out = await api.reviewQueueItems(q.id, itemIds, accept, comment.trim());
  const refused = out.refused.length ? `; ${plural(out.refused.length, 'item')} refused` : '';
  status.info(`${accept ? 'Accepted' : 'Rejected'} ${plural(out.applied, 'item')} in ${q.name}${refused}`);
  await refreshQueues(project.pid);
  return out;
}

/** Moves the accepted items to another collection (existing or new) and out of the source. */
export async function moveAccepted(q: Queue, target: MoveTarget) {
  const out = await api.moveAccepted(q.id, target);
  status.info(`Moved ${plural(out.moved, 'accepted item')} from ${q.collection_title} to ${out.collection.title}`);
  await refreshAll();
  return out;
}

/** The annotator's results changed items' tags: the gallery, tag list and counts re-read. */
export function afterSubmit(q: Queue) {
  queues.update(q);
  return refreshAll();
}
