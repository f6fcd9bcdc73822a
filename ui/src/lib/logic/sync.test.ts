import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '../api/types/SyncStatus';
import { dataMayHaveChanged, pendingWords, plainHttpWarning, progressWords, serverInput, stateWords, statusWords, syncedAt, tokenPlaceholder } from './sync';

const at = (h: number, m: number, day = 15) => new Date(2025, 4, day, h, m).getTime();
const NOW = at(16, 30);

function status(over: Partial<SyncStatus> = {}): SyncStatus {
  return {
    state: 'synced', pending: 0, uploading: 0, server_url: 'https://trove.example.org', user: 'ada', last_synced_at: at(14, 2),
    last_error: null, refused: [], progress: null, changes: 3, work_offline: false, managed: false, ...over,
  };
}

describe('status words', () => {
  it('names each state', () => {
    expect(stateWords(status({ state: 'offline' }), NOW)).toBe('Offline');
    expect(stateWords(status({ state: 'syncing' }), NOW)).toBe('Syncing…');
    expect(stateWords(status(), NOW)).toBe('Synced 14:02');
    expect(stateWords(status({ last_synced_at: null }), NOW)).toBe('Synced');
    expect(stateWords(status({ state: 'error' }), NOW)).toBe('Sync error');
  });
  it('gives the date of a sync on another day', () => {
    expect(syncedAt(at(9, 5, 14), NOW)).toBe('2025-05-14 09:05');
    expect(syncedAt(at(0, 0), NOW)).toBe('00:00');
  });
  it('says what waits and whether work is offline', () => {
    expect(pendingWords(0)).toBeNull();
    expect(pendingWords(1)).toBe('1 change waiting');
    expect(pendingWords(1234)).toBe('1,234 changes waiting');
    expect(statusWords(status({ state: 'offline', pending: 3, work_offline: true }), NOW)).toEqual(['Offline', '3 changes waiting', 'Work offline']);
    expect(statusWords(status({ state: 'syncing', pending: 3, uploading: 250 }), NOW)).toEqual(['Syncing…', '3 changes waiting', '250 imported files to upload']);
    expect(statusWords(status(), NOW)).toEqual(['Synced 14:02']);
  });
  it('reads progress with or without a total', () => {
    expect(progressWords({ label: 'Downloading Photos', done: 1200, total: 5000 })).toBe('Downloading Photos: 1,200 of 5,000');
    expect(progressWords({ label: 'Downloading Photos', done: 7, total: null })).toBe('Downloading Photos: 7');
  });
});

describe('whether the shown data may have changed', () => {
  it('is not so for the first status', () => {
    expect(dataMayHaveChanged(null, status())).toBe(false);
  });
  it('is so when a pull brought changes since', () => {
    expect(dataMayHaveChanged(status({ last_synced_at: null, changes: 0 }), status({ changes: 1 }))).toBe(true);
    expect(dataMayHaveChanged(status(), status({ last_synced_at: at(14, 3), changes: 4 }))).toBe(true);
  });
  it('is not so for a sync that brought nothing', () => {
    expect(dataMayHaveChanged(status(), status({ last_synced_at: at(14, 3) }))).toBe(false);
  });
  it('is not so for changes of state, pending count or errors alone', () => {
    const prev = status();
    expect(dataMayHaveChanged(prev, status({ state: 'syncing' }))).toBe(false);
    expect(dataMayHaveChanged(prev, status({ pending: 4 }))).toBe(false);
    expect(dataMayHaveChanged(prev, status({ state: 'error', last_error: 'the server could not be reached' }))).toBe(false);
    expect(dataMayHaveChanged(status({ last_synced_at: null }), status({ last_synced_at: null }))).toBe(false);
  });
  it('is so when a download ended', () => {
    const running = status({ state: 'syncing', progress: { label: 'Downloading Photos', done: 10, total: 20 } });
    expect(dataMayHaveChanged(running, status({ ...running, progress: { label: 'Downloading Photos', done: 20, total: 20 } }))).toBe(false);
    expect(dataMayHaveChanged(running, status({ state: 'error', last_synced_at: at(14, 2) }))).toBe(true);
  });
});

describe('the server settings form', () => {
  it('sends empty fields as null: no server, keep the token', () => {
    expect(serverInput({ url: '  ', token: '', workOffline: true, budget: 512 })).toEqual({
      input: { server_url: null, token: null, work_offline: true, offline_budget_mb: 512, upload_originals: false },
    });
  });
  it('trims what was pasted', () => {
    expect(serverInput({ url: ' http://127.0.0.1:8080 ', token: 'tok\n', workOffline: false, budget: '0', uploadOriginals: true })).toEqual({
      input: { server_url: 'http://127.0.0.1:8080', token: 'tok', work_offline: false, offline_budget_mb: 0, upload_originals: true },
    });
  });
  it('refuses a budget that is not a whole number of MiB', () => {
    for (const budget of [null, '', -1, 1.5, 'lots']) {
      const out = serverInput({ url: '', token: '', workOffline: false, budget });
      expect(out).toEqual({ error: 'the offline thumbnails budget must be a whole number of MiB, 0 or more' });
    }
  });
  it('says where a stored token is', () => {
    expect(tokenPlaceholder({ has_token: false, token_store: null })).toBe('Paste an API token');
    expect(tokenPlaceholder({ has_token: true, token_store: 'keyring' })).toBe('A token is stored in the system keyring; leave empty to keep it');
    expect(tokenPlaceholder({ has_token: true, token_store: 'file' })).toBe('A token is stored in a file only you can read; leave empty to keep it');
    expect(tokenPlaceholder({ has_token: true, token_store: null })).toBe('A token is stored; leave empty to keep it');
    expect(tokenPlaceholder({ has_token: true, token_store: 'environment' })).toBe('The token comes from TROVE_TOKEN');
  });
});

describe('the plain http warning', () => {
  it('warns when the token would travel unencrypted to another machine', () => {
    for (const url of ['http://trove.example.org', 'http://10.0.0.5:8080/', ' HTTP://Trove.Example.org ', 'http://128.0.0.1', 'http://[2001:db8::1]:80', 'http://localhost.example.org']) {
      expect(plainHttpWarning(url), url).toMatch(/^This address uses plain http: the API token and your data would travel unencrypted to /);
    }
    expect(plainHttpWarning('http://trove.example.org:8080')).toContain('unencrypted to trove.example.org.');
  });
  it('says nothing for https, loopback addresses or what is not an address', () => {
    for (const url of ['https://trove.example.org', 'http://127.0.0.1:8080', 'http://127.12.0.3', 'http://localhost:8080', 'http://LOCALHOST', 'http://[::1]:8080', 'http://app.localhost', '', 'trove.example.org', 'http://']) {
      expect(plainHttpWarning(url), url).toBeNull();
    }
  });
});
