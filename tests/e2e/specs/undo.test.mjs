// Undo and redo of collection actions in the real window: the toast after an action and its
// "Undo" button, Ctrl+Z and Ctrl+Shift+Z, and "Add to a new collection" as one undo step.

import assert from 'node:assert/strict';
import { e2e, DEMO } from '../harness/index.mjs';

const TOAST = '//*[@data-testid="undo-toast"]';
const toastText = (trove) => trove.browser.execute(() => document.querySelector('[data-testid="undo-toast"]')?.textContent ?? '');

e2e('undo the add of 3 items from the toast, redo it with Ctrl+Shift+Z; a new collection with its items undoes in one step', async ({ trove }) => {
  await trove.collectRange(3, 'Undo me', { datasetTotal: DEMO.datasets.city });
  await trove.clickTile(3);
  await trove.clickTile(5, ['Shift']);
  await trove.expectSelectionCount(3);
  await trove.addSelectionToExisting('Undo me');
  await trove.expectSidebarCount('Undo me', 6);

  const undo = await trove.button('Undo', { within: TOAST });
  await trove.waitFor('the toast to say what the add did', () => toastText(trove), (t) => /Added 3 items to Undo me/.test(t));
  // The toast stays at least 5 seconds.
  await new Promise((r) => setTimeout(r, 5200));
  assert.ok(await undo.isDisplayed(), `the Undo button left before 5 s\n    ${await trove.describe()}`);
  await undo.click();
  await trove.expectSidebarCount('Undo me', 3);
  await trove.waitFor('the toast to say what was undone', () => toastText(trove), (t) => /Undone: Add 3 items to Undo me/.test(t));

  await trove.press('z', ['Control', 'Shift']);
  await trove.expectSidebarCount('Undo me', 6);

  // Ctrl+Z twice: the add, then the new collection with its first 3 items, in one step.
  await trove.press('z', ['Control']);
  await trove.expectSidebarCount('Undo me', 3);
  await trove.press('z', ['Control']);
  await trove.waitFor('"Undo me" to leave the sidebar', () => trove.hasSidebarCollection('Undo me'), (has) => !has);
  // The undo is done once its toast says so (a key pressed while one runs is not queued).
  await trove.waitFor('the toast to say the new collection was undone', () => toastText(trove), (t) => /Undone: Add 3 items to a new collection Undo me/.test(t));
  await trove.press('z', ['Control', 'Shift']);
  await trove.expectSidebarCount('Undo me', 3);
});
