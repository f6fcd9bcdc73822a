// Import folder…: a generated folder (every picture format, a nested folder, hidden files, a
// corrupt and an empty file, links leading outside and inside, a copy, an EXIF-rotated JPEG, a
// video; see crates/import/src/fixture.rs) is imported by typing its path, its progress and
// report are shown, its dataset appears in the filter bar with its count, its items go into a
// collection that is exported as CSV, importing it again adds nothing, and the dataset is renamed.

import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { e2e, DEMO, fixtureFolder } from '../harness/index.mjs';

async function progress(trove) {
  return trove.browser.execute(() => {
    const el = document.querySelector('[data-testid="import-progress"]');
    if (!el) return null;
    const n = (k) => Number(el.getAttribute(`data-${k}`));
    return { state: el.getAttribute('data-state'), indexed: n('indexed'), unchanged: n('unchanged'), duplicates: n('duplicates'), failed: n('failed') };
  });
}

async function importFolder(trove, folder) {
  await trove.clickButton('Import folder…');
  const dialog = await trove.dialog('Import folder');
  const field = await dialog.$('input[aria-label="Folder path"]');
  await field.clearValue();
  await field.setValue(folder);
  await trove.clickButton('Import', { within: '//*[@role="dialog"][@aria-label="Import folder"]' });
  return trove.waitFor('the import to end', () => progress(trove), (p) => p !== null && p.state !== 'running', { timeout: 60000 });
}

e2e('a folder imported by its path becomes a dataset whose items can be collected; a re-import adds nothing', async ({ trove }) => {
  const { dir, pictures } = fixtureFolder();
  try {
    const done = await importFolder(trove, pictures);
    assert.deepEqual(done, { state: 'done', indexed: 9, unchanged: 0, duplicates: 2, failed: 2 });
    const report = await trove.browser.execute(() => [...document.querySelectorAll('[data-testid="import-failure"]')].map((li) => li.textContent));
    assert.equal(report.length, 2, `two refused files listed: ${JSON.stringify(report)}`);
    assert.ok(report[0].startsWith('broken.jpg: the picture cannot be decoded'), report[0]);
    assert.equal(report[1], 'empty.png: the file is empty (0 bytes)');
    await trove.clickButton('Close', { within: '//*[@role="dialog"][@aria-label="Import folder"]' });

    // The new dataset, with its count, beside the demo's; the project's total grew by nine.
    await trove.expectResultCount(DEMO.total + 9);
    const facet = await trove.datasetFacet('pictures');
    await trove.waitFor('the pictures facet to count 9', () => facet.getText(), (text) => /\b9\b/.test(text));
    await trove.filterDataset('pictures', 9);

    // An imported item offers its original file; the demo's do not.
    await trove.clickTile(0);
    await trove.button('Open original');
    await trove.button('Show in folder');

    await trove.clickTile(0);
    await trove.clickTile(2, ['Shift']);
    await trove.expectSelectionCount(3);
    const picked = await trove.names(3);
    await trove.addSelectionToNewCollection('Imported picks');
    await trove.expectSidebarCount('Imported picks', 3);

    // Export the collection as CSV and read the file.
    await trove.openCollection('Imported picks', 3);
    await trove.clickButton('Export…');
    const exportDialog = await trove.dialog('Export collection');
    const csvPath = path.join(dir, 'picks.csv');
    await (await exportDialog.$('input[aria-label="Export path"]')).setValue(csvPath);
    await trove.clickButton('Export', { within: '//*[@role="dialog"][@aria-label="Export collection"]' });
    const written = await trove.waitFor(
      'the export report',
      () => trove.browser.execute(() => document.querySelector('[data-testid="export-report"]')?.getAttribute('data-written') ?? null),
      (v) => v !== null,
    );
    assert.equal(written, '3');
    const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'id,name,dataset,path,note,position,tags');
    assert.equal(lines.length, 4, lines.join('\n'));
    lines.slice(1).forEach((line, i) => {
      const cells = line.split(',');
      assert.equal(cells[1], picked[i], `row ${i + 1} is the collection's item ${i + 1}`);
      assert.equal(cells[2], 'pictures');
      assert.equal(cells[3], path.join(pictures, picked[i]));
      assert.equal(cells[5], String(i + 1));
    });
    await trove.clickButton('Close', { within: '//*[@role="dialog"][@aria-label="Export collection"]' });
    await trove.openAllItems();
    await trove.filterDataset('city', DEMO.datasets.city);
    await trove.clickTile(0);
    await trove.waitFor('the detail panel of a demo item', () => trove.detailName(), (n) => typeof n === 'string' && n.startsWith('city_'));
    assert.equal(await (await trove.$('//button[normalize-space(.)="Open original"]')).isExisting(), false, 'a demo item has no original to open');
    await trove.openAllItems();

    const again = await importFolder(trove, pictures);
    assert.deepEqual(again, { state: 'done', indexed: 0, unchanged: 9, duplicates: 2, failed: 2 });
    await trove.clickButton('Close', { within: '//*[@role="dialog"][@aria-label="Import folder"]' });
    await trove.expectResultCount(DEMO.total + 9);

    // The dataset is renamed in the Datasets view; the filter bar shows the new name.
    await trove.clickButton('Datasets');
    await trove.clickButton('Rename dataset pictures');
    const rename = await trove.dialog('Rename dataset');
    const field = await rename.$('input[aria-label="Dataset name"]');
    await field.clearValue();
    await field.setValue('Holiday 2026');
    await trove.clickButton('Rename', { within: '//*[@role="dialog"][@aria-label="Rename dataset"]' });
    const renamed = await trove.datasetFacet('Holiday 2026');
    await trove.waitFor('the renamed facet to count 9', () => renamed.getText(), (text) => /\b9\b/.test(text));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

e2e('a folder that does not exist is refused in the dialog and imports nothing', async ({ trove }) => {
  await trove.clickButton('Import folder…');
  const dialog = await trove.dialog('Import folder');
  await (await dialog.$('input[aria-label="Folder path"]')).setValue('/no/such/folder');
  await trove.clickButton('Import', { within: '//*[@role="dialog"][@aria-label="Import folder"]' });
  const message = 'folder "/no/such/folder" does not exist';
  await trove.waitFor(`an alert saying ${JSON.stringify(message)}`, () => trove.alerts(), (alerts) => alerts.some((t) => t.includes(message)));
  assert.equal(await progress(trove), null, 'no import started');
});
