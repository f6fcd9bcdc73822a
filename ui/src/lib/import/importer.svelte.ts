// "Import folder…": the dialog's state, and the running import's status, read every
// POLL_MS while it runs. As items arrive the gallery, its counts and the dataset list are
// re-read (at most every REFRESH_MS), so new items show while the rest are still being read.
import { cancelImport, importFolder, importStatus } from '../api';
import type { ImportStatus } from '../api/types/ImportStatus';
import { project } from '../state/project.svelte';
import { results } from '../state/results.svelte';
import { status } from '../state/status.svelte';

const POLL_MS = 250;
const REFRESH_MS = 1000;

class Importer {
  /** Whether the dialog is open. */
  open = $state(false);
  /** The path in the dialog's field (a folder dropped onto the window fills it). */
  path = $state('');
  dataset = $state('');
  /** The last status read; null before the first import of this session. */
  current = $state.raw<ImportStatus | null>(null);
  error = $state<string | null>(null);
  running = $derived(this.current?.state === 'running');

  private timer: ReturnType<typeof setTimeout> | null = null;
  private shown = 0;
  private lastRefresh = 0;

  /** Opens the dialog: on the running import, or fresh (the last import's report is in the
   * status line). */
  show(path = '') {
    if (path) this.path = path;
    this.error = null;
    if (!this.running) this.current = null;
    this.open = true;
  }

  async start() {
    this.error = null;
    const pid = project.id;
    if (pid === null) return;
    this.current = null;
    try {
      this.current = await importFolder(pid, this.path, this.dataset.trim() || null);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      return;
    }
    this.shown = 0;
    this.poll();
  }

  async cancel() {
    try {
      this.current = await cancelImport();
    } catch (e) {
      status.fail(e);
    }
  }

  private poll() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), POLL_MS);
  }

  private async tick() {
    this.timer = null;
    let s: ImportStatus;
    try {
      s = await importStatus();
    } catch (e) {
      status.fail(e);
      return;
    }
    this.current = s;
    const ended = s.state !== 'running';
    const now = Date.now();
    if (s.project_id === project.id && Number(s.indexed) !== this.shown && (ended || now - this.lastRefresh >= REFRESH_MS)) {
      this.shown = Number(s.indexed);
      this.lastRefresh = now;
      await Promise.all([project.loadCatalog(), results.refresh(), project.loadProjects()]).catch((e) => status.fail(e));
    }
    if (ended) {
      status.info(s.message);
      return;
    }
    this.poll();
  }
}

export const importer = new Importer();
