// Pointer and keyboard behaviour shared by the grid and the table: click / Ctrl / Shift
// selection, the rubber band (auto-scrolling near the edges), drag to reorder a collection,
// and keys. Uses pointer events and window listeners, never HTML5 drag and drop.
import { tick } from 'svelte';
import { boxCells, inSpan, insertionAt, rowPitch, type Box, type Geometry, type Insertion } from '../logic/geometry';
import { revealRow } from '../logic/virtual';
import { keyAction } from './keys';
import type { Viewport } from './viewport.svelte';

export interface GalleryHost {
  viewport: Viewport;
  geometry(): Geometry;
  canReorder(): boolean;
  isSelected(id: number): boolean;
  idAt(index: number): number | undefined;
  focus: number;
  setFocus(index: number): void;
  click(index: number, mods: { ctrl: boolean; shift: boolean }): void;
  toggle(index: number): void;
  extendTo(index: number): void;
  selectAll(): void;
  clear(): void;
  commitBox(span: ReturnType<typeof boxCells>, geo: Geometry, additive: boolean): Promise<void>;
  move(from: number, to: number): Promise<void>;
}

const DRAG_PX = 5;
const EDGE_PX = 48;

interface Press {
  cx: number;
  cy: number;
  x: number; // virtual
  y: number;
  index: number | null;
  ctrl: boolean;
  shift: boolean;
}

export class Interaction {
  /** The rubber band, in virtual coordinates, while one is drawn (and until it is applied). */
  box = $state.raw<Box | null>(null);
  additive = $state(false);
  /** A tile being dragged to a new place in the collection. */
  reorder = $state.raw<{ from: number; at: Insertion; cx: number; cy: number } | null>(null);

  span = $derived.by(() => (this.box ? boxCells(this.host.geometry(), this.box) : null));

  private press: Press | null = null;
  private mode: 'pending' | 'box' | 'reorder' | null = null;
  private last = { cx: 0, cy: 0 };
  private timer: ReturnType<typeof setInterval> | undefined;
  private host: GalleryHost;

  constructor(host: GalleryHost) {
    this.host = host;
  }

  /** Whether the tile at `index` shows as selected, including a rubber band being drawn. */
  selectedAt(index: number, id: number | undefined): boolean {
    if (this.box) {
      if (this.span && inSpan(this.host.geometry(), this.span, index)) return true;
      return this.additive && id !== undefined && this.host.isSelected(id);
    }
    return id !== undefined && this.host.isSelected(id);
  }

  pointerdown = (e: PointerEvent) => {
    const el = this.host.viewport.el;
    if (e.button !== 0 || !el || this.mode) return;
    const r = el.getBoundingClientRect();
    if (e.clientX - r.left >= el.clientWidth) return; // the scrollbar
    const tile = (e.target as Element).closest<HTMLElement>('[data-index]');
    const index = tile ? Number(tile.dataset.index) : null;
    const v = this.host.viewport.toVirtual(e.clientX, e.clientY);
    this.press = { cx: e.clientX, cy: e.clientY, x: v.x, y: v.y, index, ctrl: e.ctrlKey || e.metaKey, shift: e.shiftKey };
    this.mode = 'pending';
    this.last = { cx: e.clientX, cy: e.clientY };
    e.preventDefault();
    (tile ?? el).focus({ preventScroll: true });
    window.addEventListener('pointermove', this.pointermove);
    window.addEventListener('pointerup', this.pointerup);
    window.addEventListener('pointercancel', this.cancel);
  };

  private pointermove = (e: PointerEvent) => {
    const p = this.press;
    if (!p) return;
    this.last = { cx: e.clientX, cy: e.clientY };
    if (this.mode === 'pending') {
      if (Math.hypot(e.clientX - p.cx, e.clientY - p.cy) < DRAG_PX) return;
      this.mode = p.index !== null && this.host.canReorder() ? 'reorder' : 'box';
      this.additive = p.ctrl || p.shift;
      this.timer = setInterval(this.autoscroll, 16);
    }
    this.update();
  };

  private update() {
    const p = this.press;
    if (!p) return;
    const v = this.host.viewport.toVirtual(this.last.cx, this.last.cy);
    if (this.mode === 'box') this.box = { x0: p.x, y0: p.y, x1: v.x, y1: v.y };
    if (this.mode === 'reorder' && p.index !== null) {
      this.reorder = { from: p.index, at: insertionAt(this.host.geometry(), v.x, v.y), cx: this.last.cx, cy: this.last.cy };
    }
  }

  private autoscroll = () => {
    const el = this.host.viewport.el;
    if (!el || !this.mode || this.mode === 'pending') return;
    // A timer, not requestAnimationFrame: some webviews throttle frames while nothing repaints.
    const r = el.getBoundingClientRect();
    const y = this.last.cy;
    let dy = 0;
    if (y < r.top + EDGE_PX) dy = -Math.min(60, (r.top + EDGE_PX - y) / 2);
    else if (y > r.bottom - EDGE_PX) dy = Math.min(60, (y - (r.bottom - EDGE_PX)) / 2);
    if (dy) {
      this.host.viewport.scrollBy(Math.round(dy) || Math.sign(dy));
      this.update();
    }
  };

  private stop() {
    clearInterval(this.timer);
    window.removeEventListener('pointermove', this.pointermove);
    window.removeEventListener('pointerup', this.pointerup);
    window.removeEventListener('pointercancel', this.cancel);
    const mode = this.mode;
    this.mode = null;
    const p = this.press;
    this.press = null;
    return { mode, p };
  }

  private cancel = () => {
    this.stop();
    this.box = null;
    this.reorder = null;
  };

  private pointerup = async (e: PointerEvent) => {
    this.last = { cx: e.clientX, cy: e.clientY };
    if (this.mode !== 'pending') this.update();
    const { mode, p } = this.stop();
    if (!p) return;
    if (mode === 'pending') {
      if (p.index !== null) this.host.click(p.index, { ctrl: p.ctrl, shift: p.shift });
      else if (!p.ctrl && !p.shift) this.host.clear();
    } else if (mode === 'box') {
      const geo = this.host.geometry();
      try {
        await this.host.commitBox(this.span, geo, this.additive);
      } finally {
        this.box = null;
      }
    } else if (mode === 'reorder' && this.reorder) {
      const { from, at } = this.reorder;
      try {
        await this.host.move(from, at.index);
      } finally {
        this.reorder = null;
      }
    }
  };

  keydown = (e: KeyboardEvent) => {
    const geo = this.host.geometry();
    const vp = this.host.viewport;
    const action = keyAction(e, {
      focus: this.host.focus,
      total: geo.total,
      cols: geo.cols,
      pageRows: Math.max(1, Math.floor(vp.height / rowPitch(geo)) - 1),
      canReorder: this.host.canReorder(),
    });
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();
    const f = this.host.focus;
    switch (action.type) {
      case 'focus':
        this.focusIndex(action.index);
        if (action.extend) this.host.extendTo(action.index);
        break;
      case 'toggle':
        this.host.toggle(f);
        break;
      case 'activate':
        this.host.click(f, { ctrl: false, shift: false });
        break;
      case 'selectAll':
        this.host.selectAll();
        break;
      case 'clear':
        this.host.clear();
        break;
      case 'move':
        this.host.move(f, action.to).then(() => this.focusIndex(this.host.focus));
        break;
    }
  };

  /** Moves keyboard focus to a tile, scrolling it into view. */
  async focusIndex(index: number) {
    const geo = this.host.geometry();
    const vp = this.host.viewport;
    this.host.setFocus(index);
    const row = Math.floor(index / geo.cols);
    const next = revealRow(row, vp.top, vp.height, rowPitch(geo), geo.padY);
    if (next !== vp.top) vp.scrollToVirtual(next);
    await tick();
    vp.el?.querySelector<HTMLElement>(`[data-index="${index}"]`)?.focus({ preventScroll: true });
  }

  /** Whether keyboard focus is (or was, before its tile scrolled away) in the gallery. */
  private focused = false;

  focusin = () => {
    this.focused = true;
  };

  focusout = (e: FocusEvent) => {
    const to = e.relatedTarget as Node | null;
    if (to && !this.host.viewport.el?.contains(to)) this.focused = false;
  };

  /** After rows are re-rendered: if the focused tile left the DOM, keep focus in the gallery. */
  keepFocus() {
    const el = this.host.viewport.el;
    if (!el || !this.focused) return;
    const active = document.activeElement;
    if (active && active !== document.body) return; // focus is somewhere real (maybe a tile)
    const tile = el.querySelector<HTMLElement>(`[data-index="${this.host.focus}"]`);
    (tile ?? el).focus({ preventScroll: true });
  }

  destroy() {
    this.cancel();
  }
}
