// What a key press in the gallery means, as a pure function of the key and the layout.

export type KeyAction =
  | { type: 'focus'; index: number; extend: boolean }
  | { type: 'toggle' }
  | { type: 'activate' }
  | { type: 'selectAll' }
  | { type: 'clear' }
  | { type: 'move'; to: number };

export interface KeyContext {
  focus: number;
  total: number;
  cols: number;
  /** Rows per page, for PageUp/PageDown. */
  pageRows: number;
  canReorder: boolean;
}

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export function keyAction(e: KeyLike, c: KeyContext): KeyAction | null {
  if (c.total <= 0) return e.key === 'Escape' ? { type: 'clear' } : null;
  const mod = e.ctrlKey || e.metaKey;
  const f = Math.min(Math.max(0, c.focus), c.total - 1);
  const clamp = (i: number) => Math.min(c.total - 1, Math.max(0, i));
  if (mod && !e.altKey && (e.key === 'a' || e.key === 'A')) return { type: 'selectAll' };
  if (e.key === 'Escape') return { type: 'clear' };
  if (e.key === ' ' || e.key === 'Spacebar') return { type: 'toggle' };
  if (e.key === 'Enter') return { type: 'activate' };
  if (e.altKey && c.canReorder) {
    const back = e.key === 'ArrowLeft' || (c.cols === 1 && e.key === 'ArrowUp');
    const fwd = e.key === 'ArrowRight' || (c.cols === 1 && e.key === 'ArrowDown');
    // "to" is the index the item lands before (see actions.move).
    if (back) return f > 0 ? { type: 'move', to: f - 1 } : null;
    if (fwd) return f < c.total - 1 ? { type: 'move', to: f + 2 } : null;
  }
  if (e.altKey) return null;
  const step: Record<string, number> = {
    ArrowLeft: -1,
    ArrowRight: 1,
    ArrowUp: -c.cols,
    ArrowDown: c.cols,
    PageUp: -c.cols * Math.max(1, c.pageRows),
    PageDown: c.cols * Math.max(1, c.pageRows),
  };
  let index: number | null = null;
  if (e.key in step) index = clamp(f + step[e.key]);
  else if (e.key === 'Home') index = mod ? 0 : f - (f % c.cols);
  else if (e.key === 'End') index = mod ? c.total - 1 : clamp(f - (f % c.cols) + c.cols - 1);
  if (index === null) return null;
  return { type: 'focus', index, extend: e.shiftKey };
}
