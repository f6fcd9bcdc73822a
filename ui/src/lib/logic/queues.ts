// Labeling queues in words and numbers: the statuses in the order a queue's counts show them,
// the counts as a list, the id the automation contract names a queue by, and why a user may not
// work in a queue.
import type { Queue } from '../api/types/Queue';
import type { QueueCounts } from '../api/types/QueueCounts';
import type { QueueStatus } from '../api/types/QueueStatus';
import { formatCount } from './format';

/** Every status, in the order an item goes through them. */
export const STATUSES: readonly QueueStatus[] = ['pending', 'annotating', 'done', 'accepted', 'rejected'];

export const STATUS_LABEL: Record<QueueStatus, string> = {
  pending: 'pending',
  annotating: 'annotating',
  done: 'to review',
  accepted: 'accepted',
  rejected: 'rejected',
};

export interface CountCell {
  status: QueueStatus;
  count: number;
  /** The number exactly as the count element shows it (plain digits, for tests and eyes). */
  text: string;
  label: string;
}

/** The counts of a queue in status order. */
export function countCells(counts: QueueCounts): CountCell[] {
  return STATUSES.map((status) => ({ status, count: counts[status], text: String(counts[status]), label: STATUS_LABEL[status] }));
}

/** How many items the queue holds in all. */
export const totalOf = (counts: QueueCounts) => STATUSES.reduce((n, s) => n + counts[s], 0);

/** "7 items: 4 pending, 3 to review" — the non-zero statuses, for titles and status lines. */
export function countsSentence(counts: QueueCounts): string {
  const total = totalOf(counts);
  const parts = STATUSES.filter((s) => counts[s] > 0).map((s) => `${formatCount(counts[s])} ${STATUS_LABEL[s]}`);
  return `${formatCount(total)} ${total === 1 ? 'item' : 'items'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** The id tests and the API know a queue by: the server's id, else (local project) the local one. */
export const queueKey = (q: Pick<Queue, 'id' | 'api_id'>) => q.api_id ?? q.id;

/** Why the user cannot label in this queue, or null when they can. */
export function cannotLabel(q: Queue): string | null {
  if (q.closed) return 'This queue is closed.';
  if (!q.can_annotate) return 'Only the queue’s annotators can label.';
  return null;
}

/** Why the user cannot review in this queue, or null when they can. */
export function cannotReview(q: Queue): string | null {
  if (q.closed) return 'This queue is closed.';
  if (!q.can_review) return 'Only the queue’s reviewers can review.';
  return null;
}

/** Why "Move accepted to collection" is not available, or null when it is. */
export function cannotMove(q: Queue): string | null {
  if (!q.can_manage) return 'Only the project’s editors can move items.';
  if (q.counts.accepted === 0) return 'No accepted items to move.';
  return null;
}

/** A sentence for a user who is in neither list, or null. */
export function outsider(q: Queue): string | null {
  if (q.can_annotate || q.can_review) return null;
  return 'You are not an annotator or a reviewer of this queue: you can see its counts but not work in it.';
}

/** Splits what a user typed into tags: comma-separated, trimmed, no empties, no repeats. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}
