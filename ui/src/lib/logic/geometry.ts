// Where tiles are in a gallery laid out as rows x columns, in virtual content pixels, and the
// index math that turns a point, a box or a drop position into item indices. Pure: the grid
// and the table both use it (the table is one column).

export interface Geometry {
  total: number; // items
  cols: number; // columns per row, >= 1
  padX: number; // left padding before column 0
  padY: number; // top padding before row 0
  cellW: number; // tile width
  cellH: number; // tile height
  gapX: number;
  gapY: number;
}

export const rowCount = (g: Geometry) => (g.total <= 0 ? 0 : Math.ceil(g.total / g.cols));
export const rowPitch = (g: Geometry) => g.cellH + g.gapY;
export const contentHeight = (g: Geometry) =>
  rowCount(g) === 0 ? 0 : g.padY * 2 + rowCount(g) * rowPitch(g) - g.gapY;

/** Lays `total` tiles of about `size` px into a row `width` px wide, stretching to fill it. */
export function gridGeometry(
  total: number,
  width: number,
  size: number,
  opts: { pad?: number; gap?: number; caption?: number } = {},
): Geometry {
  const pad = opts.pad ?? 12;
  const gap = opts.gap ?? 8;
  const caption = opts.caption ?? 0;
  const inner = Math.max(size, width - pad * 2);
  const cols = Math.max(1, Math.floor((inner + gap) / (size + gap)));
  const cellW = Math.max(1, Math.floor((inner - gap * (cols - 1)) / cols));
  return { total, cols, padX: pad, padY: pad, cellW, cellH: cellW + caption, gapX: gap, gapY: gap };
}

export function cellRect(g: Geometry, index: number) {
  const row = Math.floor(index / g.cols);
  const col = index % g.cols;
  const x = g.padX + col * (g.cellW + g.gapX);
  const y = g.padY + row * rowPitch(g);
  return { row, col, x, y, w: g.cellW, h: g.cellH };
}

/** Index of the tile under virtual point (x, y), or null over padding, gaps or past the end. */
export function indexAt(g: Geometry, x: number, y: number): number | null {
  const col = Math.floor((x - g.padX) / (g.cellW + g.gapX));
  const row = Math.floor((y - g.padY) / rowPitch(g));
  if (col < 0 || col >= g.cols || row < 0) return null;
  if (x - g.padX - col * (g.cellW + g.gapX) > g.cellW) return null;
  if (y - g.padY - row * rowPitch(g) > g.cellH) return null;
  const i = row * g.cols + col;
  return i < g.total ? i : null;
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface CellSpan {
  row0: number;
  row1: number;
  col0: number;
  col1: number;
}

/** First and last index (inclusive) of a 1-D run of cells of size `cell` + `gap` after `pad`
 * that intersect [a, b], clamped to [0, n-1]; null when the run only covers gaps or nothing. */
function span(a: number, b: number, pad: number, cell: number, gap: number, n: number) {
  const lo = Math.min(a, b) - pad;
  const hi = Math.max(a, b) - pad;
  const pitch = cell + gap;
  let first = Math.floor(lo / pitch);
  if (lo - first * pitch > cell) first += 1; // starts in the gap after cell `first`
  let last = Math.floor(hi / pitch);
  first = Math.max(0, first);
  last = Math.min(n - 1, last);
  if (last < first || hi < 0) return null;
  return [first, last] as const;
}

/** Rows and columns whose tiles a box (virtual coordinates) intersects. */
export function boxCells(g: Geometry, box: Box): CellSpan | null {
  const rows = rowCount(g);
  const c = span(box.x0, box.x1, g.padX, g.cellW, g.gapX, g.cols);
  const r = span(box.y0, box.y1, g.padY, g.cellH, g.gapY, rows);
  if (!c || !r) return null;
  // Columns past the last item on the last row hold no tile.
  const span_: CellSpan = { row0: r[0], row1: r[1], col0: c[0], col1: c[1] };
  if (firstIndex(g, span_) === null) return null;
  return span_;
}

/** The contiguous index range (inclusive) covering a cell span; the caller keeps only the
 * indices whose column is in the span (see `inSpan`). */
export function spanRange(g: Geometry, s: CellSpan): [number, number] {
  const a = s.row0 * g.cols + s.col0;
  const b = Math.min(g.total - 1, s.row1 * g.cols + s.col1);
  return [a, b];
}

function firstIndex(g: Geometry, s: CellSpan): number | null {
  const [a, b] = spanRange(g, s);
  return a <= b && a < g.total ? a : null;
}

export function inSpan(g: Geometry, s: CellSpan, index: number): boolean {
  if (index < 0 || index >= g.total) return false;
  const row = Math.floor(index / g.cols);
  const col = index % g.cols;
  return row >= s.row0 && row <= s.row1 && col >= s.col0 && col <= s.col1;
}

export interface Insertion {
  /** Index of the tile the dragged one lands before; `total` means at the end. */
  index: number;
  /** Where to draw the indicator: before column `col` (== cols: after the last) of `row`. */
  row: number;
  col: number;
}

/** Where a tile dropped at virtual (x, y) would land. In a one-column layout (the table) the
 * vertical position decides; in a grid, the row under the pointer and the nearest gap in it. */
export function insertionAt(g: Geometry, x: number, y: number): Insertion {
  if (g.total <= 0) return { index: 0, row: 0, col: 0 };
  const rows = rowCount(g);
  const pitchY = rowPitch(g);
  if (g.cols === 1) {
    const index = Math.min(g.total, Math.max(0, Math.ceil((y - g.padY - g.cellH / 2) / pitchY)));
    return { index, row: index, col: 0 };
  }
  const row = Math.min(rows - 1, Math.max(0, Math.floor((y - g.padY + g.gapY / 2) / pitchY)));
  const inRow = Math.min(g.cols, g.total - row * g.cols);
  const col = Math.min(inRow, Math.max(0, Math.ceil((x - g.padX - g.cellW / 2) / (g.cellW + g.gapX))));
  return { index: row * g.cols + col, row, col };
}
