//! What a person does in Trove's window, in the words of the UI contract: the gallery grid, its
//! counts, selection gestures (click with modifiers, rubber band, keys), the add dialog, the
//! sidebar, an open collection and the detail panel. Elements are found by role, accessible name
//! and the `data-testid`s the UI promises; never by CSS classes or layout.
//!
//! Every wait polls the DOM and, when it gives up, says what it expected and what the window
//! showed (`describe()`), so a failure explains itself without a debugger.

import assert from 'node:assert/strict';

export const KEY = {
  Shift: '\uE008',
  Control: '\uE009',
  Alt: '\uE00A',
  Escape: '\uE00C',
  Enter: '\uE007',
  ArrowLeft: '\uE012',
  ArrowRight: '\uE014',
  End: '\uE010',
  Home: '\uE011',
};

const GRID = '[role="grid"][aria-label="Gallery"]';
const FATAL = /invalid session id|session deleted|no such window|UND_ERR_SOCKET|ECONNREFUSED|ECONNRESET/i;
const CELL = `${GRID} [role="gridcell"]`;

/** An XPath string literal for any text (XPath 1.0 has no escapes). */
function xpathLiteral(text) {
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  return `concat("${text.split('"').join(`", '"', "`)}")`;
}

function elementRef(element) {
  return { 'element-6066-11e4-a52e-4f735466cecf': element.elementId };
}

export class Trove {
  /** @param {import('./app.mjs').App} app */
  constructor(app) {
    this.app = app;
  }

  get browser() {
    return this.app.browser;
  }

  $(selector) {
    return this.browser.$(selector);
  }

  // ---------------------------------------------------------------- observing

  /** A plain-data picture of the window, for assertions and failure messages. */
  async snapshot() {
    return this.browser.execute((gridSelector) => {
      const attr = (sel, name) => document.querySelector(sel)?.getAttribute(name) ?? null;
      const text = (el) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
      const cells = [...document.querySelectorAll(`${gridSelector} [role="gridcell"]`)].map((el) => ({
        index: Number(el.getAttribute('data-index')),
        id: el.getAttribute('data-item-id'),
        name: el.getAttribute('aria-label') ?? text(el),
        selected: el.getAttribute('aria-selected') === 'true',
      }));
      cells.sort((a, b) => a.index - b.index);
      return {
        grid: !!document.querySelector(gridSelector),
        resultCount: attr('[data-testid="result-count"]', 'data-count'),
        resultText: text(document.querySelector('[data-testid="result-count"]')),
        selectionCount: attr('[data-testid="selection-count"]', 'data-count'),
        selectionText: text(document.querySelector('[data-testid="selection-count"]')),
        cells,
        collections: [...document.querySelectorAll('[data-testid="collection"]')].map((el) => ({
          id: el.getAttribute('data-collection-id'),
          text: text(el),
          count: text(el.querySelector('[data-testid="collection-count"]')),
          current: el.getAttribute('aria-current') ?? el.getAttribute('aria-pressed') ?? el.getAttribute('aria-selected'),
        })),
        dialogs: [...document.querySelectorAll('[role="dialog"], [role="alertdialog"], dialog[open]')].map(
          (el) => el.getAttribute('aria-label') ?? text(el).slice(0, 80),
        ),
        alerts: [...document.querySelectorAll('[role="alert"]')].map(text).filter(Boolean),
        project: document.querySelector('select[aria-label="Project"]')?.selectedOptions[0]?.textContent.trim() ?? null,
        sync: (() => {
          const el = document.querySelector('[data-testid="sync-status"]');
          if (!el) return null;
          const progress = document.querySelector('[data-testid="sync-progress"]');
          return {
            state: el.getAttribute('data-state'),
            pending: el.getAttribute('data-pending'),
            text: text(el),
            title: el.getAttribute('title'),
            progress: progress ? `${progress.getAttribute('aria-label')} ${progress.getAttribute('data-done')}/${progress.getAttribute('data-total')}` : null,
          };
        })(),
        focused: document.activeElement
          ? `${document.activeElement.tagName.toLowerCase()}${document.activeElement.getAttribute('aria-label') ? `[aria-label="${document.activeElement.getAttribute('aria-label')}"]` : ''}${document.activeElement.getAttribute('data-index') ? `[data-index=${document.activeElement.getAttribute('data-index')}]` : ''}`
          : null,
      };
    }, GRID);
  }

  /** A short human-readable account of the window for failure messages. */
  async describe() {
    let s;
    try {
      s = await this.snapshot();
    } catch (err) {
      return `(could not read the window: ${err.message.split('\n')[0]})`;
    }
    const cells = s.cells
      .slice(0, 40)
      .map((c) => `${c.index}:${c.id}${c.selected ? '*' : ''}`)
      .join(' ');
    return [
      `gallery grid present: ${s.grid}`,
      `result-count data-count=${s.resultCount} text=${JSON.stringify(s.resultText)}`,
      `selection-count data-count=${s.selectionCount} text=${JSON.stringify(s.selectionText)}`,
      `gridcells in DOM (${s.cells.length}; index:item-id, * = aria-selected): ${cells}${s.cells.length > 40 ? ' …' : ''}`,
      `sidebar collections: ${JSON.stringify(s.collections)}`,
      `dialogs: ${JSON.stringify(s.dialogs)}  alerts: ${JSON.stringify(s.alerts)}  focus: ${s.focused}`,
      `project: ${JSON.stringify(s.project)}  sync-status: ${JSON.stringify(s.sync)}`,
    ].join('\n    ');
  }

  /**
   * Poll `probe` until `accept(value)` holds; otherwise fail with `expectation`, the last value
   * and the window's state.
   */
  async waitFor(expectation, probe, accept = Boolean, { timeout = 10000, interval = 50 } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    let lastError;
    for (;;) {
      try {
        last = await probe();
        lastError = undefined;
        if (accept(last)) return last;
      } catch (err) {
        lastError = err;
        // A dead session or driver will not come back: say so now rather than at the deadline.
        if (FATAL.test(String(err?.message))) {
          throw new Error(`the app or its driver went away while waiting for ${expectation}: ${err.message.split('\n')[0]}`);
        }
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, interval));
    }
    const seen = lastError ? `error ${lastError.message.split('\n')[0]}` : JSON.stringify(last);
    throw new assert.AssertionError({
      message: `expected ${expectation} within ${timeout} ms; last saw ${seen}\n  window:\n    ${await this.describe()}`,
    });
  }

  async countOf(testid) {
    const value = await this.browser.execute(
      (id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-count') ?? null,
      testid,
    );
    return value === null ? null : Number(value);
  }

  resultCount() {
    return this.countOf('result-count');
  }

  selectionCount() {
    return this.countOf('selection-count');
  }

  async expectResultCount(n, options) {
    return this.waitFor(`result-count data-count=${n}`, () => this.resultCount(), (v) => v === n, options);
  }

  async expectSelectionCount(n, options) {
    return this.waitFor(`selection-count data-count=${n}`, () => this.selectionCount(), (v) => v === n, options);
  }

  /** Wait until the app shows a gallery with a settled, non-empty result count and tiles. */
  async waitForGallery({ timeout = 60000 } = {}) {
    await this.waitFor(
      'the gallery grid with a result count and at least one tile',
      async () => {
        const s = await this.snapshot();
        return { grid: s.grid, count: s.resultCount, cells: s.cells.length };
      },
      (v) => v.grid && v.count !== null && Number(v.count) > 0 && v.cells > 0,
      { timeout, interval: 200 },
    );
  }

  /** Gridcells currently in the DOM, in result order: `[{index, id, name, selected}]`. */
  async cells() {
    return (await this.snapshot()).cells;
  }

  async selectedIndices() {
    return (await this.cells()).filter((c) => c.selected).map((c) => c.index);
  }

  /** Item ids of the first `n` tiles in result order (they must be rendered). */
  async order(n) {
    const cells = await this.cells();
    const first = cells.filter((c) => c.index < n);
    assert.equal(first.length, n, `expected tiles 0..${n - 1} in the DOM\n  window:\n    ${await this.describe()}`);
    return first.map((c) => c.id);
  }

  async tile(index) {
    const el = await this.$(`${CELL}[data-index="${index}"]`);
    await this.waitFor(`a gridcell with data-index=${index}`, () => el.isExisting());
    return el;
  }

  // ---------------------------------------------------------------- gestures

  /** Pointer actions for a click at the centre of `element`, optionally with modifier keys held. */
  async click(element, modifiers = []) {
    const keysDown = modifiers.map((m) => ({ type: 'keyDown', value: KEY[m] }));
    const keysUp = modifiers.map((m) => ({ type: 'keyUp', value: KEY[m] }));
    const pad = (n) => Array.from({ length: n }, () => ({ type: 'pause', duration: 0 }));
    // Not element.scrollIntoView(): webdriverio does that with wheel actions and then
    // DELETE /actions, which this driver handles badly (see shared/notes/tauri-on-debian.md).
    await this.browser.execute((el) => el.scrollIntoView({ block: 'nearest' }), element);
    await this.browser.performActions([
      {
        type: 'key',
        id: 'keyboard',
        actions: [...keysDown, ...pad(3), ...keysUp],
      },
      {
        type: 'pointer',
        id: 'mouse',
        parameters: { pointerType: 'mouse' },
        actions: [
          ...pad(keysDown.length),
          { type: 'pointerMove', duration: 0, origin: elementRef(element), x: 0, y: 0 },
          { type: 'pointerDown', button: 0 },
          { type: 'pointerUp', button: 0 },
          ...pad(keysUp.length),
        ],
      },
    ]);
  }

  async clickTile(index, modifiers = []) {
    await this.click(await this.tile(index), modifiers);
  }

  /** Type a key with modifiers held, releasing everything explicitly (no DELETE /actions). */
  async press(key, modifiers = []) {
    const value = KEY[key] ?? key;
    await this.browser.performActions([
      {
        type: 'key',
        id: 'keyboard',
        actions: [
          ...modifiers.map((m) => ({ type: 'keyDown', value: KEY[m] })),
          { type: 'keyDown', value },
          { type: 'keyUp', value },
          ...modifiers
            .slice()
            .reverse()
            .map((m) => ({ type: 'keyUp', value: KEY[m] })),
        ],
      },
    ]);
  }

  /**
   * Press the mouse at `from`, move in `steps` steps to `to`, release. Points are
   * `{element, x, y}` (offset from the element's centre) or `{x, y}` in the viewport.
   */
  async drag(from, to, { steps = 8, stepMs = 16, holdMs = 50 } = {}) {
    const resolve = async (p) => {
      if (!p.element) return { x: Math.round(p.x), y: Math.round(p.y) };
      const r = await this.browser.execute(
        (el) => {
          const b = el.getBoundingClientRect();
          return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
        },
        p.element,
      );
      return { x: Math.round(r.x + (p.x ?? 0)), y: Math.round(r.y + (p.y ?? 0)) };
    };
    const a = await resolve(from);
    const b = await resolve(to);
    const moves = [];
    for (let i = 1; i <= steps; i++) {
      moves.push({
        type: 'pointerMove',
        duration: stepMs,
        origin: 'viewport',
        x: Math.round(a.x + ((b.x - a.x) * i) / steps),
        y: Math.round(a.y + ((b.y - a.y) * i) / steps),
      });
    }
    await this.browser.performActions([
      {
        type: 'pointer',
        id: 'mouse',
        parameters: { pointerType: 'mouse' },
        actions: [
          { type: 'pointerMove', duration: 0, origin: 'viewport', x: a.x, y: a.y },
          { type: 'pointerDown', button: 0 },
          { type: 'pause', duration: holdMs },
          ...moves,
          { type: 'pause', duration: holdMs },
          { type: 'pointerUp', button: 0 },
        ],
      },
    ]);
  }

  // ---------------------------------------------------------------- controls

  /** A button by accessible name: its aria-label or its text. */
  async button(name, { within = '' } = {}) {
    const lit = xpathLiteral(name);
    const el = await this.$(`${within}//button[@aria-label=${lit} or (not(@aria-label) and normalize-space(.)=${lit})]`);
    await this.waitFor(`a button named ${JSON.stringify(name)}`, () => el.isExisting());
    return el;
  }

  async clickButton(name, options) {
    const el = await this.button(name, options);
    await this.waitFor(`button ${JSON.stringify(name)} to be enabled`, () => el.isEnabled());
    await el.click();
  }

  /** The dataset facet whose label names `dataset`. */
  async datasetFacet(dataset) {
    const lit = xpathLiteral(dataset);
    const el = await this.$(
      `//*[@data-testid="dataset-facet"][@data-dataset-name=${lit} or @aria-label=${lit} or .//*[normalize-space(.)=${lit}] or starts-with(normalize-space(.), concat(${lit}, " "))  or normalize-space(.)=${lit}]`,
    );
    await this.waitFor(`a dataset facet for ${JSON.stringify(dataset)}`, () => el.isExisting());
    return el;
  }

  async tagFacet(tag) {
    const el = await this.$(`[data-testid="tag-facet"][data-tag="${tag}"]`);
    await this.waitFor(`a tag facet for ${JSON.stringify(tag)}`, () => el.isExisting());
    return el;
  }

  /** Filter to the one dataset `name` and wait for the expected total. */
  async filterDataset(name, expectedCount) {
    const facet = await this.datasetFacet(name);
    await facet.click();
    await this.waitFor(
      `dataset facet ${JSON.stringify(name)} aria-pressed=true`,
      () => facet.getAttribute('aria-pressed'),
      (v) => v === 'true',
    );
    if (expectedCount !== undefined) await this.expectResultCount(expectedCount);
  }

  /** Ctrl+A in the gallery: focus a tile first so the keys do not go to a text field. */
  async selectAll() {
    await this.clickTile(0);
    await this.expectSelectionCount(1);
    await this.press('a', ['Control']);
  }

  // ---------------------------------------------------------------- collections

  async dialog(label) {
    const el = await this.$(`[role="dialog"][aria-label="${label}"]`);
    await this.waitFor(`the ${JSON.stringify(label)} dialog to be open`, () => el.isDisplayed());
    return el;
  }

  /** With items selected: Add to collection → create a new one. Returns its sidebar entry. */
  async addSelectionToNewCollection(title, description = '') {
    await this.clickButton('Add to collection');
    const dialog = await this.dialog('Add to collection');
    await (await dialog.$('input[aria-label="Title"]')).setValue(title);
    if (description) await (await dialog.$('textarea[aria-label="Description"]')).setValue(description);
    await this.clickButton('Create and add', { within: '//*[@role="dialog"][@aria-label="Add to collection"]' });
    await this.waitFor(
      'the Add to collection dialog to close',
      () => dialog.isExisting().then(async (e) => e && dialog.isDisplayed()),
      (open) => !open,
    );
    return this.sidebarCollection(title);
  }

  /** With items selected: Add to collection → search for `title` → pick it. */
  async addSelectionToExisting(title) {
    await this.clickButton('Add to collection');
    const dialog = await this.dialog('Add to collection');
    await (await dialog.$('input[aria-label="Search collections"]')).setValue(title.slice(0, 4));
    const lit = xpathLiteral(title);
    const pick = await dialog.$(`.//button[@data-testid="dialog-collection"][.//text()[normalize-space(.)=${lit}]]`);
    await this.waitFor(`a dialog-collection button for ${JSON.stringify(title)} after searching`, () => pick.isExisting());
    await pick.click();
    await this.waitFor(
      'the Add to collection dialog to close',
      () => dialog.isExisting().then(async (e) => e && dialog.isDisplayed()),
      (open) => !open,
    );
  }

  async statusMessage() {
    const el = await this.$('[data-testid="status-message"]');
    return (await el.isExisting()) ? el.getText() : null;
  }

  async expectStatus(text) {
    return this.waitFor(`the status line to say ${JSON.stringify(text)}`, () => this.statusMessage(), (v) => !!v && v.includes(text));
  }

  /** Filter on a dataset, select tiles 0..n-1 (click, Shift-click), add them to a new collection. */
  async collectRange(n, title, { dataset = 'city', datasetTotal } = {}) {
    await this.filterDataset(dataset, datasetTotal);
    await this.clickTile(0);
    await this.expectSelectionCount(1);
    await this.clickTile(n - 1, ['Shift']);
    await this.expectSelectionCount(n);
    await this.addSelectionToNewCollection(title, `The first ${n} ${dataset} images`);
    await this.expectSidebarCount(title, n);
  }

  /** Include tag `tag`, Ctrl+A, add everything to a new collection. Returns the filtered total. */
  async collectTagged(tag, title, { projectTotal } = {}) {
    await (await this.tagFacet(tag)).click();
    const total = await this.waitFor(
      `the ${tag} tag filter to narrow the result count`,
      () => this.resultCount(),
      (n) => n > 0 && (projectTotal === undefined || n < projectTotal),
    );
    await this.selectAll();
    await this.expectSelectionCount(total);
    await this.addSelectionToNewCollection(title, `Every image tagged ${tag}`);
    await this.expectSidebarCount(title, total);
    return total;
  }

  /** The sidebar entry titled `title`: `{id, count, element}`; waits for it to appear. */
  async sidebarCollection(title) {
    const lit = xpathLiteral(title);
    const el = await this.$(`//*[@data-testid="collection"][.//text()[normalize-space(.)=${lit}] or @aria-label=${lit}]`);
    await this.waitFor(`a sidebar collection titled ${JSON.stringify(title)}`, () => el.isExisting());
    return {
      element: el,
      id: await el.getAttribute('data-collection-id'),
      count: await this.sidebarCount(el),
    };
  }

  async hasSidebarCollection(title) {
    const lit = xpathLiteral(title);
    return (await this.$(`//*[@data-testid="collection"][.//text()[normalize-space(.)=${lit}]]`)).isExisting();
  }

  async sidebarCount(element) {
    const text = await (await element.$('[data-testid="collection-count"]')).getText();
    return Number(text.replace(/[^\d]/g, ''));
  }

  async expectSidebarCount(title, n) {
    const { element } = await this.sidebarCollection(title);
    return this.waitFor(
      `sidebar collection ${JSON.stringify(title)} to show collection-count ${n}`,
      () => this.sidebarCount(element),
      (v) => v === n,
    );
  }

  /** Open the collection `title` from the sidebar and wait until the gallery shows `count` items. */
  async openCollection(title, count) {
    const { element } = await this.sidebarCollection(title);
    await element.click();
    await this.waitFor(`the collection header for ${JSON.stringify(title)}`, async () =>
      (await this.$(`//button[@aria-label="Edit collection" or normalize-space(.)="Edit collection"]`)).isExisting(),
    );
    if (count !== undefined) await this.expectResultCount(count);
  }

  /** Leave the open collection for all items (filters may still narrow them). */
  async openAllItems(count) {
    await (await this.$('[data-testid="all-items"]')).click();
    await this.waitFor('the collection header to go away', async () =>
      (await this.$(`//button[@aria-label="Edit collection" or normalize-space(.)="Edit collection"]`)).isExisting(),
      (present) => !present,
    );
    if (count !== undefined) await this.expectResultCount(count);
  }

  // ---------------------------------------------------------------- settings

  async thumbSize() {
    const slider = await this.$('input[type="range"][aria-label="Thumbnail size"]');
    await this.waitFor('the Thumbnail size slider', () => slider.isExisting());
    return Number(await slider.getValue());
  }

  /** Move the thumbnail size slider with the keyboard (each ArrowRight is one step). */
  async nudgeThumbSize(steps) {
    const slider = await this.$('input[type="range"][aria-label="Thumbnail size"]');
    await this.waitFor('the Thumbnail size slider', () => slider.isExisting());
    await this.browser.execute((el) => el.focus(), slider);
    for (let i = 0; i < Math.abs(steps); i++) await this.press(steps > 0 ? 'ArrowRight' : 'ArrowLeft');
    return Number(await slider.getValue());
  }

  /** The open project's name, as the project switcher shows it. */
  async projectName() {
    return this.browser.execute(() => {
      const select = document.querySelector('select[aria-label="Project"]');
      return select?.selectedOptions[0]?.textContent.trim() ?? null;
    });
  }

  async switchProject(name) {
    const select = await this.$('select[aria-label="Project"]');
    await this.waitFor('the Project switcher', () => select.isExisting());
    await select.selectByVisibleText(name);
    await this.waitFor(`the project ${JSON.stringify(name)} to be open`, () => this.projectName(), (v) => v === name);
  }

  // ---------------------------------------------------------------- sync

  /**
   * The status area at the bottom: `{state, pending, text, title}` (`title` holds the last
   * error), or null while it is not shown.
   */
  async syncStatus() {
    return this.browser.execute(() => {
      const el = document.querySelector('[data-testid="sync-status"]');
      if (!el) return null;
      return {
        state: el.getAttribute('data-state'),
        pending: Number(el.getAttribute('data-pending')),
        text: (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
        title: el.getAttribute('title'),
      };
    });
  }

  /** Wait until the status area satisfies `accept(status)`; `expectation` says what in words. */
  async expectSyncStatus(expectation, accept, { timeout = 30000 } = {}) {
    return this.waitFor(`the sync status to be ${expectation}`, () => this.syncStatus(), (s) => !!s && accept(s), {
      timeout,
      interval: 200,
    });
  }

  /** Wait until the project switcher shows `name` open and its gallery has tiles. */
  async waitForProject(name, { timeout = 60000 } = {}) {
    await this.waitFor(`the project ${JSON.stringify(name)} to be open`, () => this.projectName(), (v) => v === name, {
      timeout,
      interval: 200,
    });
    await this.waitForGallery({ timeout });
  }

  /** The names (aria-labels) of the first `n` tiles in result order (they must be rendered). */
  async names(n) {
    const cells = (await this.cells()).filter((c) => c.index < n);
    assert.equal(cells.length, n, `expected tiles 0..${n - 1} in the DOM\n  window:\n    ${await this.describe()}`);
    return cells.map((c) => c.name);
  }

  // ---------------------------------------------------------------- detail panel

  async detailPanel() {
    const el = await this.$('[data-testid="detail-panel"]');
    await this.waitFor('the detail panel', () => el.isDisplayed());
    return el;
  }

  async noteField() {
    const panel = await this.detailPanel();
    const el = await panel.$('textarea[aria-label="Note"]');
    await this.waitFor('a Note field in the detail panel', () => el.isDisplayed());
    return el;
  }

  /** Replace the note text without typing it key by key (500 keystrokes take seconds). */
  async setNote(text) {
    const field = await this.noteField();
    await field.click();
    await field.clearValue();
    // setValue types; for long texts put all but the last character in at once and type the
    // last one, so the framework sees real input events either way.
    await this.browser.execute(
      (el, value) => {
        const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;
        setter.call(el, value);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      },
      field,
      text.slice(0, -1),
    );
    await field.addValue(text.slice(-1));
    await this.waitFor(`the Note field to hold ${text.length} characters`, async () => (await field.getValue()).length, (n) => n === text.length);
    return field;
  }

  /** Click "Save note" and wait until the app says it saved and the panel shows the saved note. */
  async saveNote() {
    const button = await this.button('Save note');
    await this.waitFor('"Save note" to be enabled', () => button.isEnabled());
    await button.click();
    await this.expectStatus('Note saved');
    // The panel reloads the item after saving; then the text equals the stored note again.
    await this.waitFor('"Save note" to be disabled again (the saved note reloaded)', () => button.isEnabled(), (v) => !v);
  }

  /** Show item `index` in the detail panel afresh: click another tile first, then it. */
  async reloadDetail(index, other = index === 0 ? 1 : 0) {
    const otherName = await this.nameAt(other);
    await this.clickTile(other);
    await this.waitFor(`the detail panel to show ${otherName}`, () => this.detailName(), (n) => n === otherName);
    const name = await this.nameAt(index);
    await this.clickTile(index);
    await this.waitFor(`the detail panel to show ${name}`, () => this.detailName(), (n) => n === name);
  }

  async nameAt(index) {
    return (await this.tile(index)).getAttribute('aria-label');
  }

  /** The name the detail panel shows (its heading). */
  async detailName() {
    return this.browser.execute(() => document.querySelector('[data-testid="detail-panel"] h2')?.textContent.trim() ?? null);
  }

  async alerts() {
    return (await this.snapshot()).alerts;
  }
}
