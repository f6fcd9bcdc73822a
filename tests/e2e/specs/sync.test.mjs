// Sync with a real trove-server, in the real window: an app that downloaded a project works on it
// while the server is down, syncs by itself when the server is back (nothing pressed), and a
// second app with its own data directory, signed in as another user, shows the same collection.
//
// The apps are configured the managed way (TROVE_SERVER_URL, TROVE_TOKEN, TROVE_PROJECT,
// TROVE_SYNC_INTERVAL_MS). Each app starts from an empty data directory, as on a first launch:
// a copy of the harness's demo seed would carry the seed database's client id, and the server
// keeps one client id to one user and numbers its mutations per client id.
//
// While the server is down the sync task backs off (0.5 s doubling to
// 60 s, plus up to as much again of jitter) and every local change retries at once and so takes
// the next step of the backoff; the periodic interval does not apply between failures. So the
// wait for the reconnection is sized to the longest backoff, not to the interval.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifactsDir, e2eApps, TroveServer } from '../harness/index.mjs';

const NAMESPACE = 'lab';
const PROJECT = 'Photos';
const ITEMS = Array.from({ length: 24 }, (_, i) => ({
  type: 'model',
  id: `${NAMESPACE}/model-${String(i).padStart(2, '0')}`,
  tags: [i % 2 ? 'odd' : 'even'],
}));
const COLLECTION = 'Offline picks';
/** The longest backoff is 60 s plus up to 60 s of jitter; then one push and pull. */
const RECONNECT_TIMEOUT_MS = 150000;

const synced = (s) => s.state === 'synced' && s.pending === 0;

e2eApps('changes made offline sync by themselves when the server is back, and a second app shows them', async ({ t, launch, cleanup, explain }) => {
  const server = new TroveServer('sync');
  cleanup(({ passed }) => server.close({ keep: !passed }));
  explain(() => `trove-server log (${server.logFile}; data ${server.dataDir}), last lines:\n${server.logTail()}`);
  const alice = server.addUser('alice', { org: NAMESPACE, role: 'editor' });
  const bob = server.addUser('bob', { org: NAMESPACE, role: 'editor' });
  server.importHub(NAMESPACE, PROJECT, ITEMS);
  await server.start();
  const env = (token) => server.appEnv(token, `${NAMESPACE}/${PROJECT}`);
  let last = Date.now();
  const mark = (what) => {
    const now = Date.now();
    t.diagnostic(`${what}: ${now - last} ms`);
    last = now;
  };

  // 1. App A downloads the project from the running server.
  const { app: a, trove } = await launch('A', { env: env(alice), emptyData: true });
  last = Date.now();
  await trove.waitForProject(PROJECT);
  await trove.expectResultCount(ITEMS.length);
  await trove.expectSyncStatus('synced with nothing pending after the download', synced, { timeout: 60000 });
  mark('A downloaded the project and synced');

  // 2. Quit A; stop the server.
  await a.endSession();
  await server.stop();

  // 3. A again, server down: it opens the copy it downloaded and says it is offline.
  await a.startSession();
  await trove.waitForProject(PROJECT);
  await trove.expectResultCount(ITEMS.length);
  await trove.expectSyncStatus('offline (the server refuses connections)', (s) => s.state === 'offline' && s.pending === 0);
  mark('A relaunched offline');

  // Work offline as a person would: a new collection from a Shift-click range, then more items
  // picked with Ctrl-click added to it.
  await trove.clickTile(0);
  await trove.expectSelectionCount(1);
  await trove.clickTile(4, ['Shift']);
  await trove.expectSelectionCount(5);
  await trove.addSelectionToNewCollection(COLLECTION, 'Picked while the server was down');
  await trove.expectSidebarCount(COLLECTION, 5);
  await trove.clickTile(8);
  await trove.expectSelectionCount(1);
  await trove.clickTile(10, ['Control']);
  await trove.clickTile(12, ['Control']);
  await trove.expectSelectionCount(3);
  await trove.addSelectionToExisting(COLLECTION);
  await trove.expectSidebarCount(COLLECTION, 8);
  const offline = await trove.expectSyncStatus('offline with changes waiting', (s) => s.state === 'offline' && s.pending > 0);
  assert.match(offline.text, /Offline/, `the status area says Offline: ${JSON.stringify(offline)}`);
  assert.match(offline.text, new RegExp(`${offline.pending} changes? waiting`), `the status area says how many changes wait: ${JSON.stringify(offline)}`);
  await trove.openCollection(COLLECTION, 8);
  const picked = await trove.names(8);
  await a.browser.saveScreenshot(path.join(artifactsDir, 'sync-offline.png'));
  mark(`A made ${offline.pending} changes offline`);

  // 4. The server is back on the same address; nothing is pressed in the app.
  await server.start();
  const back = Date.now();
  const done = await trove.expectSyncStatus('synced with 0 pending after the server came back (nothing pressed)', synced, {
    timeout: RECONNECT_TIMEOUT_MS,
  });
  assert.match(done.text, /Synced/, `the status area says Synced: ${JSON.stringify(done)}`);
  mark(`A synced by itself ${Date.now() - back} ms after the server was back`);
  await trove.expectSidebarCount(COLLECTION, 8);
  await a.browser.saveScreenshot(path.join(artifactsDir, 'sync-synced.png'));

  // The server has the collection with the same items in the same order.
  const project = await server.project(NAMESPACE, PROJECT, alice);
  const collections = await server.get(`/projects/${project.id}/collections`, alice);
  const remote = collections.filter((c) => c.title === COLLECTION);
  assert.equal(remote.length, 1, `the server has one ${JSON.stringify(COLLECTION)}: ${JSON.stringify(collections)}`);
  assert.equal(remote[0].item_count, 8, `the server's ${JSON.stringify(COLLECTION)} has 8 items: ${JSON.stringify(remote[0])}`);
  const members = await server.get(`/collections/${remote[0].slug}/items`, alice);
  assert.deepEqual(
    members.items.map((m) => m.name),
    picked,
    "the server lists the collection's items in the order the app shows them",
  );
  await a.close();

  // 5. App B: its own data directory, another user of the same namespace.
  const { trove: b } = await launch('B', { env: env(bob), emptyData: true });
  last = Date.now();
  await b.waitForProject(PROJECT);
  await b.expectSyncStatus('synced with nothing pending', synced, { timeout: 60000 });
  await b.expectSidebarCount(COLLECTION, 8);
  await b.openCollection(COLLECTION, 8);
  assert.deepEqual(await b.names(8), picked, 'the second app shows the same items in the same order');
  mark('B downloaded the project and shows the collection');
});
