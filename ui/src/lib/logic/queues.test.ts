import { describe, expect, it } from 'vitest';
import type { Queue } from '../api/types/Queue';
import { cannotLabel, cannotMove, cannotReview, countCells, countsSentence, outsider, parseTags, queueKey, totalOf } from './queues';

const counts = { pending: 4, annotating: 1, done: 1234, accepted: 2, rejected: 0 };
const queue = (over: Partial<Queue> = {}): Queue => ({
  id: 3, api_id: null, uuid: 'u', project_id: 1, collection_id: 7, collection_title: 'To label', name: 'Street labels',
  annotators: ['you'], reviewers: ['you'], tags: ['car'], closed: false, counts, can_annotate: true, can_review: true, can_manage: true, ...over,
});

describe('status counts', () => {
  it('lists every status in order, with the number alone as its text', () => {
    expect(countCells(counts).map((c) => [c.status, c.text])).toEqual([
      ['pending', '4'], ['annotating', '1'], ['done', '1234'], ['accepted', '2'], ['rejected', '0'],
    ]);
    expect(countCells(counts)[2].label).toBe('to review');
  });

  it('totals and says them in words, leaving out empty statuses', () => {
    expect(totalOf(counts)).toBe(1241);
    expect(countsSentence(counts)).toBe('1,241 items: 4 pending, 1 annotating, 1,234 to review, 2 accepted');
    expect(countsSentence({ pending: 1, annotating: 0, done: 0, accepted: 0, rejected: 0 })).toBe('1 item: 1 pending');
    expect(countsSentence({ pending: 0, annotating: 0, done: 0, accepted: 0, rejected: 0 })).toBe('0 items');
  });
});

describe('a queue for its user', () => {
  it('is known by the server id, else by the local one', () => {
    expect(queueKey(queue())).toBe(3);
    expect(queueKey(queue({ api_id: 41 }))).toBe(41);
  });

  it('says why work is not possible', () => {
    expect(cannotLabel(queue())).toBeNull();
    expect(cannotReview(queue())).toBeNull();
    expect(cannotMove(queue())).toBeNull();
    expect(outsider(queue())).toBeNull();
    const stranger = queue({ can_annotate: false, can_review: false, can_manage: false });
    expect(cannotLabel(stranger)).toMatch(/annotators/);
    expect(cannotReview(stranger)).toMatch(/reviewers/);
    expect(cannotMove(stranger)).toMatch(/editors/);
    expect(outsider(stranger)).toMatch(/can see its counts but not work in it/);
    expect(cannotLabel(queue({ closed: true }))).toMatch(/closed/);
    expect(cannotMove(queue({ counts: { ...counts, accepted: 0 } }))).toMatch(/No accepted items/);
  });
});

describe('parseTags', () => {
  it('splits on commas, trims, drops empties and repeats', () => {
    expect(parseTags(' car, person,,car , ')).toEqual(['car', 'person']);
    expect(parseTags('')).toEqual([]);
  });
});
