import { describe, expect, it } from 'vitest';
import { labelKey, TagDraft, type LabelKeyContext } from './labeling';

const ctx: LabelKeyContext = { typing: false, tagCount: 3 };
const key = (k: string, m: Partial<{ ctrl: boolean; meta: boolean; shift: boolean; alt: boolean }> = {}) => ({
  key: k, ctrlKey: !!m.ctrl, metaKey: !!m.meta, shiftKey: !!m.shift, altKey: !!m.alt,
});

describe('labelKey', () => {
  it('number keys toggle the listed tags, and only those', () => {
    expect(labelKey(key('1'), ctx)).toEqual({ type: 'toggle', index: 0 });
    expect(labelKey(key('3'), ctx)).toEqual({ type: 'toggle', index: 2 });
    expect(labelKey(key('4'), ctx)).toBeNull();
    expect(labelKey(key('0'), ctx)).toBeNull();
    expect(labelKey(key('0'), { ...ctx, tagCount: 10 })).toEqual({ type: 'toggle', index: 9 });
    expect(labelKey(key('1', { ctrl: true }), ctx)).toBeNull();
    expect(labelKey(key('1', { alt: true }), ctx)).toBeNull();
  });

  it('Ctrl+Enter submits everywhere; Enter only outside text fields', () => {
    expect(labelKey(key('Enter', { ctrl: true }), ctx)).toEqual({ type: 'submit' });
    expect(labelKey(key('Enter', { meta: true }), { ...ctx, typing: true })).toEqual({ type: 'submit' });
    expect(labelKey(key('Enter', { ctrl: true }), { ...ctx, typing: true })).toEqual({ type: 'submit' });
    expect(labelKey(key('Enter'), ctx)).toEqual({ type: 'submit' });
    expect(labelKey(key('Enter'), { ...ctx, typing: true })).toBeNull();
    expect(labelKey(key('Enter', { shift: true }), ctx)).toBeNull();
  });

  it('→ skips, but not while typing; other keys are not the view\'s', () => {
    expect(labelKey(key('ArrowRight'), ctx)).toEqual({ type: 'skip' });
    expect(labelKey(key('ArrowRight'), { ...ctx, typing: true })).toBeNull();
    expect(labelKey(key('ArrowRight', { shift: true }), ctx)).toBeNull();
    expect(labelKey(key('1'), { ...ctx, typing: true })).toBeNull();
    expect(labelKey(key('a'), ctx)).toBeNull();
    expect(labelKey(key('ArrowLeft'), ctx)).toBeNull();
  });
});

describe('TagDraft', () => {
  it('toggles, adds and removes tags, and says what a submission changes', () => {
    let d = TagDraft.of(['cat', 'night']);
    expect(d.diff()).toEqual({ add: [], remove: [] });
    d = d.toggle('car').toggle('night');
    expect(d.tags).toEqual(['cat', 'car']);
    expect(d.has('night')).toBe(false);
    expect(d.diff()).toEqual({ add: ['car'], remove: ['night'] });
    d = d.add(['blurry', 'cat', '', 'blurry']).remove('car');
    expect(d.tags).toEqual(['cat', 'blurry']);
    expect(d.diff()).toEqual({ add: ['blurry'], remove: ['night'] });
    expect(d.toggle('night').toggle('blurry').diff()).toEqual({ add: [], remove: [] });
  });

  it('never changes the draft it was made from', () => {
    const a = TagDraft.of(['x']);
    a.toggle('y');
    a.add(['z']);
    expect(a.tags).toEqual(['x']);
  });
});
