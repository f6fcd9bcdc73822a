import { describe as group, expect, it } from 'vitest';
import type { HistoryEntry } from '../api/types/HistoryEntry';
import { ago, describe, people } from './history';

const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({
  key: 's1', author: 'alice', at: 0, kind: 'added', count: 3, detail: '', pending: false, items: [1, 2, 3], ...over,
});

group('a history entry', () => {
  it('says what was done and to how many items', () => {
    expect(describe(entry({}))).toBe('added 3 items');
    expect(describe(entry({ kind: 'removed', count: 1 }))).toBe('removed 1 item');
    expect(describe(entry({ kind: 'added', count: 1234567 }))).toBe('added 1,234,567 items');
    expect(describe(entry({ kind: 'noted', count: 1, detail: 'blurry' }))).toBe('noted 1 item: “blurry”');
    expect(describe(entry({ kind: 'noted', count: 1, detail: '' }))).toBe('cleared the note of 1 item');
    expect(describe(entry({ kind: 'renamed', count: 0, detail: 'Best picks' }))).toBe('renamed it “Best picks”');
    expect(describe(entry({ kind: 'created', count: 0, detail: 'Picks' }))).toBe('created it as “Picks”');
    expect(describe(entry({ kind: 'deleted', count: 0 }))).toBe('deleted it');
  });

  it('says when, relative to now', () => {
    const now = Date.UTC(2026, 11, 5, 12);
    expect(ago(now - 10_000, now)).toBe('just now');
    expect(ago(now + 5_000, now)).toBe('just now');
    expect(ago(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(ago(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(ago(now - 24 * 3600_000, now)).toBe('yesterday');
    expect(ago(now - 4 * 24 * 3600_000, now)).toBe('4 days ago');
    expect(ago(Date.UTC(2026, 0, 2), now)).toBe('2026-01-02');
  });

  it('offers each person once, sorted, keeping those seen before', () => {
    expect(people(['carol'], [entry({ author: 'bob' }), entry({ author: 'alice' }), entry({ author: 'bob' })])).toEqual(['alice', 'bob', 'carol']);
  });
});
