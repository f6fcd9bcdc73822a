// Collections: Ctrl+A over a filter, removing items from an open collection, reordering by drag,
// and the note length limit. Each test starts from a fresh data directory.

import assert from 'node:assert/strict';
import { e2e, DEMO } from '../harness/index.mjs';

e2e('Ctrl+A selects every item matching the filter, also those never scrolled to', async ({ trove }) => {
  await (await trove.tagFacet('cat')).click();
  const total = await trove.waitFor(
    'the cat tag filter to narrow the result count',
    () => trove.resultCount(),
    (n) => n > 0 && n < DEMO.total,
  );
  const rendered = (await trove.cells()).length;
  assert.ok(rendered < total, `the gallery should be virtualized: ${rendered} gridcells in the DOM for ${total} results`);

  await trove.selectAll();
  await trove.expectSelectionCount(total);
  await trove.addSelectionToNewCollection('Cats', 'Every image tagged cat');
  await trove.expectSidebarCount('Cats', total);

  await trove.openCollection('Cats', total);
});

e2e('removing 3 items from an open collection drops its count by exactly 3', async ({ trove }) => {
  const total = await trove.collectTagged('cat', 'Cats', { projectTotal: DEMO.total });
  await trove.openCollection('Cats', total);

  await trove.clickTile(0);
  await trove.expectSelectionCount(1);
  await trove.clickTile(2, ['Control']);
  await trove.expectSelectionCount(2);
  await trove.clickTile(4, ['Control']);
  await trove.expectSelectionCount(3);
  const removed = (await trove.cells()).filter((c) => c.selected).map((c) => c.id);
  assert.equal(removed.length, 3, `expected 3 aria-selected gridcells\n    ${await trove.describe()}`);

  await trove.clickButton('Remove from collection');
  await trove.expectResultCount(total - 3);
  await trove.expectSidebarCount('Cats', total - 3);
  const shown = (await trove.cells()).map((c) => c.id);
  for (const id of removed) assert.ok(!shown.includes(id), `removed item ${id} is still shown\n    ${await trove.describe()}`);
});

e2e('dragging the first tile after the third reorders the collection, and the order stays', async ({ trove }) => {
  await trove.collectRange(6, 'Reorder me', { datasetTotal: DEMO.datasets.city });
  await trove.openCollection('Reorder me', 6);
  const [a, b, c, ...rest] = await trove.order(6);

  // Drop a little right of tile 2's centre: the insertion point is the gap after it.
  const tile2 = await trove.tile(2);
  const { width } = await tile2.getSize();
  await trove.drag({ element: await trove.tile(0) }, { element: tile2, x: width / 4 }, { steps: 12 });
  const expected = [b, c, a, ...rest];
  await trove.waitFor(`the order ${expected.join(',')} after the drag`, () => trove.order(6), (v) => v.join() === expected.join());

  await trove.openAllItems();
  await trove.openCollection('Reorder me', 6);
  await trove.waitFor(`the order ${expected.join(',')} after reopening`, () => trove.order(6), (v) => v.join() === expected.join());

  // The keyboard way: Alt+ArrowRight on the focused first tile moves it one place right.
  await trove.clickTile(0);
  await trove.press('ArrowRight', ['Alt']);
  const keyed = [c, b, a, ...rest];
  await trove.waitFor(`the order ${keyed.join(',')} after Alt+ArrowRight`, () => trove.order(6), (v) => v.join() === keyed.join());
});

e2e('a 501-character note is refused with a visible message; 500 characters are saved', async ({ trove }) => {
  await trove.collectRange(3, 'Annotated', { datasetTotal: DEMO.datasets.city });
  await trove.openCollection('Annotated', 3);
  await trove.clickTile(1);

  await trove.setNote('n'.repeat(501));
  await trove.clickButton('Save note');
  const message = 'note is 501 characters; at most 500 are allowed';
  await trove.waitFor(`an alert saying ${JSON.stringify(message)}`, () => trove.alerts(), (alerts) => alerts.some((text) => text.includes(message)));
  const alert = await trove.$(`//*[@role="alert"][contains(., "${message}")]`);
  assert.ok(await alert.isDisplayed(), `the alert with ${JSON.stringify(message)} is in the DOM but not visible`);

  await trove.openAllItems();
  await trove.openCollection('Annotated', 3);
  await trove.reloadDetail(1);
  await trove.waitFor('the refused note not to have been saved', async () => (await trove.noteField()).getValue(), (v) => v === '');

  const accepted = 'm'.repeat(500);
  await trove.setNote(accepted);
  await trove.saveNote();
  await trove.openAllItems();
  await trove.openCollection('Annotated', 3);
  await trove.reloadDetail(1);
  await trove.waitFor('the 500-character note to have been saved', async () => (await trove.noteField()).getValue(), (v) => v === accepted);
  assert.deepEqual(await trove.alerts(), [], 'no alert after saving a 500-character note');
});
