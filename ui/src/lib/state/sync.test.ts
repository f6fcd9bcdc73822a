import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from '../api/types/SyncStatus';

// The backend: one project of 10 items, its collections, and a sync status with its event.
const backend = vi.hoisted(() => ({
  handler: null as ((s: unknown) => void) | null,
  first: null as unknown,
  collections: [{ id: 7, title: 'Night', item_count: 1 }] as { id: number; title: string; item_count: number }[],
}));

vi.mock('../api', () => ({
  ApiFailure: class extends Error {},
  getSettings: vi.fn(async () => ({ thumb_size: 160, last_project: 1, view: 'grid' })),
  setSettings: vi.fn(async () => {}),
  listProjects: vi.fn(async () => [{ id: 1, name: 'Photos', kind: 'image', description: '', item_count: 10 }]),
  listDatasets: vi.fn(async () => []),
  listTags: vi.fn(async () => []),
  listCollections: vi.fn(async () => backend.collections),
  listQueues: vi.fn(async () => []),
  summarize: vi.fn(async () => ({ total: 10, datasets: [], tags: [] })),
  queryItems: vi.fn(async (_p: number, _q: unknown, offset: number) => ({ offset, items: [] })),
  itemIds: vi.fn(async () => []),
  syncStatus: vi.fn(async () => backend.first),
  onSyncStatus: vi.fn(async (h: (s: unknown) => void) => {
    backend.handler = h;
    return () => (backend.handler = null);
  }),
  connectProject: vi.fn(),
  startupProject: vi.fn(async () => null),
  onOpenLink: vi.fn(async () => () => {}),
  takeLink: vi.fn(async () => null),
  resolveLink: vi.fn(),
  makeLink: vi.fn(),
}));

const api = await import('../api');
const { sync } = await import('./sync.svelte');
const { query } = await import('./query.svelte');
const { project } = await import('./project.svelte');
const workspace = await import('./workspace');

const status = (over: Partial<SyncStatus> = {}): SyncStatus => ({
  state: 'synced', pending: 0, uploading: 0, server_url: 'http://127.0.0.1:8080', user: 'ada', last_synced_at: 1_000,
  last_error: null, refused: [], progress: null, changes: 0, work_offline: false, managed: false, ...over,
});

const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  backend.first = status();
  backend.collections = [{ id: 7, title: 'Night', item_count: 1 }];
  sync.status = null;
  vi.clearAllMocks();
});

describe('sync store', () => {
  it('reads the status, then follows the event', async () => {
    const seen: [SyncStatus | null, SyncStatus][] = [];
    await sync.start((prev, next) => seen.push([prev, next]));
    expect(sync.status?.state).toBe('synced');
    backend.handler!(status({ state: 'syncing', pending: 3 }));
    expect(sync.status?.pending).toBe(3);
    expect(seen.map(([p, n]) => [p?.state ?? null, n.state])).toEqual([[null, 'synced'], ['synced', 'syncing']]);
  });

  it('keeps an event that came before the first read answered', async () => {
    vi.mocked(api.syncStatus).mockImplementationOnce(async () => {
      backend.handler!(status({ state: 'error', last_error: 'the server could not be reached' }));
      return status({ state: 'syncing' });
    });
    await sync.start(() => {});
    expect(sync.status?.state).toBe('error');
  });
});

describe('after a sync', () => {
  it('re-reads the projects, collections and visible results when a pull brought changes', async () => {
    await workspace.start();
    await settle();
    vi.clearAllMocks();

    backend.handler!(status({ state: 'syncing', pending: 2 }));
    await settle();
    expect(api.listCollections).not.toHaveBeenCalled();

    backend.collections = [{ id: 7, title: 'Night', item_count: 2 }];
    backend.handler!(status({ last_synced_at: 2_000, changes: 1 }));
    await settle();
    expect(api.listProjects).toHaveBeenCalledTimes(1);
    expect(api.listCollections).toHaveBeenCalledWith(1);
    expect(api.summarize).toHaveBeenCalledTimes(1);
    // Queues created or worked on elsewhere arrive like collections: their counts are re-read.
    expect(api.listQueues).toHaveBeenCalledWith(1);
  });

  it('leaves a collection that was deleted elsewhere', async () => {
    await workspace.start();
    await settle();
    await workspace.openCollection(7);
    expect(query.collectionId).toBe(7);

    backend.collections = [];
    backend.handler!(status({ last_synced_at: 3_000, changes: 1 }));
    await settle();
    await settle();
    expect(query.collectionId).toBeNull();
  });
});

describe('queues', () => {
  it('a project opens even when its queues cannot be read; the failure is said', async () => {
    const { status } = await import('./status.svelte');
    vi.mocked(api.listQueues).mockRejectedValueOnce(new (api.ApiFailure as unknown as typeof Error)('queues are not available'));
    await workspace.start();
    await settle();
    expect(project.id).toBe(1);
    expect(status.error).toBe('queues are not available');
    status.dismiss();
  });

  it('a new filter or collection closes the open queue view', async () => {
    const { queues } = await import('./queues.svelte');
    await workspace.start();
    await settle();
    workspace.openQueue(3);
    expect(queues.openId).toBe(3);
    await workspace.openCollection(7);
    expect(queues.openId).toBeNull();
  });
});

describe('TROVE_PROJECT', () => {
  it('opens the project the backend downloaded at start', async () => {
    const two = [
      { id: 1, name: 'Photos', kind: 'image', description: '', item_count: 10 },
      { id: 2, name: 'acme/Street photos', kind: 'image', description: '', item_count: 10 },
    ];
    vi.mocked(api.listProjects).mockResolvedValueOnce(two as never).mockResolvedValueOnce(two as never);
    vi.mocked(api.startupProject).mockResolvedValueOnce(2);
    await workspace.start();
    await settle();
    await settle();
    expect(project.id).toBe(2);
  });
});

describe('deep links', () => {
  it('a start with a link opens its place and says what it left out', async () => {
    const { status } = await import('./status.svelte');
    const target = {
      project_id: 1,
      query: { filter: { clauses: [{ negate: false, cond: { field: 'labeled', value: true } }] }, collection: null, sort: { key: 'size', desc: true } },
      missing: ['an “in collection” filter (the collection was deleted or is not here)'],
    };
    vi.mocked(api.takeLink).mockResolvedValueOnce('trove://open?project=p');
    vi.mocked(api.resolveLink).mockResolvedValueOnce(target as never);
    await workspace.start();
    await settle();
    expect(api.resolveLink).toHaveBeenCalledWith('trove://open?project=p');
    expect(query.current).toEqual(target.query);
    expect(status.message).toBe('Opened the link without an “in collection” filter (the collection was deleted or is not here)');
  });
});
