// "Find near-duplicates": the panel's state — open or not, the similarity, the last answer for
// the current filter — and the actions on what it found.
import * as api from '../api';
import type { Duplicates } from '../api/types/Duplicates';
import { allButBest, distanceFor, SIMILARITY_DEFAULT } from '../logic/dupes';
import { plural } from '../logic/format';
import { project } from './project.svelte';
import { query } from './query.svelte';
import { selection } from './selection.svelte';
import { status } from './status.svelte';

class DupesStore {
  open = $state(false);
  similarity = $state(SIMILARITY_DEFAULT);
  found = $state.raw<Duplicates | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  #seq = 0;

  show() {
    this.open = true;
    this.found = null;
    void this.search();
  }

  close() {
    this.open = false;
    this.#seq++;
  }

  /** Searches the items the current filter matches at the current similarity; a later search wins. */
  async search() {
    const seq = ++this.#seq;
    const pid = project.pid;
    this.busy = true;
    this.error = null;
    try {
      const found = await status.during('Finding near-duplicates…', () => api.nearDuplicates(pid, query.current, distanceFor(this.similarity)));
      if (seq === this.#seq) this.found = found;
    } catch (e) {
      if (seq === this.#seq) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (seq === this.#seq) this.busy = false;
    }
  }

  /** Selects, in the gallery, every item of the groups shown but each group's best. */
  selectAllButBest() {
    const ids = allButBest(this.found?.groups ?? []);
    selection.setIds(ids);
    status.info(`Selected ${plural(ids.length, 'near-duplicate')}, all but the best of each group`);
    this.close();
  }
}

export const dupes = new DupesStore();
