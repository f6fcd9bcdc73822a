import { describe, expect, it } from 'vitest';
import { boxCells, cellRect, contentHeight, gridGeometry, indexAt, inSpan, insertionAt, spanRange, type Geometry } from './geometry';

// 10 items, 4 columns of 100px with 10px gaps, 10px padding, rows 120px tall.
const g: Geometry = { total: 10, cols: 4, padX: 10, padY: 10, cellW: 100, cellH: 120, gapX: 10, gapY: 10 };

describe('gridGeometry', () => {
  it('fits as many columns as the width allows and stretches them', () => {
    const geo = gridGeometry(100, 1000, 160, { pad: 12, gap: 8, caption: 20 });
    expect(geo.cols).toBe(5);
    expect(geo.cellW).toBe(Math.floor((1000 - 24 - 32) / 5));
    expect(geo.cellH).toBe(geo.cellW + 20);
  });
  it('always has at least one column', () => {
    expect(gridGeometry(3, 50, 320).cols).toBe(1);
  });
  it('measures content height', () => {
    expect(contentHeight(g)).toBe(10 + 3 * 130 - 10 + 10);
    expect(contentHeight({ ...g, total: 0 })).toBe(0);
  });
});

describe('indexAt', () => {
  it('finds the tile under a point', () => {
    expect(indexAt(g, 15, 15)).toBe(0);
    expect(indexAt(g, 125, 145)).toBe(5);
    expect(cellRect(g, 5)).toMatchObject({ row: 1, col: 1, x: 120, y: 140 });
  });
  it('is null over gaps, padding and past the last item', () => {
    expect(indexAt(g, 5, 15)).toBeNull();
    expect(indexAt(g, 115, 15)).toBeNull(); // gap between col 0 and 1
    expect(indexAt(g, 345, 275)).toBeNull(); // row 2 col 3 = index 11 > total
  });
});

describe('boxCells', () => {
  it('selects every tile a box intersects', () => {
    const s = boxCells(g, { x0: 50, y0: 50, x1: 130, y1: 150 })!;
    expect(s).toEqual({ row0: 0, row1: 1, col0: 0, col1: 1 });
    const picked = Array.from({ length: 10 }, (_, i) => i).filter((i) => inSpan(g, s, i));
    expect(picked).toEqual([0, 1, 4, 5]);
    expect(spanRange(g, s)).toEqual([0, 5]);
  });
  it('works whichever corner the drag started from', () => {
    expect(boxCells(g, { x0: 130, y0: 150, x1: 50, y1: 50 })).toEqual({ row0: 0, row1: 1, col0: 0, col1: 1 });
  });
  it('ignores boxes that only cover gaps', () => {
    expect(boxCells(g, { x0: 111, y0: 20, x1: 119, y1: 60 })).toBeNull();
    expect(boxCells(g, { x0: 0, y0: 0, x1: 5, y1: 5 })).toBeNull();
  });
  it('ignores empty cells after the last item', () => {
    expect(boxCells(g, { x0: 350, y0: 280, x1: 400, y1: 300 })).toBeNull();
  });
  it('clamps a box running past the edges', () => {
    const s = boxCells(g, { x0: -100, y0: -100, x1: 10_000, y1: 10_000 })!;
    expect(s).toEqual({ row0: 0, row1: 2, col0: 0, col1: 3 });
    expect(spanRange(g, s)).toEqual([0, 9]);
  });
});

describe('insertionAt', () => {
  it('lands before the tile whose centre is right of the pointer', () => {
    expect(insertionAt(g, 20, 50)).toEqual({ index: 0, row: 0, col: 0 });
    expect(insertionAt(g, 70, 50)).toEqual({ index: 1, row: 0, col: 1 });
    expect(insertionAt(g, 440, 50)).toEqual({ index: 4, row: 0, col: 4 });
    expect(insertionAt(g, 180, 180)).toEqual({ index: 6, row: 1, col: 2 });
  });
  it('lands at the end past the last item', () => {
    expect(insertionAt(g, 400, 300)).toEqual({ index: 10, row: 2, col: 2 });
    expect(insertionAt(g, 400, 5000).index).toBe(10);
  });
  it('uses the vertical position in a one-column list', () => {
    const t: Geometry = { total: 5, cols: 1, padX: 0, padY: 0, cellW: 500, cellH: 30, gapX: 0, gapY: 0 };
    expect(insertionAt(t, 10, 5).index).toBe(0);
    expect(insertionAt(t, 10, 20).index).toBe(1);
    expect(insertionAt(t, 10, 1000).index).toBe(5);
  });
});
