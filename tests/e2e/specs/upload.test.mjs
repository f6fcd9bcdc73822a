// "Import folder…" in a synced project, in the real window with a real trove-server: a folder
// imported while the server is down shows at once and waits as changes to upload; after the app
// is quit and started again with the server back, the upload finishes by itself (nothing
// pressed), the server has the new dataset with every item and every thumbnail, and a second app
// signed in as another user shows the dataset with its count.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { artifactsDir, e2eApps, fixtureFolder, FIXTURE, TroveServer } from '../harness/index.mjs';

const NAMESPACE = 'lab';
const PROJECT = 'Pictures';
const INDEXED = FIXTURE.indexed;

async function importState(trove) {
  return trove.browser.execute(() => {
    const el = document.querySelector('[data-testid="import-progress"]');
    const upload = document.querySelector('[data-testid="import-upload"]');
    if (!el) return null;
    return { state: el.getAttribute('data-state'), indexed: Number(el.getAttribute('data-indexed')), left: upload ? Number(upload.getAttribute('data-left')) : 0 };
  });
}

const synced = (s) => s.state === 'synced' && s.pending === 0;

e2eApps('a folder imported into a synced project while the server is down is uploaded after a restart, and another app shows it', async ({ launch, cleanup, explain }) => {
  const seed = fixtureFolder('trove-upload-');
  const mine = fixtureFolder('trove-upload-');
  const server = new TroveServer('upload');
  cleanup(({ passed }) => {
    rmSync(seed.dir, { recursive: true, force: true });
    rmSync(mine.dir, { recursive: true, force: true });
    return server.close({ keep: !passed });
  });
  explain(() => `trove-server log (${server.logFile}; data ${server.dataDir}), last lines:\n${server.logTail()}`);
  const alice = server.addUser('alice', { org: NAMESPACE, role: 'editor' });
  const bob = server.addUser('bob', { org: NAMESPACE, role: 'editor' });
  server.cli('catalog', 'import', '--namespace', NAMESPACE, '--project', PROJECT, '--dataset', 'seed', seed.pictures);
  await server.start();
  const env = (token) => server.appEnv(token, `${NAMESPACE}/${PROJECT}`);

  // App A downloads the image project; then the server goes down.
  const { app: a, trove } = await launch('A', { env: env(alice), emptyData: true });
  await trove.waitForProject(PROJECT);
  await trove.expectResultCount(INDEXED);
  await trove.expectSyncStatus('synced after the download', synced, { timeout: 60000 });
  await server.stop();

  // Import a folder as dataset "Holiday": its items show at once and wait to be uploaded.
  await trove.clickButton('Import folder…');
  const dialog = await trove.dialog('Import folder');
  await (await dialog.$('input[aria-label="Folder path"]')).setValue(mine.pictures);
  await (await dialog.$('input[aria-label="Dataset name"]')).setValue('Holiday');
  await trove.clickButton('Import', { within: '//*[@role="dialog"][@aria-label="Import folder"]' });
  const done = await trove.waitFor('the import to end with its upload waiting', () => importState(trove), (p) => p?.state === 'done' && p.left === INDEXED, { timeout: 60000 });
  assert.equal(done.indexed, INDEXED);
  await a.browser.saveScreenshot(path.join(artifactsDir, 'upload-waiting.png'));
  await trove.clickButton('Close', { within: '//*[@role="dialog"][@aria-label="Import folder"]' });
  await trove.expectResultCount(2 * INDEXED);
  const waiting = await trove.expectSyncStatus('offline with the import waiting', (s) => s.state === 'offline' && s.pending > 0);
  assert.match(waiting.text, new RegExp(`${INDEXED} imported files to upload`), `the status area says what waits: ${JSON.stringify(waiting)}`);

  // Quit; the server comes back; the app starts again and uploads by itself.
  await a.endSession();
  await server.start();
  await a.startSession();
  await trove.waitForProject(PROJECT);
  await trove.expectSyncStatus('synced with nothing pending after the upload', synced, { timeout: 60000 });
  await trove.expectResultCount(2 * INDEXED);

  // The server has the dataset, each item once, each thumbnail.
  const project = await server.project(NAMESPACE, PROJECT, alice);
  const datasets = await server.get(`/projects/${project.id}/datasets`, alice);
  const holiday = datasets.filter((d) => d.name === 'Holiday');
  assert.equal(holiday.length, 1, `one dataset Holiday on the server: ${JSON.stringify(datasets)}`);
  assert.equal(holiday[0].item_count, INDEXED);
  const filter = encodeURIComponent(JSON.stringify({ clauses: [{ cond: { field: 'datasets', ids: [holiday[0].id] } }] }));
  const items = (await server.get(`/projects/${project.id}/items?filter=${filter}&limit=100`, alice)).items;
  assert.equal(items.length, INDEXED);
  for (const item of items.filter((i) => i.thumb)) {
    const res = await fetch(`${server.url}/api/v1/thumbnails/${item.thumb}`, { headers: { authorization: `Bearer ${alice}` } });
    assert.equal(res.status, 200, `the thumbnail of ${item.name} is on the server`);
  }
  await a.close();

  // App B, another user: the new dataset with its count.
  const { app: b, trove: tb } = await launch('B', { env: env(bob), emptyData: true });
  await tb.waitForProject(PROJECT);
  await tb.expectSyncStatus('synced', synced, { timeout: 60000 });
  await tb.expectResultCount(2 * INDEXED);
  const facet = await tb.datasetFacet('Holiday');
  await tb.waitFor('the Holiday facet to count 9', () => facet.getText(), (text) => new RegExp(`\\b${INDEXED}\\b`).test(text));
  // Its thumbnails come from the server, as uploaded by A.
  await tb.filterDataset('Holiday', INDEXED);
  const shown = await tb.waitFor(
    'the uploaded thumbnails to load in B',
    () =>
      tb.browser.execute(() => {
        const imgs = [...document.querySelectorAll('[role="grid"] [role="gridcell"] img')];
        return { total: imgs.length, loaded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length };
      }),
    (v) => v.total > 0 && v.loaded === v.total,
    { timeout: 20000, interval: 200 },
  );
  assert.ok(shown.total >= INDEXED - 2, `the pictures of Holiday show thumbnails in B: ${JSON.stringify(shown)}`);
  // Loaded is not yet painted: decode, then let two frames pass before the screenshot.
  await tb.browser.executeAsync((done) => {
    const imgs = [...document.querySelectorAll('[role="grid"] [role="gridcell"] img')];
    Promise.all(imgs.map((i) => i.decode().catch(() => {}))).then(() => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  });
  await b.browser.saveScreenshot(path.join(artifactsDir, 'upload-second-app.png'));
});
