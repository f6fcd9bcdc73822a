// Saved views in the real window: "Save view…" keeps the current filter and sort under a name;
// the sidebar shows the view with its live count, which follows the data; opening the view
// shows its result now, "All items" leaves it; "Convert to collection…" snapshots the result.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { e2e, DEMO, artifactsDir } from '../harness/index.mjs';

const DIALOG = (label) => `//*[@role="dialog"][@aria-label="${label}"]`;

/** Tags the selection with `tag` through the Tag dialog. */
async function tagSelection(trove, tag) {
  await trove.clickButton('Tag');
  const dialog = await trove.dialog('Tag items');
  await (await dialog.$('input[aria-label="Tag"]')).setValue(tag);
  await trove.clickButton('Apply', { within: DIALOG('Tag items') });
  await trove.waitFor('the Tag dialog to close', () => dialog.isExisting(), (open) => !open);
}

/** The sidebar's saved view named `name`: its element, id and count. */
async function savedView(trove, name) {
  const el = await trove.$(`//*[@data-testid="saved-view"][.//text()[normalize-space(.)="${name}"]]`);
  await trove.waitFor(`a saved view named ${JSON.stringify(name)} in the sidebar`, () => el.isExisting());
  return el;
}

const viewCount = async (el) => Number((await (await el.$('[data-testid="saved-view-count"]')).getText()).replace(/[^\d]/g, ''));

e2e('a saved view counts live, opens its filter, and converts into a collection (screenshot: artifacts/saved-view.png)', async ({ trove }) => {
  // Three items tagged "keeper", then a view of that tag.
  await trove.clickTile(0);
  await trove.clickTile(2, ['Shift']);
  await trove.expectSelectionCount(3);
  await tagSelection(trove, 'keeper');
  await (await trove.tagFacet('keeper')).click();
  await trove.expectResultCount(3);
  await trove.clickButton('Save view…');
  const dialog = await trove.dialog('Save view');
  await (await dialog.$('input[aria-label="Name"]')).setValue('Keepers');
  await trove.clickButton('Save', { within: DIALOG('Save view') });
  const view = await savedView(trove, 'Keepers');
  await trove.waitFor('the view to count 3 items', () => viewCount(view), (n) => n === 3);
  const id = await view.getAttribute('data-view-id');

  // "All items" leaves the view; more items get the tag: the view's count follows.
  await trove.openAllItems();
  await trove.expectResultCount(DEMO.total);
  await trove.clickTile(10);
  await trove.clickTile(11, ['Control']);
  await trove.expectSelectionCount(2);
  await tagSelection(trove, 'keeper');
  await trove.waitFor('the view to count the 2 newly tagged items', () => viewCount(view), (n) => n === 5);

  // Opening the view shows its filter's result now.
  await view.click();
  await trove.expectResultCount(5);
  await trove.waitFor('the view to be the open one', () => view.getAttribute('aria-current'), (v) => v === 'true');
  await trove.waitFor('the saved view header', () => trove.$('[data-testid="view-header"]').then((h) => h.isExisting()));
  mkdirSync(artifactsDir, { recursive: true });
  await trove.browser.saveScreenshot(path.join(artifactsDir, 'saved-view.png'));

  // Convert to collection: a new collection with the 5 items, opened.
  await trove.clickButton('Convert to collection…');
  const convert = await trove.dialog('Convert to collection');
  const title = await convert.$('input[aria-label="Title"]');
  await title.clearValue();
  await title.setValue('Keepers, today');
  await trove.clickButton('Convert', { within: DIALOG('Convert to collection') });
  await trove.expectSidebarCount('Keepers, today', 5);
  await trove.expectResultCount(5);
  // The view stays, and still counts live.
  const again = await trove.$(`//*[@data-testid="saved-view"][@data-view-id="${id}"]`);
  await trove.waitFor('the view to stay in the sidebar', () => again.isExisting());
});
