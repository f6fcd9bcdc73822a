// The selection (see `logic/selection.ts`), the keyboard focus and the anchor for Shift ranges,
// and the item the detail panel shows. Range and box selection read ids in display order from
// the results store, which fetches them with `item_ids` when rows are not loaded.
import type { ItemQuery } from '../api/types/ItemQuery';
import type { Selection } from '../api/types/Selection';
import { inSpan, spanRange, type CellSpan, type Geometry } from '../logic/geometry';
import { rangeBetween, SelectionModel } from '../logic/selection';
import { results } from './results.svelte';

export interface Mods {
  ctrl: boolean;
  shift: boolean;
}

class SelectionStore {
  model = $state.raw(SelectionModel.empty());
  /** Index (display order) where Shift ranges start. */
  anchor = $state<number | null>(null);
  /** Index of the keyboard-focused tile. */
  focus = $state(0);
  /** The item the detail panel shows. */
  detailId = $state<number | null>(null);

  count = $derived(this.model.count(results.total));
  private op = 0;

  has(id: number): boolean {
    return this.model.has(id);
  }

  clear() {
    this.op++;
    this.model = SelectionModel.empty();
  }

  /** Forgets everything tied to the previous result (after a filter or project change). */
  reset() {
    this.clear();
    this.anchor = null;
    this.focus = 0;
  }

  selectAll() {
    this.op++;
    this.model = SelectionModel.all();
  }

  setIds(ids: number[]) {
    this.op++;
    this.model = SelectionModel.of(ids);
  }

  /** A click on the tile at `index`: select it only, toggle it, or select a range. */
  async click(index: number, id: number, mods: Mods) {
    this.focus = index;
    this.detailId = id;
    if (mods.shift && this.anchor !== null) {
      const [a, b] = rangeBetween(this.anchor, index);
      const op = ++this.op;
      const ids = await results.ids(a, b);
      if (op !== this.op) return;
      this.model = mods.ctrl ? this.model.add(ids) : SelectionModel.of(ids);
      return;
    }
    this.op++;
    this.anchor = index;
    this.model = mods.ctrl ? this.model.toggle(id) : SelectionModel.of([id]);
  }

  /** Space on the focused tile. */
  toggle(index: number, id: number) {
    this.op++;
    this.anchor = index;
    this.model = this.model.toggle(id);
  }

  /** Shift+Arrow: the range from the anchor to the newly focused index. */
  async extendTo(index: number) {
    if (this.anchor === null) this.anchor = this.focus;
    const [a, b] = rangeBetween(this.anchor, index);
    const op = ++this.op;
    const ids = await results.ids(a, b);
    if (op === this.op) this.model = SelectionModel.of(ids);
  }

  /** A finished rubber band: every tile in `span` (null: none), added when `additive`. */
  async box(span: CellSpan | null, geo: Geometry, additive: boolean) {
    const op = ++this.op;
    let picked: number[] = [];
    if (span) {
      const [a, b] = spanRange(geo, span);
      const ids = await results.ids(a, b);
      picked = ids.filter((_, k) => inSpan(geo, span, a + k));
    }
    if (op !== this.op) return;
    this.model = additive ? this.model.add(picked) : SelectionModel.of(picked);
  }

  toWire(q: ItemQuery): Selection {
    return this.model.toWire(q);
  }
}

export const selection = new SelectionStore();
