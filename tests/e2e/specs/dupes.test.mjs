// "Find near-duplicates" in the real window, on the demo: its deliberate near-copies are found
// and grouped with their original first, and nothing else is; "Select all but the best" selects
// the copies in the gallery; a stricter similarity finds fewer; "Add group to collection…"
// collects one group through the usual dialog.

import assert from 'node:assert/strict';
import { e2e, DEMO } from '../harness/index.mjs';

const PANEL = '//*[@role="dialog"][@aria-label="Near-duplicates"]';

/** The groups the panel shows: the names of each group's items, in order. */
const groups = (trove) =>
  trove.browser.execute(() =>
    [...document.querySelectorAll('[data-testid="dupe-group"]')].map((g) =>
      [...g.querySelectorAll('[data-testid="dupe-item"]')].map((i) => i.getAttribute('title')),
    ),
  );
const summary = (trove) => trove.browser.execute(() => document.querySelector('[data-testid="dupe-summary"]')?.textContent ?? '');

e2e('near-duplicates in the demo project are found and grouped, the best first; all but the best are selected; a group is collected', async ({ trove }) => {
  await trove.waitForGallery();
  await trove.expectResultCount(DEMO.total);
  await trove.clickButton('Find near-duplicates');
  await trove.dialog('Near-duplicates');
  const found = await trove.waitFor(`${DEMO.nearCopyGroups} groups of near-duplicates`, () => groups(trove), (g) => g.length === DEMO.nearCopyGroups, { timeout: 60000 });
  for (const names of found) {
    // The original (named city_00017.jpg) first, then its copies (city_00017_copy1_brighter.jpg).
    const stem = names[0].replace(/\.jpg$/, '');
    assert.ok(!names[0].includes('_copy') && names.length >= 2 && names.length <= 4, `a group of ${JSON.stringify(names)}`);
    assert.ok(names.slice(1).every((n) => n.startsWith(`${stem}_copy`)), `copies of another picture in ${JSON.stringify(names)}`);
  }
  assert.match(await summary(trove), new RegExp(`^${DEMO.nearCopyGroups} groups of near-duplicates`));

  // Select all but the best: every copy, in the gallery's selection.
  const copies = found.reduce((n, g) => n + g.length - 1, 0);
  await trove.clickButton('Select all but the best', { within: PANEL });
  await trove.expectSelectionCount(copies);

  // A stricter similarity (100%: equal hashes only) finds fewer groups.
  await trove.clickButton('Find near-duplicates');
  const slider = await trove.$(`${PANEL}//input[@aria-label="Similarity"]`);
  await trove.waitFor('the search at 89% to finish', () => groups(trove), (g) => g.length === DEMO.nearCopyGroups, { timeout: 60000 });
  // The slider has the panel's focus.
  await trove.waitFor('the slider to have the focus', () => trove.browser.execute(() => document.activeElement?.getAttribute('aria-label')), (l) => l === 'Similarity');
  await trove.press('End');
  await trove.waitFor('fewer groups at 100%', () => groups(trove), (g) => g.length < DEMO.nearCopyGroups, { timeout: 60000 });
  await trove.waitFor('the similarity to read 100%', () => slider.getValue(), (v) => v === '100');
  for (let k = 0; k < 11; k++) await trove.press('ArrowLeft');
  const again = await trove.waitFor('the groups at 89% again', () => groups(trove), (g) => g.length === DEMO.nearCopyGroups, { timeout: 60000 });

  // Add the first group to a new collection through the usual dialog.
  await trove.clickButton('Add group to collection…', { within: `(${PANEL}//*[@data-testid="dupe-group"])[1]` });
  const add = await trove.dialog('Add to collection');
  await (await add.$('input[aria-label="Title"]')).setValue('Alike');
  await trove.clickButton('Create and add', { within: '//*[@role="dialog"][@aria-label="Add to collection"]' });
  await trove.expectSidebarCount('Alike', again[0].length);
});
