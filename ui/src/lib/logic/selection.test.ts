import { describe, expect, it } from 'vitest';
import type { ItemQuery } from '../api/types/ItemQuery';
import { rangeBetween, SelectionModel } from './selection';

const q: ItemQuery = { filter: { clauses: [] }, collection: null, sort: { key: 'name', desc: false } };

describe('SelectionModel', () => {
  it('holds explicit ids', () => {
    let s = SelectionModel.of([1, 2]);
    s = s.toggle(2).toggle(3);
    expect(s.has(1)).toBe(true);
    expect(s.has(2)).toBe(false);
    expect(s.count(100)).toBe(2);
    expect(s.toWire(q)).toEqual({ type: 'ids', ids: [1, 3] });
  });

  it('selects all matching without ids, then toggles exceptions', () => {
    let s = SelectionModel.all();
    expect(s.count(1_000_000)).toBe(1_000_000);
    expect(s.has(42)).toBe(true);
    s = s.toggle(42);
    expect(s.has(42)).toBe(false);
    expect(s.count(1_000_000)).toBe(999_999);
    expect(s.toWire(q)).toEqual({ type: 'matching', query: q, except: [42] });
    s = s.add([42]);
    expect(s.count(10)).toBe(10);
  });

  it('adds and removes ranges in both modes', () => {
    expect([...SelectionModel.of([1]).add([2, 3]).remove([1]).ids]).toEqual([2, 3]);
    const all = SelectionModel.all().remove([5, 6]);
    expect(all.has(5)).toBe(false);
    expect(all.count(10)).toBe(8);
  });

  it('is immutable', () => {
    const a = SelectionModel.of([1]);
    a.toggle(2);
    expect(a.count(10)).toBe(1);
  });

  it('knows when it is empty', () => {
    expect(SelectionModel.empty().isEmpty(10)).toBe(true);
    expect(SelectionModel.all().isEmpty(0)).toBe(true);
    expect(SelectionModel.all().isEmpty(3)).toBe(false);
  });
});

describe('rangeBetween', () => {
  it('orders the bounds', () => {
    expect(rangeBetween(5, 2)).toEqual([2, 5]);
    expect(rangeBetween(2, 5)).toEqual([2, 5]);
  });
});
