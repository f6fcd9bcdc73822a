// What a history entry says: who did what to how many items, and how long ago. Pure, so the
// panel stays a view and these sentences are unit-tested.
import type { ChangeKind } from '../api/types/ChangeKind';
import type { HistoryEntry } from '../api/types/HistoryEntry';
import { plural } from './format';

/** The kinds of change, in the order the "Kind" filter lists them, with their labels. */
export const KINDS: { kind: ChangeKind; label: string }[] = [
  { kind: 'added', label: 'Added' },
  { kind: 'removed', label: 'Removed' },
  { kind: 'noted', label: 'Noted' },
  { kind: 'moved', label: 'Moved' },
  { kind: 'renamed', label: 'Renamed' },
  { kind: 'updated', label: 'Edited' },
  { kind: 'created', label: 'Created' },
  { kind: 'deleted', label: 'Deleted' },
];

/** "added 3 items", "renamed it “Best picks”", "noted 1 item: “blurry”". */
export function describe(e: HistoryEntry): string {
  const items = plural(e.count, 'item');
  switch (e.kind) {
    case 'added':
      return `added ${items}`;
    case 'removed':
      return `removed ${items}`;
    case 'moved':
      return `moved ${items}`;
    case 'noted':
      return e.detail ? `noted ${items}: “${e.detail}”` : `cleared the note of ${items}`;
    case 'renamed':
      return `renamed it “${e.detail}”`;
    case 'updated':
      return 'edited its description, privacy or theme';
    case 'created':
      return e.detail ? `created it as “${e.detail}”` : 'created it';
    case 'deleted':
      return 'deleted it';
  }
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function ago(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 45) return 'just now';
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return d === 1 ? 'yesterday' : `${d} days ago`;
  return new Date(at).toISOString().slice(0, 10);
}

/** The people a "Person" filter offers: those seen so far, sorted, each once. */
export function people(seen: Iterable<string>, entries: HistoryEntry[]): string[] {
  return [...new Set([...seen, ...entries.map((e) => e.author)])].sort((a, b) => a.localeCompare(b));
}
