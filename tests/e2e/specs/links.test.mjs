// Deep links in the real window: "Copy link" on a collection gives a trove:// link; starting
// Trove with that link while it runs hands the link to the running app (the second start ends at
// once), which opens the collection with its filter; a link to a deleted collection still opens
// and says what it left out.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { e2e, appBinary, DEMO } from '../harness/index.mjs';
import { ensureDisplay } from '../harness/processes.mjs';

const run = promisify(execFile);

/** Starts Trove a second time, on the running app's data folder, with `link`. */
async function startWith(app, link) {
  const display = await ensureDisplay();
  const started = Date.now();
  await run(appBinary, [link], { env: { ...process.env, ...app.env, DISPLAY: display, GDK_BACKEND: 'x11' }, timeout: 30000 });
  return Date.now() - started;
}

async function copiedLink(trove) {
  const text = await trove.waitFor('the status line to show the copied link', () => trove.statusMessage(), (t) => /trove:\/\/open\?/.test(t ?? ''));
  return text.match(/trove:\/\/open\?\S+/)[0];
}

e2e('a copied collection link, opened while Trove runs, shows that collection with its filter', async ({ app, trove }) => {
  await trove.collectRange(4, 'Linked', { datasetTotal: DEMO.datasets.city });
  await trove.openCollection('Linked', 4);
  await trove.clickButton('Copy link');
  const link = await copiedLink(trove);

  await trove.openAllItems();
  await trove.expectResultCount(DEMO.total);

  const ms = await startWith(app, link);
  assert.ok(ms < 15000, `the second start should hand the link over and end, took ${ms} ms`);
  await trove.expectResultCount(4);
  await trove.waitFor('the status line to say the link opened', () => trove.statusMessage(), (t) => /Opened the link$/.test(t ?? ''));

  // The collection goes; its link still opens, on all items, and says what it left out.
  await trove.clickButton('Delete collection');
  await (await trove.button('Delete', { within: '//*[@role="dialog"]' })).click();
  await trove.waitFor('"Linked" to leave the sidebar', () => trove.hasSidebarCollection('Linked'), (has) => !has);
  await startWith(app, link);
  await trove.waitFor(
    'the status line to say the collection was left out',
    () => trove.statusMessage(),
    (t) => /Opened the link without the collection it opens/.test(t ?? ''),
  );
  await trove.expectResultCount(DEMO.total);
});
