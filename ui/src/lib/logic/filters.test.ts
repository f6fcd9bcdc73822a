import { describe, expect, it } from 'vitest';
import type { Clause } from '../api/types/Clause';
import { dayEnd, dayStart } from './dates';
import {
  clauseLabel, collectionFilterValue, datasetState, datesOf, setDates, onlyDataset, rangeOf, removeAt, setCollectionFilter,
  setLabeled, setName, setRange, setTagMode, tagState, toggleDataset, toggleNegateAt, toggleTag,
  queueStatusState, toggleQueueStatus,
} from './filters';

const ctx = { datasetName: (id: number) => ['city', 'park', 'night-drive'][id - 1] ?? `#${id}`, collectionTitle: () => 'False positives', queueName: () => 'Street labels' };

describe('dataset clauses', () => {
  it('toggles include and exclude lists separately', () => {
    let c: Clause[] = [];
    c = toggleDataset(c, 1, false);
    c = toggleDataset(c, 2, false);
    c = toggleDataset(c, 3, true);
    expect(c).toEqual([
      { negate: false, cond: { field: 'datasets', ids: [1, 2] } },
      { negate: true, cond: { field: 'datasets', ids: [3] } },
    ]);
    expect(datasetState(c, 3)).toEqual({ included: false, excluded: true });
    expect(clauseLabel(c[0], ctx)).toBe('Datasets: city, park');
    c = toggleDataset(toggleDataset(c, 1, false), 2, false);
    expect(c).toEqual([{ negate: true, cond: { field: 'datasets', ids: [3] } }]);
  });
  it('can narrow to one dataset', () => {
    const c = onlyDataset([{ negate: false, cond: { field: 'datasets', ids: [1, 2] } }], 3);
    expect(c).toEqual([{ negate: false, cond: { field: 'datasets', ids: [3] } }]);
  });
});

describe('tags, name, labeled, ranges', () => {
  it('keeps one tags clause with a mode', () => {
    let c = toggleTag([], 'cat', 'any');
    c = toggleTag(c, 'dog', 'all');
    expect(tagState(c)).toEqual({ tags: ['cat', 'dog'], mode: 'any' });
    c = setTagMode(c, 'none');
    expect(clauseLabel(c[0], ctx)).toBe('Tags (none): cat, dog');
    expect(toggleTag(toggleTag(c, 'cat', 'any'), 'dog', 'any')).toEqual([]);
  });
  it('sets and clears the name clause, keeping its negation', () => {
    let c = setName([], '  foo ');
    expect(c).toEqual([{ negate: false, cond: { field: 'name', contains: 'foo' } }]);
    c = toggleNegateAt(c, 0);
    c = setName(c, 'bar');
    expect(c).toEqual([{ negate: true, cond: { field: 'name', contains: 'bar' } }]);
    expect(setName(c, '')).toEqual([]);
  });
  it('labels labeled and ranges', () => {
    expect(clauseLabel(setLabeled([], false)[0], ctx)).toBe('Labeled: no');
    expect(setLabeled(toggleNegateAt(setLabeled([], true), 0), true)).toEqual([{ negate: false, cond: { field: 'labeled', value: true } }]);
    const c = setRange([], 'size', 10 * 1024, null);
    expect(clauseLabel(c[0], ctx)).toBe('Size: ≥ 10 KB');
    expect(rangeOf(c, 'size')).toEqual({ min: 10240, max: null });
    expect(clauseLabel(setRange([], 'width', 100, 200)[0], ctx)).toBe('Width: 100–200');
    expect(setRange(c, 'size', null, null)).toEqual([]);
  });
  it('keeps one clause per date range, labeled as a sentence in local days', () => {
    const from = dayStart('2026-01-01');
    const to = dayEnd('2026-03-31');
    let c = setDates(setName([], 'x'), 'created', from, to);
    expect(c[1]).toEqual({ negate: false, cond: { field: 'created', from, to } });
    expect(clauseLabel(c[1], ctx)).toBe('Created 2026-01-01 – 2026-03-31');
    expect(datesOf(c, 'created')).toEqual({ from, to });
    expect(datesOf(c, 'updated')).toEqual({ from: null, to: null });
    c = setDates(c, 'updated', null, to);
    expect(clauseLabel(c[2], ctx)).toBe('Updated on or before 2026-03-31');
    c = setDates(c, 'created', from, null);
    expect(c[1].cond).toEqual({ field: 'created', from, to: null });
    expect(setDates(setDates(c, 'created', null, null), 'updated', null, null)).toEqual([c[0]]);
  });
});

describe('collection filter', () => {
  it('round-trips the select value', () => {
    for (const v of ['any', 'none', 'some', 'c7']) {
      expect(collectionFilterValue(setCollectionFilter([], v))).toBe(v);
    }
    const c = setCollectionFilter(setCollectionFilter([], 'none'), 'c7');
    expect(c).toEqual([{ negate: false, cond: { field: 'collection', id: 7 } }]);
    expect(clauseLabel(c[0], ctx)).toBe('In collection: False positives');
  });
  it('removes chips by position', () => {
    const c = setLabeled(setName([], 'x'), true);
    expect(removeAt(c, 0)).toEqual([{ negate: false, cond: { field: 'labeled', value: true } }]);
  });
});

describe('queue status clause', () => {
  it('toggles statuses of one queue in status order; another queue replaces it', () => {
    let c: Clause[] = [{ negate: false, cond: { field: 'name', contains: 'x' } }];
    c = toggleQueueStatus(c, 4, 'rejected');
    c = toggleQueueStatus(c, 4, 'accepted');
    expect(c[1]).toEqual({ negate: false, cond: { field: 'queue', id: 4, statuses: ['accepted', 'rejected'] } });
    expect(queueStatusState(c, 4)).toEqual(['accepted', 'rejected']);
    expect(queueStatusState(c, 5)).toEqual([]);
    expect(clauseLabel(c[1], ctx)).toBe('accepted or rejected in queue Street labels');
    c = toggleQueueStatus(c, 5, 'done');
    expect(c).toEqual([c[0], { negate: false, cond: { field: 'queue', id: 5, statuses: ['done'] } }]);
    expect(toggleQueueStatus(c, 5, 'done')).toEqual([c[0]]);
  });
});
