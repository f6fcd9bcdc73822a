import { describe, expect, it, vi } from 'vitest';
import { dayEnd, dayOf, dayRangeLabel, dayStart } from './dates';

const HOUR = 3_600_000;
/** Runs `f` with the local time zone set to `tz` (Node reads TZ again when it changes). */
function inZone(tz: string, f: () => void) {
  vi.stubEnv('TZ', tz);
  try {
    f();
  } finally {
    vi.unstubAllEnvs();
  }
}

describe('days ↔ ms, local time', () => {
  it('starts a day at local midnight and ends it at the last millisecond', () => {
    expect(dayStart('2026-01-01')).toBe(new Date(2026, 0, 1).getTime());
    expect(dayEnd('2026-03-31')).toBe(new Date(2026, 3, 1).getTime() - 1);
    expect(dayEnd('2026-12-31')).toBe(new Date(2027, 0, 1).getTime() - 1);
  });
  it('keeps an item made at 23:59:59 in its "to" day and one a millisecond later out', () => {
    const late = new Date(2026, 2, 31, 23, 59, 59, 999).getTime();
    expect(late).toBeLessThanOrEqual(dayEnd('2026-03-31')!);
    expect(late + 1).toBeGreaterThan(dayEnd('2026-03-31')!);
    expect(late + 1).toBe(dayStart('2026-04-01'));
  });
  it('round-trips through the day a date input shows', () => {
    for (const d of ['2026-01-01', '2024-02-29', '1999-12-31', '0099-06-15']) {
      expect(dayOf(dayStart(d)!)).toBe(d);
      expect(dayOf(dayEnd(d)!)).toBe(d);
    }
  });
  it('refuses what is not a day', () => {
    for (const bad of ['', '  ', '2026-02-30', '2026-13-01', '2025-02-29', '26-1-1', '2026/01/01', 'today']) {
      expect(dayStart(bad), bad).toBeNull();
      expect(dayEnd(bad), bad).toBeNull();
    }
  });
  it('uses the local zone, not UTC', () => {
    inZone('Asia/Tokyo', () => {
      expect(dayStart('2026-01-01')).toBe(Date.UTC(2025, 11, 31, 15));
      expect(dayEnd('2026-01-01')).toBe(Date.UTC(2026, 0, 1, 15) - 1);
      expect(dayOf(Date.UTC(2025, 11, 31, 16))).toBe('2026-01-01');
    });
    inZone('America/Los_Angeles', () => {
      expect(dayStart('2026-01-01')).toBe(Date.UTC(2026, 0, 1, 8));
      expect(dayOf(Date.UTC(2026, 0, 1, 7))).toBe('2025-12-31');
    });
  });
  it('counts a day the clocks change on as a whole calendar day', () => {
    inZone('America/New_York', () => {
      // 2026-03-08 has 23 hours there, 2026-11-01 has 25.
      expect(dayEnd('2026-03-08')! + 1 - dayStart('2026-03-08')!).toBe(23 * HOUR);
      expect(dayEnd('2026-11-01')! + 1 - dayStart('2026-11-01')!).toBe(25 * HOUR);
      expect(dayOf(dayEnd('2026-11-01')!)).toBe('2026-11-01');
    });
  });
});

describe('date range labels', () => {
  const d = (t: string) => dayStart(t);
  const e = (t: string) => dayEnd(t);
  it('reads as a sentence', () => {
    expect(dayRangeLabel('Created', d('2026-01-01'), e('2026-03-31'))).toBe('Created 2026-01-01 – 2026-03-31');
    expect(dayRangeLabel('Updated', d('2026-01-01'), null)).toBe('Updated on or after 2026-01-01');
    expect(dayRangeLabel('Created', null, e('2026-03-31'))).toBe('Created on or before 2026-03-31');
    expect(dayRangeLabel('Created', d('2026-05-04'), e('2026-05-04'))).toBe('Created on 2026-05-04');
    expect(dayRangeLabel('Created', null, null)).toBe('Created any time');
  });
});
