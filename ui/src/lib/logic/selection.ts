// The selection as a value: either a set of ids, or "every item matching the current query
// except these ids". Immutable: every operation returns a new value, so a store can hold it in
// one reactive cell. Selecting a million items costs nothing: `all()` stores no ids.

import type { ItemQuery } from '../api/types/ItemQuery';
import type { Selection } from '../api/types/Selection';

export class SelectionModel {
  private constructor(
    /** 'ids': exactly `ids`; 'all': everything matching except `ids`. */
    readonly mode: 'ids' | 'all',
    readonly ids: ReadonlySet<number>,
  ) {}

  static empty(): SelectionModel {
    return new SelectionModel('ids', new Set());
  }
  static of(ids: Iterable<number>): SelectionModel {
    return new SelectionModel('ids', new Set(ids));
  }
  static all(): SelectionModel {
    return new SelectionModel('all', new Set());
  }

  has(id: number): boolean {
    return this.mode === 'ids' ? this.ids.has(id) : !this.ids.has(id);
  }

  isEmpty(total: number): boolean {
    return this.count(total) === 0;
  }

  /** Number of selected items, given the number of items the current query matches. */
  count(total: number): number {
    return this.mode === 'ids' ? this.ids.size : Math.max(0, total - this.ids.size);
  }

  toggle(id: number): SelectionModel {
    const next = new Set(this.ids);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return new SelectionModel(this.mode, next);
  }

  /** Adds `ids` to the selection. */
  add(ids: Iterable<number>): SelectionModel {
    const next = new Set(this.ids);
    for (const id of ids) {
      if (this.mode === 'ids') next.add(id);
      else next.delete(id);
    }
    return new SelectionModel(this.mode, next);
  }

  /** Removes `ids` from the selection. */
  remove(ids: Iterable<number>): SelectionModel {
    const next = new Set(this.ids);
    for (const id of ids) {
      if (this.mode === 'ids') next.delete(id);
      else next.add(id);
    }
    return new SelectionModel(this.mode, next);
  }

  /** The wire form, for a command that acts on the selection. */
  toWire(query: ItemQuery): Selection {
    return this.mode === 'ids'
      ? { type: 'ids', ids: [...this.ids] }
      : { type: 'matching', query, except: [...this.ids] };
  }
}

/** Inclusive index range between an anchor and a clicked index, in display order. */
export function rangeBetween(anchor: number, index: number): [number, number] {
  return anchor <= index ? [anchor, index] : [index, anchor];
}
