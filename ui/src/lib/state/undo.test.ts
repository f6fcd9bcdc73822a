import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The backend's undo history, as the commands answer it.
vi.mock('../api', () => ({
  ApiFailure: class extends Error {
    constructor(readonly code: string, message: string) {
      super(message);
    }
  },
  undoState: vi.fn(async () => ({ undo: 'Add 3 items to Birds', redo: null })),
  undo: vi.fn(async () => ({ action: 'Add 3 items to Birds', state: { undo: null, redo: 'Add 3 items to Birds' } })),
  redo: vi.fn(async () => ({ action: 'Add 3 items to Birds', state: { undo: 'Add 3 items to Birds', redo: null } })),
}));
vi.mock('./workspace', () => ({ refreshAll: vi.fn(async () => {}), openCollection: vi.fn(async () => {}) }));

const api = await import('../api');
const { undo, TOAST_MS } = await import('./undo.svelte');
const { project } = await import('./project.svelte');
const { status } = await import('./status.svelte');

beforeEach(() => {
  vi.useFakeTimers();
  project.id = 1;
  undo.dismiss();
});
afterEach(() => vi.useRealTimers());

describe('the undo toast', () => {
  it('says what an action did, offers Undo, and stays at least 5 seconds', async () => {
    await undo.done('Added 3 items to Birds');
    expect(undo.toast).toMatchObject({ message: 'Added 3 items to Birds', offer: 'undo' });
    expect(status.message).toBe('Added 3 items to Birds');
    expect(TOAST_MS).toBeGreaterThanOrEqual(5000);
    vi.advanceTimersByTime(5000);
    expect(undo.toast).not.toBeNull();
    vi.advanceTimersByTime(TOAST_MS);
    expect(undo.toast).toBeNull();
  });

  it('stays while the pointer rests on it', async () => {
    await undo.done('Added 3 items to Birds');
    undo.hold();
    vi.advanceTimersByTime(TOAST_MS * 3);
    expect(undo.toast).not.toBeNull();
    undo.release();
    vi.advanceTimersByTime(TOAST_MS);
    expect(undo.toast).toBeNull();
  });

  it('after an undo, says what was undone and offers Redo; a redo offers Undo again', async () => {
    await undo.done('Added 3 items to Birds');
    await undo.undo();
    expect(api.undo).toHaveBeenCalledWith(1);
    expect(undo.toast).toMatchObject({ message: 'Undone: Add 3 items to Birds', offer: 'redo' });
    expect(undo.state).toEqual({ undo: null, redo: 'Add 3 items to Birds' });
    await undo.redo();
    expect(undo.toast).toMatchObject({ message: 'Redone: Add 3 items to Birds', offer: 'undo' });
  });

  it('an undo the backend refuses is said in words, with nothing to click', async () => {
    const refusal = new api.ApiFailure('conflict', "Can't undo “Add 3 items to Birds”: the collection no longer exists. Nothing was changed.");
    vi.mocked(api.undo).mockRejectedValueOnce(refusal);
    await undo.undo();
    expect(status.error).toBe(refusal.message);
    expect(undo.toast).toMatchObject({ message: refusal.message, offer: null });
  });

  it('with nothing to undo, says so', async () => {
    vi.mocked(api.undo).mockResolvedValueOnce(null);
    await undo.undo();
    expect(status.message).toBe('Nothing to undo');
  });
});
