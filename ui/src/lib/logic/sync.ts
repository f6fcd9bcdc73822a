// The sync status in words, what a new status means for the shown data, and the server
// settings form's checks. Pure: no stores, no IPC.
import type { Progress } from '../api/types/Progress';
import type { ServerSettings } from '../api/types/ServerSettings';
import type { ServerSettingsInput } from '../api/types/ServerSettingsInput';
import type { SyncStatus } from '../api/types/SyncStatus';
import { formatCount, formatDate, plural } from './format';

const pad = (n: number) => String(n).padStart(2, '0');

/** "14:02" in local time when `ms` is today, else "2024-05-01 14:02". */
export function syncedAt(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const today = new Date(now);
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : formatDate(ms);
}

/** The state in words: "Offline", "Syncing…", "Synced 14:02", "Sync error". */
export function stateWords(s: SyncStatus, now?: number): string {
  switch (s.state) {
    case 'offline':
      return 'Offline';
    case 'syncing':
      return 'Syncing…';
    case 'synced':
      return s.last_synced_at === null ? 'Synced' : `Synced ${syncedAt(s.last_synced_at, now)}`;
    case 'error':
      return 'Sync error';
  }
}

/** "3 changes waiting", or null when nothing waits. */
export function pendingWords(pending: number): string | null {
  return pending > 0 ? `${plural(pending, 'change')} waiting` : null;
}

/** "250 imported files to upload", or null when none waits. */
export function uploadWords(uploading: number): string | null {
  return uploading > 0 ? `${plural(uploading, 'imported file')} to upload` : null;
}

/** Everything the status area says, in order: the state, what waits, "Work offline". */
export function statusWords(s: SyncStatus, now?: number): string[] {
  const words = [stateWords(s, now)];
  const waiting = pendingWords(s.pending);
  if (waiting) words.push(waiting);
  const uploads = uploadWords(s.uploading ?? 0);
  if (uploads) words.push(uploads);
  if (s.work_offline) words.push('Work offline');
  return words;
}

/** "Downloading Photos: 1,200 of 5,000" (or "…: 1,200" while the total is unknown). */
export function progressWords(p: Progress): string {
  return p.total === null ? `${p.label}: ${formatCount(p.done)}` : `${p.label}: ${formatCount(p.done)} of ${formatCount(p.total)}`;
}

/** Whether the local data may have changed between two statuses, so what is shown should be
 * re-read: a pull brought changes since (`changes` grew), or a download ended (a project may
 * have arrived). A sync that brought nothing changes nothing, so a quiet periodic pull never
 * re-reads a million-item summary. The first status after start changes nothing. */
export function dataMayHaveChanged(prev: SyncStatus | null, next: SyncStatus): boolean {
  if (prev === null) return false;
  const pulled = next.changes > prev.changes;
  const downloaded = prev.progress !== null && next.progress === null;
  return pulled || downloaded;
}

/** Where the token is kept, as the token field's placeholder says it. */
export function tokenPlaceholder(s: Pick<ServerSettings, 'has_token' | 'token_store'>): string {
  if (!s.has_token) return 'Paste an API token';
  if (s.token_store === 'environment') return 'The token comes from TROVE_TOKEN';
  const where = s.token_store === 'keyring' ? ' in the system keyring' : s.token_store === 'file' ? ' in a file only you can read' : '';
  return `A token is stored${where}; leave empty to keep it`;
}

export interface ServerForm {
  url: string;
  token: string;
  workOffline: boolean;
  /** What the number field holds: a number, or null/'' when it is empty. */
  budget: number | string | null;
  /** "Upload originals" (off when left out). */
  uploadOriginals?: boolean;
}

/** The form as the backend takes it, or the sentence that says what to fix first. An empty URL
 * means no server; an empty token keeps the stored one. */
export function serverInput(form: ServerForm): { input: ServerSettingsInput } | { error: string } {
  const budget = typeof form.budget === 'string' ? (form.budget.trim() === '' ? NaN : Number(form.budget)) : (form.budget ?? NaN);
  if (!Number.isSafeInteger(budget) || budget < 0) {
    return { error: 'the offline thumbnails budget must be a whole number of MiB, 0 or more' };
  }
  const url = form.url.trim();
  const token = form.token.trim();
  return {
    input: {
      server_url: url === '' ? null : url,
      token: token === '' ? null : token,
      work_offline: form.workOffline,
      offline_budget_mb: budget,
      upload_originals: form.uploadOriginals ?? false,
    },
  };
}

/** Whether `host` (as `URL.hostname` gives it) is this machine: 127.0.0.0/8, ::1 or localhost. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The warning the server settings show when the API token would travel unencrypted to another
 * machine (`http://` to a host that is not loopback), or null. An address that does not parse
 * gets no warning here: saving it is refused with its own sentence. */
export function plainHttpWarning(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' || parsed.hostname === '' || isLoopback(parsed.hostname)) return null;
  return `This address uses plain http: the API token and your data would travel unencrypted to ${parsed.hostname}. Use https:// unless the network is trusted.`;
}
