// Undo and redo: what Ctrl+Z and Ctrl+Shift+Z would do in the open project, and the toast that
// says what an action did and offers "Undo" (after an undo, "Redo"). The history itself is the
// backend's (this session's last 50 collection actions); an undo is a change that syncs.
import * as api from '../api';
import type { UndoState } from '../api/types/UndoState';
import { collections } from './collections.svelte';
import { project } from './project.svelte';
import { query } from './query.svelte';
import { status } from './status.svelte';
import { openCollection, refreshAll } from './workspace';

/** How long the toast stays, unless the pointer rests on it (the contract: at least 5 s). */
export const TOAST_MS = 8000;

/** How many actions the backend's history keeps (`trove_core::history::DEPTH`). */
const HISTORY_DEPTH = 50;

export type Toast = { id: number; message: string; offer: 'undo' | 'redo' | null };

class UndoStore {
  state = $state<UndoState>({ undo: null, redo: null });
  toast = $state<Toast | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #seq = 0;
  /** Undos and redos run one after the other: a key pressed while one runs waits its turn. */
  #chain: Promise<void> = Promise.resolve();
  #waiting = 0;

  /** Re-reads what undo and redo would do (after an action, on opening a project). */
  async refresh() {
    const pid = project.id;
    if (pid === null) return;
    const state = await api.undoState(pid);
    if (pid === project.id) this.state = state;
  }

  /** After an action: says what it did, in the status line and in a toast offering "Undo". */
  async done(message: string) {
    status.info(message);
    try {
      await this.refresh();
    } catch (e) {
      status.fail(e);
    }
    this.show(message, this.state.undo ? 'undo' : null);
  }

  show(message: string, offer: Toast['offer']) {
    this.toast = { id: ++this.#seq, message, offer };
    this.release();
  }

  /** The pointer rests on the toast: it stays until the pointer leaves. */
  hold() {
    clearTimeout(this.#timer);
  }

  release() {
    clearTimeout(this.#timer);
    const id = this.toast?.id;
    this.#timer = setTimeout(() => {
      if (this.toast?.id === id) this.toast = null;
    }, TOAST_MS);
  }

  dismiss() {
    clearTimeout(this.#timer);
    this.toast = null;
  }

  undo() {
    return this.enqueue(false);
  }

  redo() {
    return this.enqueue(true);
  }

  /** Queues one step (at most as many as the history holds; a held key adds no more). */
  private enqueue(forward: boolean): Promise<void> {
    if (this.#waiting >= HISTORY_DEPTH) return this.#chain;
    this.#waiting++;
    this.#chain = this.#chain.then(() => this.step(forward)).finally(() => this.#waiting--);
    return this.#chain;
  }

  /** Undoes or redoes the project's last action; a refusal is said in words, nothing changed. */
  private async step(forward: boolean) {
    const pid = project.id;
    if (pid === null) return;
    try {
      const out = await status.during(forward ? 'Redoing…' : 'Undoing…', () => (forward ? api.redo(pid) : api.undo(pid)));
      if (!out) {
        status.info(forward ? 'Nothing to redo' : 'Nothing to undo');
        return;
      }
      this.state = out.state;
      const message = `${forward ? 'Redone' : 'Undone'}: ${out.action}`;
      status.info(message);
      this.show(message, forward ? (out.state.undo ? 'undo' : null) : 'redo');
      await refreshAll();
      // An undo may have deleted the collection on screen (undoing its creation).
      if (query.collectionId !== null && !collections.byId(query.collectionId)) await openCollection(null);
    } catch (e) {
      status.fail(e);
      this.show(e instanceof Error ? e.message : String(e), null);
      await this.refresh().catch(() => {});
    }
  }
}

export const undo = new UndoStore();
