import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportStatus } from '../api/types/ImportStatus';

// The backend: an import whose status advances one step per read.
const backend = vi.hoisted(() => ({ steps: [] as unknown[], refuse: null as string | null }));

vi.mock('../api', () => ({
  ApiFailure: class extends Error {},
  importFolder: vi.fn(async () => {
    if (backend.refuse) throw new Error(backend.refuse);
    return backend.steps[0];
  }),
  importStatus: vi.fn(async () => (backend.steps.length > 1 ? backend.steps.shift() : backend.steps[0])),
  cancelImport: vi.fn(async () => ({ ...(backend.steps[0] as object), state: 'cancelled' })),
  listProjects: vi.fn(async () => []),
  listDatasets: vi.fn(async () => []),
  listTags: vi.fn(async () => []),
}));

const { importer } = await import('./importer.svelte');
const { project } = await import('../state/project.svelte');
const { results } = await import('../state/results.svelte');
const { status } = await import('../state/status.svelte');

const at = (state: ImportStatus['state'], indexed: number, over: Partial<ImportStatus> = {}): ImportStatus => ({
  state, project_id: 1, dataset: 'holiday', folder: '/p/holiday', found: 10, done: indexed, indexed, updated: 0, unchanged: 0,
  duplicates: 0, failed: 0, failures: [], skipped: [], ignored: 0, message: state === 'done' ? 'Import finished: 10 items added to holiday.' : '', ...over,
});

describe('the import dialog store', () => {
  let refresh: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    vi.useFakeTimers();
    project.id = 1;
    importer.current = null;
    importer.path = '/p/holiday';
    backend.refuse = null;
    refresh = vi.spyOn(results, 'refresh').mockResolvedValue();
    vi.spyOn(project, 'loadCatalog').mockResolvedValue();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('polls a running import, re-reads the gallery as items arrive (at most once a second) and once at the end', async () => {
    backend.steps = [at('running', 0), at('running', 2), at('running', 4), at('running', 6), at('running', 8), at('done', 10)];
    await importer.start();
    expect(importer.running).toBe(true);
    for (let i = 0; i < 6; i++) await vi.advanceTimersByTimeAsync(250);
    expect(importer.current?.state).toBe('done');
    // 250 ms polls over 1.5 s: the first growth re-reads, the next ones wait for the second to
    // pass, and the end always re-reads.
    expect(refresh.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(refresh.mock.calls.length).toBeLessThanOrEqual(3);
    expect(status.message).toBe('Import finished: 10 items added to holiday.');
    await vi.advanceTimersByTimeAsync(2000);
    expect(refresh.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('a refused import shows its sentence and polls nothing', async () => {
    backend.refuse = 'folder "/p/holiday" does not exist';
    await importer.start();
    expect(importer.error).toBe('folder "/p/holiday" does not exist');
    expect(importer.current).toBeNull();
    await vi.advanceTimersByTimeAsync(1000);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('reopening the dialog forgets a finished report but keeps a running import', () => {
    importer.current = at('done', 10);
    importer.show('/p/other');
    expect(importer.path).toBe('/p/other');
    expect(importer.current).toBeNull();
    importer.current = at('running', 3);
    importer.show();
    expect(importer.current?.state).toBe('running');
  });
});
