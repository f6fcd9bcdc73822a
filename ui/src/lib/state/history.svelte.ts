// The history panel of the open collection: whether it is open, its filters (person, kind),
// the entries shown (newest first, older pages appended), the notice when part of the history
// cannot be shown, and "select the items an entry names". The backend merges the server's
// history with this device's pending changes (`collection_history`).
import * as api from '../api';
import type { HistoryEntry } from '../api/types/HistoryEntry';
import { people } from '../logic/history';
import { selection } from './selection.svelte';

class HistoryStore {
  /** The collection whose history the panel shows; null when the panel is closed. */
  collectionId = $state<number | null>(null);
  entries = $state.raw<HistoryEntry[]>([]);
  notice = $state<string | null>(null);
  error = $state<string | null>(null);
  nextBefore = $state<number | null>(null);
  loading = $state(false);
  /** The "Person" and "Kind" filters ('' = everyone, every kind). */
  person = $state('');
  kind = $state('');
  /** Everyone seen in this collection's history so far (the "Person" choices). */
  seen = $state.raw<string[]>([]);
  private token = 0;

  get open() {
    return this.collectionId !== null;
  }

  /** Opens the panel on `collectionId`, or closes it when it is open. */
  toggle(collectionId: number) {
    if (this.open) return this.close();
    this.show(collectionId);
  }

  /** Shows the history of `collectionId` (the panel follows the open collection), read afresh. */
  show(collectionId: number) {
    if (this.collectionId !== collectionId) {
      this.collectionId = collectionId;
      this.person = '';
      this.kind = '';
      this.seen = [];
      this.entries = [];
      this.nextBefore = null;
      this.notice = null;
    }
    void this.load();
  }

  close() {
    this.token++;
    this.collectionId = null;
    this.entries = [];
    this.notice = null;
    this.error = null;
  }

  setFilter(person: string, kind: string) {
    this.person = person;
    this.kind = kind;
    void this.load();
  }

  /** Reads the newest page again (after a filter change, an action, a pull), or with `older`
   * the next older page after those shown. */
  async load(older = false) {
    const id = this.collectionId;
    if (id === null) return;
    const t = ++this.token;
    this.loading = true;
    try {
      const page = await api.collectionHistory(id, {
        author: this.person || undefined,
        kind: this.kind || undefined,
        before: older ? (this.nextBefore ?? undefined) : undefined,
      });
      if (t !== this.token) return;
      this.entries = older ? [...this.entries, ...page.entries] : page.entries;
      this.nextBefore = page.next_before;
      this.notice = page.notice;
      this.error = null;
      this.seen = people(this.seen, page.entries);
    } catch (e) {
      if (t !== this.token) return;
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (t === this.token) this.loading = false;
    }
  }

  /** Selects the items the entry names (those this copy holds). */
  select(e: HistoryEntry) {
    if (e.items.length) selection.setIds(e.items);
  }
}

export const history = new HistoryStore();
