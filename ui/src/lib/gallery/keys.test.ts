import { describe, expect, it } from 'vitest';
import { keyAction, type KeyContext } from './keys';

const ctx: KeyContext = { focus: 5, total: 23, cols: 4, pageRows: 3, canReorder: false };
const key = (k: string, m: Partial<{ ctrl: boolean; shift: boolean; alt: boolean }> = {}) => ({
  key: k, ctrlKey: !!m.ctrl, metaKey: false, shiftKey: !!m.shift, altKey: !!m.alt,
});

describe('keyAction', () => {
  it('moves focus by cells, rows and pages, clamped', () => {
    expect(keyAction(key('ArrowRight'), ctx)).toEqual({ type: 'focus', index: 6, extend: false });
    expect(keyAction(key('ArrowUp'), ctx)).toEqual({ type: 'focus', index: 1, extend: false });
    expect(keyAction(key('ArrowDown', { shift: true }), ctx)).toEqual({ type: 'focus', index: 9, extend: true });
    expect(keyAction(key('PageDown'), ctx)).toMatchObject({ index: 17 });
    expect(keyAction(key('PageDown'), { ...ctx, focus: 20 })).toMatchObject({ index: 22 });
    expect(keyAction(key('ArrowUp'), { ...ctx, focus: 2 })).toMatchObject({ index: 0 });
    expect(keyAction(key('Home'), ctx)).toMatchObject({ index: 4 });
    expect(keyAction(key('End', { ctrl: true }), ctx)).toMatchObject({ index: 22 });
    expect(keyAction(key('End'), { ...ctx, focus: 21 })).toMatchObject({ index: 22 });
  });
  it('maps selection keys', () => {
    expect(keyAction(key('a', { ctrl: true }), ctx)).toEqual({ type: 'selectAll' });
    expect(keyAction(key('Escape'), ctx)).toEqual({ type: 'clear' });
    expect(keyAction(key(' '), ctx)).toEqual({ type: 'toggle' });
    expect(keyAction(key('Enter'), ctx)).toEqual({ type: 'activate' });
    expect(keyAction(key('x'), ctx)).toBeNull();
  });
  it('moves items with Alt+arrows only when reordering is possible', () => {
    expect(keyAction(key('ArrowLeft', { alt: true }), ctx)).toBeNull();
    const r = { ...ctx, canReorder: true };
    expect(keyAction(key('ArrowLeft', { alt: true }), r)).toEqual({ type: 'move', to: 4 });
    expect(keyAction(key('ArrowRight', { alt: true }), r)).toEqual({ type: 'move', to: 7 });
    expect(keyAction(key('ArrowRight', { alt: true }), { ...r, focus: 22 })).toBeNull();
    expect(keyAction(key('ArrowLeft', { alt: true }), { ...r, focus: 0 })).toBeNull();
    expect(keyAction(key('ArrowDown', { alt: true }), { ...r, cols: 1 })).toEqual({ type: 'move', to: 7 });
  });
});
