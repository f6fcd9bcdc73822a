// A collection's history in the real window, against a real trove-server: add 3 items to a
// collection, undo the add and redo it (each a change that syncs), then open History: the add,
// the remove and the add again are listed newest first with the user's name; the "Kind" filter
// narrows the list; clicking an entry selects the items it names.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifactsDir, e2eApps, TroveServer } from '../harness/index.mjs';

const NAMESPACE = 'lab';
const PROJECT = 'Photos';
const ITEMS = Array.from({ length: 12 }, (_, i) => ({ type: 'model', id: `${NAMESPACE}/model-${String(i).padStart(2, '0')}` }));
const COLLECTION = 'History picks';
const ENTRY = '[data-testid="history-entry"]';

const synced = (s) => s.state === 'synced' && s.pending === 0;

/** Each history entry as the panel shows it: `{author, kind, text, pending}`. */
const entries = (trove) =>
  trove.browser.execute(
    (sel) =>
      [...document.querySelectorAll(sel)].map((e) => ({
        author: e.getAttribute('data-author'),
        kind: e.getAttribute('data-kind'),
        text: e.querySelector('.history-what')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
        pending: e.classList.contains('pending'),
      })),
    ENTRY,
  );

const toastText = (trove) => trove.browser.execute(() => document.querySelector('[data-testid="undo-toast"]')?.textContent ?? '');

e2eApps('undo the add of 3 items, then redo it; the history shows both, with the user\'s name', async ({ launch, cleanup, explain }) => {
  const server = new TroveServer('history');
  cleanup(({ passed }) => server.close({ keep: !passed }));
  explain(() => `trove-server log (${server.logFile}), last lines:\n${server.logTail()}`);
  const alice = server.addUser('alice', { org: NAMESPACE, role: 'editor' });
  server.importHub(NAMESPACE, PROJECT, ITEMS);
  await server.start();

  const { app, trove } = await launch('A', { env: server.appEnv(alice, `${NAMESPACE}/${PROJECT}`), emptyData: true });
  await trove.waitForProject(PROJECT);
  await trove.expectResultCount(ITEMS.length);
  await trove.expectSyncStatus('synced after the download', synced, { timeout: 60000 });

  // A collection of one item, then an add of 3 more: the action to undo and redo.
  await trove.clickTile(8);
  await trove.expectSelectionCount(1);
  await trove.addSelectionToNewCollection(COLLECTION);
  await trove.expectSidebarCount(COLLECTION, 1);
  await trove.clickTile(0);
  await trove.clickTile(2, ['Shift']);
  await trove.expectSelectionCount(3);
  await trove.addSelectionToExisting(COLLECTION);
  await trove.expectSidebarCount(COLLECTION, 4);
  await trove.waitFor('the toast to say what the add did', () => toastText(trove), (t) => /Added 3 items/.test(t));

  await trove.press('z', ['Control']);
  await trove.expectSidebarCount(COLLECTION, 1);
  await trove.waitFor('the toast to say the add was undone', () => toastText(trove), (t) => /Undone: Add 3 items/.test(t));
  await trove.press('z', ['Control', 'Shift']);
  await trove.expectSidebarCount(COLLECTION, 4);
  await trove.expectSyncStatus('synced with nothing pending after the undo and the redo', synced, { timeout: 60000 });

  // History, from the collection's header: the server's record, with the user's name.
  await trove.openCollection(COLLECTION, 4);
  await trove.clickButton('History');
  const want = [
    { author: 'alice', kind: 'added', text: 'alice added 3 items', pending: false },
    { author: 'alice', kind: 'removed', text: 'alice removed 3 items', pending: false },
    { author: 'alice', kind: 'added', text: 'alice added 3 items', pending: false },
    { author: 'alice', kind: 'added', text: 'alice added 1 item', pending: false },
    { author: 'alice', kind: 'created', text: `alice created it as “${COLLECTION}”`, pending: false },
  ];
  const shown = await trove.waitFor(
    'the history to list the add, its undo (a remove), its redo, the first add and the create, newest first, by alice',
    () => entries(trove),
    (list) => JSON.stringify(list.map(({ author, kind, text, pending }) => ({ author, kind, text, pending }))) === JSON.stringify(want),
    { timeout: 20000 },
  );
  assert.equal(shown.length, 5);
  assert.ok(await (await trove.$('[data-testid="history-panel"]')).isDisplayed(), 'the history panel is shown');
  // The window paints a moment after the DOM changes: let it, for a screenshot that shows the panel.
  await new Promise((r) => setTimeout(r, 700));
  await app.browser.saveScreenshot(path.join(artifactsDir, 'history-panel.png'));

  // Filter by kind: only the undo's remove.
  const kind = await trove.$('select[name="Kind"]');
  await kind.selectByAttribute('value', 'removed');
  await trove.waitFor('only the remove to be listed', () => entries(trove), (list) => list.length === 1 && list[0].kind === 'removed');
  // Filter by person: alice is offered; with her, the remove still shows.
  const person = await trove.$('select[name="Person"]');
  await person.selectByAttribute('value', 'alice');
  await trove.waitFor('alice\'s remove to be listed', () => entries(trove), (list) => list.length === 1 && list[0].author === 'alice');

  // Clicking an entry selects the items it names.
  await trove.clickTile(3);
  await trove.expectSelectionCount(1);
  await (await trove.$(ENTRY)).click();
  await trove.expectSelectionCount(3);
  const selected = await trove.selectedIndices();
  assert.equal(selected.length, 3, `three tiles of the collection are selected: ${JSON.stringify(selected)}`);
});
