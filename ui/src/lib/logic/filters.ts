// The filter as chips: labels for clauses and pure edits of the clause list. The filter panel's
// controls each own one clause (found by field); edits return a new list, never mutate.

import type { Clause } from '../api/types/Clause';
import type { Condition } from '../api/types/Condition';
import type { ItemKind } from '../api/types/ItemKind';
import type { QueueStatus } from '../api/types/QueueStatus';
import type { TagMode } from '../api/types/TagMode';
import { dayRangeLabel } from './dates';
import { formatCount } from './format';
import { STATUS_LABEL, STATUSES } from './queues';

export type Field = Condition['field'];
export type RangeField = 'size' | 'width' | 'height';
/** The date ranges, in ms since the epoch (see `dates.ts` for days ↔ ms). */
export type DateField = 'created' | 'updated';
type Cond<F extends Field> = Extract<Condition, { field: F }>;

export interface LabelContext {
  datasetName(id: number): string;
  collectionTitle(id: number): string;
  queueName(id: number): string;
}

function range(min: number | null, max: number | null, fmt: (n: number) => string, unit = ''): string {
  if (min != null && max != null) return `${fmt(min)}–${fmt(max)}${unit}`;
  if (min != null) return `≥ ${fmt(min)}${unit}`;
  if (max != null) return `≤ ${fmt(max)}${unit}`;
  return 'any';
}

const kb = (bytes: number) => formatCount(Math.round(bytes / 1024));

/** The chip text of a clause; it does not change when the clause is negated. */
export function clauseLabel(c: Clause, ctx: LabelContext): string {
  const cond = c.cond;
  switch (cond.field) {
    case 'datasets':
      return `${cond.ids.length === 1 ? 'Dataset' : 'Datasets'}: ${cond.ids.map((id) => ctx.datasetName(id)).join(', ')}`;
    case 'name':
      return `Name: ${cond.contains}`;
    case 'kinds':
      return `Kind: ${cond.kinds.join(', ')}`;
    case 'tags':
      return `Tags (${cond.mode}): ${cond.tags.join(', ')}`;
    case 'labeled':
      return `Labeled: ${cond.value ? 'yes' : 'no'}`;
    case 'size':
      return `Size: ${range(cond.min, cond.max, kb, ' KB')}`;
    case 'width':
      return `Width: ${range(cond.min, cond.max, formatCount)}`;
    case 'height':
      return `Height: ${range(cond.min, cond.max, formatCount)}`;
    case 'created':
      return dayRangeLabel('Created', cond.from, cond.to);
    case 'updated':
      return dayRangeLabel('Updated', cond.from, cond.to);
    case 'collection':
      return `In collection: ${ctx.collectionTitle(cond.id)}`;
    case 'any_collection':
      return 'In any collection';
    case 'ids':
      return `Only selected (${formatCount(cond.ids.length)})`;
    case 'queue':
      return `${cond.statuses.map((s) => STATUS_LABEL[s]).join(' or ') || 'any status'} in queue ${ctx.queueName(cond.id)}`;
  }
}

export function find<F extends Field>(clauses: Clause[], field: F, negate?: boolean): { clause: Clause; cond: Cond<F>; index: number } | null {
  const index = clauses.findIndex((c) => c.cond.field === field && (negate === undefined || c.negate === negate));
  if (index < 0) return null;
  return { clause: clauses[index], cond: clauses[index].cond as Cond<F>, index };
}

/** Replaces the clause of `field` (matching `negate` when given) by `cond`, or removes it when
 * `cond` is null; appends when there was none. */
export function put(clauses: Clause[], field: Field, cond: Condition | null, negate?: boolean): Clause[] {
  const hit = find(clauses, field, negate);
  if (!hit) return cond ? [...clauses, { negate: negate ?? false, cond }] : clauses;
  const next = [...clauses];
  if (cond) next[hit.index] = { negate: hit.clause.negate, cond };
  else next.splice(hit.index, 1);
  return next;
}

export const removeAt = (clauses: Clause[], i: number) => clauses.filter((_, j) => j !== i);
export const toggleNegateAt = (clauses: Clause[], i: number) =>
  clauses.map((c, j) => (j === i ? { ...c, negate: !c.negate } : c));

// Datasets: an include clause and an exclude clause, each a list of ids.
export function datasetState(clauses: Clause[], id: number) {
  return {
    included: !!find(clauses, 'datasets', false)?.cond.ids.includes(id),
    excluded: !!find(clauses, 'datasets', true)?.cond.ids.includes(id),
  };
}

export function toggleDataset(clauses: Clause[], id: number, exclude: boolean): Clause[] {
  const ids = find(clauses, 'datasets', exclude)?.cond.ids ?? [];
  const next = ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id];
  return put(clauses, 'datasets', next.length ? { field: 'datasets', ids: next } : null, exclude);
}

export function onlyDataset(clauses: Clause[], id: number): Clause[] {
  const without = put(clauses, 'datasets', null, true).filter((c) => !(c.cond.field === 'datasets' && c.cond.ids.includes(id)));
  return put(without, 'datasets', { field: 'datasets', ids: [id] }, false);
}

// Kinds (hub projects: model, dataset, space, paper): one include clause.
export function toggleKind(clauses: Clause[], kind: ItemKind): Clause[] {
  const kinds = find(clauses, 'kinds')?.cond.kinds ?? [];
  const next = kinds.includes(kind) ? kinds.filter((k) => k !== kind) : [...kinds, kind];
  return put(clauses, 'kinds', next.length ? { field: 'kinds', kinds: next } : null);
}

// Tags: one clause with a mode.
export function tagState(clauses: Clause[]): { tags: string[]; mode: TagMode | null } {
  const c = find(clauses, 'tags')?.cond;
  return { tags: c?.tags ?? [], mode: c?.mode ?? null };
}

export function toggleTag(clauses: Clause[], tag: string, mode: TagMode): Clause[] {
  const cur = find(clauses, 'tags')?.cond;
  const tags = cur?.tags ?? [];
  const next = tags.includes(tag) ? tags.filter((t) => t !== tag) : [...tags, tag];
  return put(clauses, 'tags', next.length ? { field: 'tags', tags: next, mode: cur?.mode ?? mode } : null);
}

export function setTagMode(clauses: Clause[], mode: TagMode): Clause[] {
  const cur = find(clauses, 'tags')?.cond;
  return cur ? put(clauses, 'tags', { ...cur, mode }) : clauses;
}

export function setName(clauses: Clause[], text: string): Clause[] {
  const t = text.trim();
  return put(clauses, 'name', t ? { field: 'name', contains: t } : null);
}

/** The Labeled select states the wanted value outright, so the clause is never negated. */
export function setLabeled(clauses: Clause[], value: boolean | null): Clause[] {
  const next = put(clauses, 'labeled', value === null ? null : { field: 'labeled', value });
  return next.map((c) => (c.cond.field === 'labeled' ? { ...c, negate: false } : c));
}

export function setRange(clauses: Clause[], field: RangeField, min: number | null, max: number | null): Clause[] {
  return put(clauses, field, min === null && max === null ? null : ({ field, min, max } as Condition));
}

export function rangeOf(clauses: Clause[], field: RangeField): { min: number | null; max: number | null } {
  const c = find(clauses, field)?.cond;
  return { min: c?.min ?? null, max: c?.max ?? null };
}

export function setDates(clauses: Clause[], field: DateField, from: number | null, to: number | null): Clause[] {
  return put(clauses, field, from === null && to === null ? null : ({ field, from, to } as Condition));
}

export function datesOf(clauses: Clause[], field: DateField): { from: number | null; to: number | null } {
  const c = find(clauses, field)?.cond;
  return { from: c?.from ?? null, to: c?.to ?? null };
}

/** The collection filter select: 'any' | 'none' | 'some' | `c<id>`. */
export function collectionFilterValue(clauses: Clause[]): string {
  const any = find(clauses, 'any_collection');
  if (any) return any.clause.negate ? 'none' : 'some';
  const one = find(clauses, 'collection', false);
  return one ? `c${one.cond.id}` : 'any';
}

export function setCollectionFilter(clauses: Clause[], value: string): Clause[] {
  let next = put(clauses, 'any_collection', null);
  next = put(next, 'collection', null, false);
  if (value === 'none') return [...next, { negate: true, cond: { field: 'any_collection' } }];
  if (value === 'some') return [...next, { negate: false, cond: { field: 'any_collection' } }];
  if (value.startsWith('c')) return [...next, { negate: false, cond: { field: 'collection', id: Number(value.slice(1)) } }];
  return next;
}

export const onlySelectedActive = (clauses: Clause[]) => !!find(clauses, 'ids', false);

export function setOnlySelected(clauses: Clause[], ids: number[] | null): Clause[] {
  return put(clauses, 'ids', ids ? { field: 'ids', ids } : null, false);
}

// Queue status: one clause, for one queue, with the statuses wanted ("accepted in queue Q").
export function queueStatusState(clauses: Clause[], queueId: number): QueueStatus[] {
  const c = find(clauses, 'queue', false)?.cond;
  return c && c.id === queueId ? c.statuses : [];
}

/** Toggles `status` of queue `queueId`; a status of another queue replaces that queue's clause. */
export function toggleQueueStatus(clauses: Clause[], queueId: number, status: QueueStatus): Clause[] {
  const cur = queueStatusState(clauses, queueId);
  const picked = cur.includes(status) ? cur.filter((s) => s !== status) : [...cur, status];
  const statuses = STATUSES.filter((s) => picked.includes(s));
  return put(clauses, 'queue', statuses.length ? { field: 'queue', id: queueId, statuses } : null, false);
}
