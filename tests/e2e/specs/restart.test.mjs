// A restart: after curating in one data directory, quit the app (delete the WebDriver session)
// and launch it again on the same directories. Collections, counts, order, notes and the
// settings (thumbnail size, open project) must be as they were.

import assert from 'node:assert/strict';
import { e2e, DEMO } from '../harness/index.mjs';

const IMAGE_PROJECT = 'Demo: street and park photos';
const HUB_PROJECT = 'Demo: Hub collections guide';

e2e('collections, counts, order, notes and settings survive a restart', async ({ app, trove, t }) => {
  assert.equal(await trove.projectName(), IMAGE_PROJECT, 'the app opens into the image demo project');

  // Curate: two collections, remove three items from one, reorder it, write a note.
  await trove.collectRange(10, 'False positives', { dataset: 'park', datasetTotal: DEMO.datasets.park });
  await trove.openAllItems(DEMO.total);
  const cats = await trove.collectTagged('cat', 'Cats', { projectTotal: DEMO.total });

  await trove.openCollection('False positives', 10);
  await trove.clickTile(0);
  await trove.expectSelectionCount(1);
  await trove.clickTile(1, ['Control']);
  await trove.expectSelectionCount(2);
  await trove.clickTile(2, ['Control']);
  await trove.expectSelectionCount(3);
  await trove.clickButton('Remove from collection');
  await trove.expectResultCount(7);
  await trove.expectSidebarCount('False positives', 7);

  const [a, b, c, ...rest] = await trove.order(7);
  const tile2 = await trove.tile(2);
  const { width } = await tile2.getSize();
  await trove.drag({ element: await trove.tile(0) }, { element: tile2, x: width / 4 }, { steps: 12 });
  const order = [b, c, a, ...rest];
  await trove.waitFor(`the order ${order.join(',')} after the drag`, () => trove.order(7), (v) => v.join() === order.join());

  const note = 'Not a cat: a traffic cone in the grass.';
  await trove.clickTile(1);
  await trove.setNote(note);
  await trove.saveNote();

  const size = await trove.nudgeThumbSize(-3);
  await trove.waitFor(`settings.json to store thumb_size ${size}`, async () => app.readSettings(), (s) => s?.thumb_size === size);

  // Restart on the same data directories.
  await app.restart();
  await trove.waitForGallery();
  t.diagnostic(`relaunched; settings on disk: ${JSON.stringify(app.readSettings())}`);
  assert.equal(await trove.projectName(), IMAGE_PROJECT, 'the same project is open after the restart');
  assert.equal(await trove.thumbSize(), size, 'the thumbnail size persisted');
  await trove.expectResultCount(DEMO.total);
  await trove.expectSidebarCount('False positives', 7);
  await trove.expectSidebarCount('Cats', cats);

  await trove.openCollection('False positives', 7);
  await trove.waitFor(`the order ${order.join(',')} after the restart`, () => trove.order(7), (v) => v.join() === order.join());
  await trove.clickTile(1);
  await trove.waitFor('the saved note after the restart', async () => (await trove.noteField()).getValue(), (v) => v === note);

  // The open project is a setting too.
  await trove.switchProject(HUB_PROJECT);
  await trove.waitForGallery();
  const hubId = await trove.browser.execute(() => Number(document.querySelector('select[aria-label="Project"]').value));
  await trove.waitFor(`settings.json to store last_project ${hubId}`, async () => app.readSettings(), (s) => s?.last_project === hubId);
  await app.restart();
  await trove.waitForGallery();
  assert.equal(await trove.projectName(), HUB_PROJECT, 'the hub project is open after a second restart');
});
