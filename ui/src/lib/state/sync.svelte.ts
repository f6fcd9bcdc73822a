// The sync status the backend reports (read once with `sync_status`, then every `sync-status`
// event), the sync actions of the status area, and which sync dialog is open. What a new
// status means for the rest of the UI (refresh after a pull) is `workspace.ts`'s business: it
// passes `onchange` to `start`.
import * as api from '../api';
import type { SyncStatus } from '../api/types/SyncStatus';
import { status } from './status.svelte';

export type SyncListener = (prev: SyncStatus | null, next: SyncStatus) => void;

class SyncStore {
  /** The latest status; null until the backend said. */
  status = $state.raw<SyncStatus | null>(null);
  /** The server settings or the "Connect to a project" dialog, when open. */
  dialog = $state<'server' | 'connect' | null>(null);

  /** A download or prefetch in progress. */
  progress = $derived(this.status?.progress ?? null);
  /** A server is set and "Work offline" is off: there is something to sync with. */
  online = $derived(!!this.status?.server_url && !this.status.work_offline);

  private onchange: SyncListener = () => {};
  private unlisten: (() => void) | null = null;

  /** Listens to the event first and then reads the status, so no change falls between. */
  async start(onchange: SyncListener) {
    this.onchange = onchange;
    this.unlisten?.();
    let heard = false;
    this.unlisten = await api.onSyncStatus((s) => {
      heard = true;
      this.apply(s);
    });
    const first = await api.syncStatus();
    if (!heard) this.apply(first);
  }

  apply(next: SyncStatus) {
    const prev = this.status;
    this.status = next;
    this.onchange(prev, next);
  }

  /** Pushes and pulls now; how it goes arrives as status events. */
  syncNow() {
    return api.syncNow();
  }

  dismissRefusals() {
    return api.dismissRefusals();
  }

  /** Prefetches every thumbnail of a downloaded project (progress arrives as status events),
   * then says in the status line what it did. */
  async makeAvailableOffline(projectId: number) {
    status.info(await api.makeAvailableOffline(projectId));
  }
}

export const sync = new SyncStore();
