import { describe, expect, it } from 'vitest';
import { MAX_SPACER_PX, pagesFor, revealRow, scrollMap, visibleRows } from './virtual';

describe('scrollMap', () => {
  it('is the identity when the content fits', () => {
    const m = scrollMap(30_000, 800);
    expect(m.spacer).toBe(30_000);
    expect(m.toVirtual(1234)).toBe(1234);
    expect(m.toScroll(1234)).toBe(1234);
  });

  it('caps the spacer and maps proportionally beyond the cap', () => {
    const content = 1_000_000 / 8 * 180; // 1M items, 8 per row, 180px rows = 22.5M px
    const m = scrollMap(content, 800);
    expect(m.spacer).toBe(MAX_SPACER_PX);
    expect(m.toVirtual(0)).toBe(0);
    // the bottom of the scroll range reaches the bottom of the content
    expect(m.toVirtual(MAX_SPACER_PX - 800)).toBeCloseTo(content - 800, 3);
    // the middle maps to the middle
    expect(m.toVirtual((MAX_SPACER_PX - 800) / 2)).toBeCloseTo((content - 800) / 2, 3);
    // and back
    expect(m.toScroll(m.toVirtual(123_456))).toBeCloseTo(123_456, 6);
  });

  it('clamps out-of-range positions', () => {
    const m = scrollMap(20_000_000, 800, 1_000_000);
    expect(m.toVirtual(-5)).toBe(0);
    expect(m.toVirtual(5_000_000)).toBe(20_000_000 - 800);
    expect(m.toScroll(1e12)).toBe(1_000_000 - 800);
  });
});

describe('visibleRows', () => {
  it('covers the viewport plus overscan', () => {
    expect(visibleRows(0, 500, 100, 1000, 2)).toEqual({ first: 0, last: 6 });
    expect(visibleRows(1050, 500, 100, 1000, 1)).toEqual({ first: 9, last: 16 });
  });
  it('clamps at the end and handles empty lists', () => {
    expect(visibleRows(9800, 500, 100, 100, 2)).toEqual({ first: 96, last: 99 });
    expect(visibleRows(0, 500, 100, 0)).toEqual({ first: 0, last: -1 });
  });
});

describe('revealRow', () => {
  it('scrolls only when the row is out of view', () => {
    expect(revealRow(5, 0, 1000, 100)).toBe(0);
    expect(revealRow(12, 0, 1000, 100)).toBe(300);
    expect(revealRow(2, 500, 1000, 100)).toBe(200);
  });
});

describe('pagesFor', () => {
  it('lists the pages covering a range', () => {
    expect(pagesFor(0, 199, 200)).toEqual([0]);
    expect(pagesFor(150, 450, 200)).toEqual([0, 1, 2]);
    expect(pagesFor(5, 4, 200)).toEqual([]);
  });
});
