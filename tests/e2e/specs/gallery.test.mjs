// The gallery and its selection gestures: startup, a dataset filter with a Shift-click range
// added to a new collection, the rubber band and Esc.

import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { e2e, DEMO, artifactsDir } from '../harness/index.mjs';

const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

e2e('a first launch opens the demo project and shows the gallery (screenshot: artifacts/gallery.png)', async ({ trove }) => {
  await trove.expectResultCount(DEMO.total);
  await trove.expectSelectionCount(0);
  for (const name of Object.keys(DEMO.datasets)) await trove.datasetFacet(name);
  // The automation contract's mark says the first page's thumbnails have loaded: once set, the
  // ones in view are all there, so the screenshot shows pictures.
  const marked = await trove.waitFor(
    'performance.mark("trove:first-thumbnails") and the thumbnails in view',
    () =>
      trove.browser.execute(() => {
        const imgs = [...document.querySelectorAll('[role="grid"] [role="gridcell"] img')];
        const marks = performance.getEntriesByName('trove:first-thumbnails', 'mark');
        return { marks: marks.length, total: imgs.length, loaded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length };
      }),
    (v) => v.marks === 1,
    { timeout: 20000, interval: 200 },
  );
  assert.ok(marked.total > 0 && marked.loaded === marked.total, `every thumbnail in view has loaded when the mark is set: ${JSON.stringify(marked)}`);
  // Loaded is not yet painted (the tiles decode asynchronously): decode, then let two frames pass.
  await trove.browser.executeAsync((done) => {
    const imgs = [...document.querySelectorAll('[role="grid"] [role="gridcell"] img')];
    Promise.all(imgs.map((i) => i.decode().catch(() => {}))).then(() =>
      requestAnimationFrame(() => requestAnimationFrame(() => done())),
    );
  });
  mkdirSync(artifactsDir, { recursive: true });
  await trove.browser.saveScreenshot(path.join(artifactsDir, 'gallery.png'));
}, { emptyData: true });

e2e('a dataset filter, a Shift-click range of 10 and "Add to collection" make a collection of 10', async ({ trove }) => {
  await trove.filterDataset('park', DEMO.datasets.park);

  await trove.clickTile(0);
  await trove.expectSelectionCount(1);
  await trove.clickTile(9, ['Shift']);
  await trove.expectSelectionCount(10);
  await trove.waitFor(
    'exactly the gridcells with data-index 0..9 to be aria-selected',
    () => trove.selectedIndices(),
    (v) => JSON.stringify(v) === JSON.stringify(range(0, 9)),
  );

  const picked = (await trove.cells()).filter((c) => c.selected).map((c) => c.id);

  await trove.addSelectionToNewCollection('False positives', 'Park shots where the detector saw a cat that is not there');
  await trove.expectSidebarCount('False positives', 10);

  // The collection holds exactly the picked items, in the order they were shown.
  await trove.openCollection('False positives', 10);
  assert.deepEqual(await trove.order(10), picked, 'the collection shows the 10 picked items in their gallery order');
});

e2e('adding to an existing collection counts each item once; deleting a collection asks first', async ({ trove }) => {
  await trove.collectRange(5, 'Keepers', { datasetTotal: DEMO.datasets.city });

  // Tiles 3..7 overlap the collection (0..4) in two items.
  await trove.clickTile(3);
  await trove.expectSelectionCount(1);
  await trove.clickTile(7, ['Shift']);
  await trove.expectSelectionCount(5);
  await trove.addSelectionToExisting('Keepers');
  await trove.expectSidebarCount('Keepers', 8);
  await trove.expectStatus('Added 3 items to Keepers (2 already there)');

  await trove.openCollection('Keepers', 8);
  await trove.clickButton('Delete collection');
  await trove.dialog('Delete collection');
  await trove.clickButton('Cancel', { within: '//*[@role="dialog"][@aria-label="Delete collection"]' });
  await trove.expectSidebarCount('Keepers', 8);
  await trove.clickButton('Delete collection');
  await trove.dialog('Delete collection');
  await trove.clickButton('Delete', { within: '//*[@role="dialog"][@aria-label="Delete collection"]' });
  await trove.waitFor('the Keepers collection to leave the sidebar', () => trove.hasSidebarCollection('Keepers'), (v) => !v);
  await trove.expectResultCount(DEMO.total);
});

e2e('a rubber-band drag selects the tiles it crosses and Esc clears the selection', async ({ trove }) => {
  // From the padding above-left of tile 0 to the middle of the tile below tile 1.
  const cells = await trove.cells();
  const cols = await trove.browser.execute(() => {
    const tops = [...document.querySelectorAll('[role="grid"] [role="gridcell"]')].map(
      (el) => el.getBoundingClientRect().top,
    );
    return tops.filter((t) => Math.abs(t - Math.min(...tops)) < 1).length;
  });
  assert.ok(cols >= 3 && cells.length > cols + 2, `expected at least two rows of three tiles; saw ${cols} per row, ${cells.length} tiles`);
  const first = await trove.tile(0);
  const target = await trove.tile(cols + 1);
  const rect0 = await trove.browser.execute((el) => el.getBoundingClientRect().toJSON(), first);
  await trove.drag(
    { x: rect0.left - 5, y: rect0.top - 5 },
    { element: target },
    { steps: 10 },
  );
  const expected = [0, 1, cols, cols + 1];
  await trove.expectSelectionCount(expected.length);
  await trove.waitFor(
    `exactly the gridcells ${expected.join(', ')} to be aria-selected after the rubber band`,
    () => trove.selectedIndices(),
    (v) => JSON.stringify(v) === JSON.stringify(expected),
  );

  await trove.press('Escape');
  await trove.expectSelectionCount(0);
  await trove.waitFor('no gridcell aria-selected after Esc', () => trove.selectedIndices(), (v) => v.length === 0);
});

e2e('name, exclude-dataset and tag-match filters narrow the result; "Clear filters" restores it', async ({ trove }) => {
  // Names are <dataset>_<00001..>.jpg: "_0001" matches _00010 to _00019 in each of 3 datasets.
  const name = await trove.$('input[aria-label="Name contains"]');
  await name.setValue('_0001');
  await trove.expectResultCount(30);
  await (await trove.button('Exclude dataset city')).click();
  await trove.expectResultCount(20);
  const names = (await trove.cells()).map((c) => c.name);
  assert.ok(
    names.length === 20 && names.every((n) => /^(park|night-drive)_0001\d\.jpg$/.test(n)),
    `expected the 20 park and night-drive items _00010.._00019; saw ${JSON.stringify(names)}`,
  );

  await trove.clickButton('Clear filters');
  await trove.expectResultCount(DEMO.total);

  // Tag match "none" with cat: every item without the tag.
  const cats = await trove.waitFor('the cat facet count', async () =>
    Number((await (await trove.tagFacet('cat')).getText()).replace(/[^\d]/g, '')),
  (n) => n > 0);
  await (await trove.$('select[aria-label="Tag match"]')).selectByAttribute('value', 'none');
  await (await trove.tagFacet('cat')).click();
  await trove.expectResultCount(DEMO.total - cats);
});

// The Hub guide's demo items by kind (crates/demo HUB_ITEMS).
const HUB = { name: 'Demo: Hub collections guide', total: 21, kinds: { model: 8, dataset: 4, space: 4, paper: 5 } };

e2e('the Hub guide counts its types, a type keeps the others\' counts, dates filter by whole days, and no Labeled filter is offered (screenshot: artifacts/hub-filters.png)', async ({ trove }) => {
  await trove.switchProject(HUB.name);
  await trove.expectResultCount(HUB.total);
  const kinds = () =>
    trove.browser.execute(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid="kind-facet"]')].map((el) => [
          el.getAttribute('data-kind'),
          { count: Number(el.getAttribute('data-count')), shown: el.querySelector('.facet-count')?.textContent.trim() },
        ]),
      ),
    );
  const same = (v) => Object.keys(HUB.kinds).every((k) => v[k]?.count === HUB.kinds[k] && v[k]?.shown === String(HUB.kinds[k]));
  await trove.waitFor('the Type facet to count each kind', kinds, same);
  assert.equal(await (await trove.$('select[aria-label="Labeled"]')).isExisting(), false, 'hub items have no labels to filter by');

  // Choosing a type narrows the result, not the Type facet's own counts.
  await (await trove.$('[data-testid="kind-facet"][data-kind="paper"]')).click();
  await trove.expectResultCount(HUB.kinds.paper);
  await trove.waitFor('the Type facet counts to stay', kinds, same);
  await trove.clickButton('Clear filters');
  await trove.expectResultCount(HUB.total);

  // Dates are local days: nothing was created from tomorrow on; "to" today keeps all of today.
  const day = (plus) =>
    trove.browser.execute((n) => {
      const d = new Date();
      d.setDate(d.getDate() + n);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    }, plus);
  const pick = (label, value) =>
    trove.browser.execute(
      (l, v) => {
        const input = document.querySelector(`input[aria-label="${l}"]`);
        input.focus();
        input.value = v;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new Event('change', { bubbles: true }));
        input.blur();
        return input.type;
      },
      label,
      value,
    );
  const [today, tomorrow] = [await day(0), await day(1)];
  assert.equal(await pick('Created from', tomorrow), 'date', 'a real date input');
  await trove.expectResultCount(0);
  const chipText = () => trove.browser.execute(() => document.querySelector('[data-testid="filter-chip"][data-field="created"] .chip-label')?.textContent ?? null);
  const chip = `Created on or after ${tomorrow}`;
  await trove.waitFor('the created chip', chipText, (t) => t === chip);
  await trove.clickButton(`Remove filter ${chip}`);
  await trove.expectResultCount(HUB.total);
  await trove.waitFor('the Created from input to be cleared by the chip\'s ✕', () => trove.browser.execute(() => document.querySelector('input[aria-label="Created from"]').value), (v) => v === '');
  await pick('Created to', today);
  await trove.waitFor('the created chip', chipText, (t) => t === `Created on or before ${today}`);
  await trove.expectResultCount(HUB.total);
  await trove.browser.execute(() => document.querySelector('input[aria-label="Created to"]').scrollIntoView({ block: 'center' }));
  mkdirSync(artifactsDir, { recursive: true });
  await trove.browser.saveScreenshot(path.join(artifactsDir, 'hub-filters.png'));
});
