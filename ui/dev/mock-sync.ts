// The mock backend's pretend server: the sync status and its `sync-status` events, the server
// settings, the server's projects, downloads with progress. `?server` starts connected (with a
// refused change), `?managed` as if TROVE_SERVER_URL/TROVE_TOKEN were set. A token "bad" is
// refused, as a real server would.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { RemoteProject } from '../src/lib/api/types/RemoteProject';
import type { ServerSettings } from '../src/lib/api/types/ServerSettings';
import type { SyncStatus } from '../src/lib/api/types/SyncStatus';
import { commands, emit, projects } from './mock-backend';

const params = new URLSearchParams(location.search);
const connected = params.has('server') || params.has('managed');
const URL_ = 'http://127.0.0.1:8080';

const settings: ServerSettings = {
  server_url: connected ? URL_ : null,
  has_token: connected,
  token_store: connected ? (params.has('managed') ? 'environment' : 'file') : null,
  work_offline: false,
  offline_budget_mb: 1024,
  upload_originals: false,
  managed: params.has('managed'),
};

let status: SyncStatus = {
  state: connected ? 'synced' : 'offline',
  pending: 0,
  uploading: 0,
  server_url: settings.server_url,
  user: connected ? 'ada' : null,
  last_synced_at: connected ? Date.now() - 120_000 : null,
  last_error: null,
  refused: connected ? [{ mutation_id: 41, change: 'Rename collection', reason: 'a collection titled "Night" already exists in this project; choose another title', at: Date.now() - 300_000 }] : [],
  progress: null,
  changes: 0,
  work_offline: false,
  managed: settings.managed,
};

const remote: RemoteProject[] = [
  { uuid: 'b9a7', namespace: 'acme', name: 'Street photos', kind: 'image', description: 'Dashcam frames', item_count: 3000, role: 'editor', local_id: null },
  { uuid: 'c1d2', namespace: 'acme', name: 'Talk: open models', kind: 'hub', description: '', item_count: 40, role: 'viewer', local_id: null },
];

function set(change: Partial<SyncStatus>) {
  status = { ...status, ...change };
  emit('sync-status', status);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const online = () => !!settings.server_url && !settings.work_offline;

function fail(code: string, message: string): never {
  throw { code, message };
}

async function transfer(label: string, total: number) {
  set({ state: 'syncing', progress: { label, done: 0, total } });
  for (let done = 0; done <= total; done += Math.ceil(total / 12)) {
    set({ progress: { label, done, total } });
    await sleep(150);
  }
  set({ state: 'synced', progress: null, last_synced_at: Date.now(), changes: status.changes + 1 });
}

// Local changes wait for the next sync.
for (const name of ['create_collection', 'update_collection', 'delete_collection', 'add_to_collection', 'remove_from_collection', 'move_item', 'set_note', 'tag_items', 'untag_items',
  'create_queue', 'close_queue', 'claim_queue_items', 'submit_queue_item', 'review_queue_items', 'move_accepted']) {
  const inner = commands[name];
  commands[name] = (a) => {
    const out = inner(a);
    set({ pending: status.pending + 1 });
    return out;
  };
}

Object.assign(commands, {
  sync_status: () => status,
  sync_now: async () => {
    if (!online()) fail('invalid_input', 'there is no server to sync with; set one in the server settings or turn off Work offline');
    set({ state: 'syncing' });
    await sleep(700);
    set({ state: 'synced', pending: 0, last_synced_at: Date.now(), last_error: null, changes: status.changes + 1 });
  },
  dismiss_refusals: () => set({ refused: [] }),
  get_server_settings: () => settings,
  save_server_settings: async (a: any) => {
    if (settings.managed) fail('forbidden', 'the connection is set by TROVE_SERVER_URL and TROVE_TOKEN and cannot be changed here');
    const input = a.input;
    if (input.server_url !== null && !/^https?:\/\//.test(input.server_url)) fail('invalid_input', `"${input.server_url}" is not a server address; it starts with http:// or https://`);
    if (!input.work_offline && input.server_url !== null) {
      await sleep(400);
      if (input.token === 'bad') fail('unauthorized', `${input.server_url} refused the API token; check it, or make a new one with trove-server token create`);
      if (input.token === null && !settings.has_token) fail('invalid_input', 'enter the API token for this server');
    }
    Object.assign(settings, {
      server_url: input.server_url,
      work_offline: input.work_offline,
      offline_budget_mb: input.offline_budget_mb,
      upload_originals: input.upload_originals,
      has_token: input.token !== null || settings.has_token,
      token_store: input.token !== null ? 'file' : settings.token_store,
    });
    set({ server_url: settings.server_url, work_offline: settings.work_offline, user: settings.server_url ? 'ada' : null, state: online() ? 'synced' : 'offline', last_synced_at: online() ? Date.now() : status.last_synced_at });
    return settings;
  },
  remote_projects: async () => {
    if (!online()) fail('invalid_input', 'no server is set, or Work offline is on');
    await sleep(300);
    return remote;
  },
  connect_project: async (a: any) => {
    const r = remote.find((p) => p.uuid === a.uuid) ?? fail('not_found', `project ${a.uuid} does not exist on the server`);
    await transfer(`Downloading ${r.name}`, r.item_count);
    const p = { id: projects.length + 1, name: r.name, kind: r.kind, description: r.description, item_count: r.item_count };
    projects.push(p);
    r.local_id = p.id;
    return p;
  },
  make_available_offline: async (a: any) => {
    const p = projects.find((x) => x.id === a.projectId) ?? fail('not_found', `project ${a.projectId} does not exist`);
    if (p.id <= 2) fail('invalid_input', `${p.name} is not on a server; only downloaded projects can be made available offline`);
    await transfer('Making thumbnails available offline', p.item_count);
    return `${p.item_count} thumbnails fetched (${(p.item_count * 0.02).toFixed(1)} MiB); 0 were already here`;
  },
  startup_project: () => null,
});
