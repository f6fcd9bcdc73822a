// Scroll position <-> content position for windowed lists that may be taller than a browser
// allows one element to be. Content is laid out in "virtual" pixels (row * rowHeight); the
// scroll container holds a spacer of at most `MAX_SPACER_PX`, and when the content is taller,
// scroll positions map to virtual positions proportionally.

/** Browsers cap element heights near 16.7M px (WebKit lower in places); stay well under. */
export const MAX_SPACER_PX = 8_000_000;

export interface ScrollMap {
  /** Height of the spacer element in the scroll container. */
  spacer: number;
  /** Virtual pixels per scroll pixel (1 when the content fits). */
  ratio: number;
  /** Virtual y at the top of the viewport for a given `scrollTop`. */
  toVirtual(scrollTop: number): number;
  /** The `scrollTop` that puts virtual y `v` at the top of the viewport. */
  toScroll(v: number): number;
}

export function scrollMap(contentHeight: number, viewport: number, cap = MAX_SPACER_PX): ScrollMap {
  const content = Math.max(0, contentHeight);
  if (content <= cap || content <= viewport) {
    return { spacer: content, ratio: 1, toVirtual: (s) => s, toScroll: (v) => v };
  }
  const spacer = cap;
  const ratio = (content - viewport) / Math.max(1, spacer - viewport);
  const maxV = content - viewport;
  return {
    spacer,
    ratio,
    toVirtual: (s) => Math.min(maxV, Math.max(0, s * ratio)),
    toScroll: (v) => Math.min(spacer - viewport, Math.max(0, v / ratio)),
  };
}

export interface RowWindow {
  first: number; // first row to render (inclusive)
  last: number; // last row to render (inclusive); last < first when there is nothing
}

/** Rows intersecting the viewport at virtual top `top`, widened by `overscan` rows each way. */
export function visibleRows(
  top: number,
  viewport: number,
  rowHeight: number,
  rows: number,
  overscan = 2,
): RowWindow {
  if (rows <= 0 || rowHeight <= 0) return { first: 0, last: -1 };
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(rows - 1, Math.floor((top + Math.max(0, viewport - 1)) / rowHeight) + overscan);
  return { first, last: Math.max(first - 1, last) };
}

/** The virtual top that brings row `row` fully into view (or `current` if it already is). */
export function revealRow(
  row: number,
  current: number,
  viewport: number,
  rowHeight: number,
  padTop = 0,
): number {
  const y0 = padTop + row * rowHeight;
  const y1 = y0 + rowHeight;
  if (y0 < current) return Math.max(0, y0 - padTop);
  if (y1 > current + viewport) return y1 - viewport + padTop;
  return current;
}

/** Page numbers (of `pageSize` items) covering items `start..=end`. */
export function pagesFor(start: number, end: number, pageSize: number): number[] {
  if (end < start) return [];
  const out: number[] = [];
  for (let p = Math.floor(start / pageSize); p <= Math.floor(end / pageSize); p++) out.push(p);
  return out;
}
