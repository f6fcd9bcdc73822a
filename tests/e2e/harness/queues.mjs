//! What a person does with labeling queues, in the words of issue 12's automation contract:
//! sidebar entries (`data-testid="queue"`, `data-queue-id`) with their status counts
//! (`data-testid="queue-count"`, `data-status`, the number as text), the queue view's buttons by
//! accessible name ("Start labeling", "Review", "Move accepted to collection"), the labeling view
//! (`data-testid="queue-item"` with `data-item-id`, tag toggles `data-testid="queue-tag"` with
//! `data-tag`, the "Add tag" field, "Submit", "Skip") and the review list (rows
//! `data-testid="review-item"` with "Accept", "Reject" and a "Comment" field).
//!
//! Every wait goes through `trove.waitFor`, so a failure says what the window showed; the
//! queue-specific part of it is `describeQueues()`.

export const STATUSES = ['pending', 'annotating', 'done', 'accepted', 'rejected'];

/** `{pending, annotating, done, accepted, rejected}` from positional numbers. */
export function counts(pending, annotating = 0, done = 0, accepted = 0, rejected = 0) {
  return { pending, annotating, done, accepted, rejected };
}

const same = (a, b) => !!a && STATUSES.every((s) => a[s] === b[s]);

/** An XPath string literal for any text (XPath 1.0 has no escapes). */
function lit(text) {
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  return `concat("${text.split('"').join(`", '"', "`)}")`;
}

const ENTRY = (name) => `//*[@data-testid="queue"][.//text()[normalize-space(.)=${lit(name)}]]`;
const VIEW = '[data-testid="queue-view"]';
const REVIEW_ROW = (id) => `[data-testid="review-item"][data-item-id="${id}"]`;

export class Queues {
  /** @param {import('./trove.mjs').Trove} trove */
  constructor(trove) {
    this.trove = trove;
  }

  get browser() {
    return this.trove.browser;
  }

  // ---------------------------------------------------------------- observing

  /** Sidebar queues, the open queue view, the labeling item and review rows, as plain data. */
  async snapshot() {
    return this.browser.execute(() => {
      const text = (el) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
      const countsIn = (el) => {
        if (!el) return null;
        const out = {};
        for (const c of el.querySelectorAll('[data-testid="queue-count"]')) out[c.getAttribute('data-status')] = Number(text(c));
        return out;
      };
      const view = document.querySelector('[data-testid="queue-view"]');
      const item = document.querySelector('[data-testid="queue-item"]');
      return {
        queues: [...document.querySelectorAll('[data-testid="queue"]')].map((el) => ({
          id: el.getAttribute('data-queue-id'),
          name: el.getAttribute('data-queue-name'),
          counts: countsIn(el),
          current: el.getAttribute('aria-current'),
        })),
        view: view ? { id: view.getAttribute('data-queue-id'), counts: countsIn(view) } : null,
        item: item
          ? {
              id: item.getAttribute('data-item-id'),
              pressed: [...document.querySelectorAll('[data-testid="queue-tag"][aria-pressed="true"]')].map((b) => b.getAttribute('data-tag')),
              tags: [...document.querySelectorAll('[data-testid="queue-item-tags"] [data-tag]')].map((t) => t.getAttribute('data-tag')),
            }
          : null,
        review: [...document.querySelectorAll('[data-testid="review-item"]')].map((el) => ({
          id: el.getAttribute('data-item-id'),
          tags: el.getAttribute('data-tags'),
        })),
        empty: text(document.querySelector('[data-testid="queue-empty"], [data-testid="review-empty"]')) || null,
      };
    });
  }

  async describeQueues() {
    try {
      return JSON.stringify(await this.snapshot());
    } catch (err) {
      return `(could not read the queues: ${err.message.split('\n')[0]})`;
    }
  }

  /** `trove.waitFor` with the queues' state added to the failure message. */
  async waitFor(expectation, probe, accept, options) {
    try {
      return await this.trove.waitFor(expectation, probe, accept, options);
    } catch (err) {
      err.message += `\n  queues: ${await this.describeQueues()}`;
      throw err;
    }
  }

  /** The sidebar entry of the queue called `name`: `{element, id}`; waits for it. */
  async sidebarQueue(name) {
    const el = await this.trove.$(ENTRY(name));
    await this.waitFor(`a sidebar queue named ${JSON.stringify(name)}`, () => el.isExisting());
    return { element: el, id: await el.getAttribute('data-queue-id') };
  }

  async sidebarCounts(name) {
    return (await this.snapshot()).queues.find((q) => q.name === name)?.counts ?? null;
  }

  async viewCounts() {
    return (await this.snapshot()).view?.counts ?? null;
  }

  /** The sidebar entry's counts equal `want`, and so do the open queue view's, when it is open. */
  async expectCounts(name, want, { view = 'if-open', timeout } = {}) {
    await this.waitFor(`sidebar queue ${JSON.stringify(name)} to count ${JSON.stringify(want)}`, () => this.sidebarCounts(name), (c) => same(c, want), { timeout });
    const open = (await this.snapshot()).view;
    if (view === true || (view === 'if-open' && open)) {
      await this.waitFor(`the queue view's header to count ${JSON.stringify(want)}`, () => this.viewCounts(), (c) => same(c, want), { timeout });
    }
  }

  // ---------------------------------------------------------------- making and opening

  /** With a collection open: "New labeling queue…", a name and tag choices, "Create queue". The
   * user is the default annotator and reviewer. Waits for the queue's view. */
  async createFromOpenCollection(name, { tags = [] } = {}) {
    await this.trove.clickButton('New labeling queue');
    const dialog = await this.trove.dialog('New labeling queue');
    const nameField = await dialog.$('input[aria-label="Name"]');
    await nameField.setValue(name);
    if (tags.length) await (await dialog.$('input[aria-label="Tag choices"]')).setValue(tags.join(', '));
    await this.waitFor('an annotator checkbox that is checked (the user, by default)', async () =>
      (await dialog.$$('input[type="checkbox"][aria-label^="Annotator "]')).length > 0 &&
      (await this.browser.execute(() => [...document.querySelectorAll('input[aria-label^="Annotator "]')].some((c) => c.checked))),
    );
    await this.trove.clickButton('Create queue', { within: '//*[@role="dialog"][@aria-label="New labeling queue"]' });
    await this.waitFor('the New labeling queue dialog to close', () => dialog.isExisting().then(async (e) => e && dialog.isDisplayed()), (open) => !open);
    await this.waitFor(`the view of queue ${JSON.stringify(name)}`, async () => (await this.snapshot()).view !== null);
    return this.sidebarQueue(name);
  }

  async open(name) {
    const { element, id } = await this.sidebarQueue(name);
    await element.click();
    await this.waitFor(`the view of queue ${JSON.stringify(name)} (data-queue-id=${id})`, async () => (await this.snapshot()).view?.id, (v) => v === id);
  }

  // ---------------------------------------------------------------- labeling

  /** "Start labeling", then wait for the item to label; resolves to its id. */
  async startLabeling() {
    await this.trove.clickButton('Start labeling');
    return this.waitFor('an item to label (data-testid="queue-item")', () => this.currentItem(), Boolean);
  }

  async currentItem() {
    return (await this.snapshot()).item?.id ?? null;
  }

  async item() {
    return (await this.snapshot()).item;
  }

  /** Waits until the labeling view shows an item other than `id`; resolves to the new id. */
  async expectNextItem(id) {
    return this.waitFor(`the next item to show after item ${id}`, () => this.currentItem(), (v) => !!v && v !== id);
  }

  async tagButton(tag) {
    const el = await this.trove.$(`[data-testid="queue-tag"][data-tag="${tag}"]`);
    await this.waitFor(`a tag choice button for ${JSON.stringify(tag)}`, () => el.isExisting());
    return el;
  }

  async expectTagPressed(tag, pressed = true) {
    const el = await this.tagButton(tag);
    await this.waitFor(`tag choice ${JSON.stringify(tag)} aria-pressed=${pressed}`, () => el.getAttribute('aria-pressed'), (v) => v === String(pressed));
  }

  /**
   * Toggles the tag choice `tag` with `gesture` (a click, a number key) and checks that its
   * aria-pressed flipped; when the item had the tag already, toggles again, so the tag ends up
   * on. The demo's items carry tags of their own, so either can happen.
   */
  async turnOnTag(tag, gesture) {
    const before = (await this.item())?.pressed.includes(tag) ?? false;
    await gesture();
    await this.expectTagPressed(tag, !before);
    if (before) {
      await gesture();
      await this.expectTagPressed(tag, true);
    }
  }

  /** Types `tag` in "Add tag" and presses Enter; waits for it among the item's tags. */
  async addFreeTag(tag) {
    const field = await this.trove.$(`${VIEW} input[aria-label="Add tag"]`);
    await this.waitFor('the "Add tag" field', () => field.isExisting());
    await field.click();
    await field.setValue(tag);
    await this.trove.press('Enter');
    await this.waitFor(`tag ${JSON.stringify(tag)} among the item's tags`, async () => (await this.item())?.tags ?? [], (tags) => tags.includes(tag));
    await this.waitFor('the "Add tag" field to be empty again', () => field.getValue(), (v) => v === '');
  }

  /** Moves the focus off any field or button, so that keys go to the view itself. */
  async blur() {
    await this.browser.execute(() => document.activeElement?.blur?.());
  }

  /** Presses "Submit" and waits for the next item; resolves to its id (or null when none). */
  async submitWithButton() {
    const id = await this.currentItem();
    await this.trove.clickButton('Submit');
    return this.expectNextItem(id);
  }

  /** Ctrl+Enter (wherever the focus is) and waits for the next item. */
  async submitWithCtrlEnter() {
    const id = await this.currentItem();
    await this.trove.press('Enter', ['Control']);
    return this.expectNextItem(id);
  }

  /** Enter with no text field focused, and waits for the next item. */
  async submitWithEnter() {
    const id = await this.currentItem();
    await this.blur();
    await this.trove.press('Enter');
    return this.expectNextItem(id);
  }

  // ---------------------------------------------------------------- reviewing

  /** "Review", then wait until the list shows `n` items to review. */
  async startReview(n) {
    await this.trove.clickButton('Review');
    return this.expectReviewItems(n);
  }

  async reviewItems() {
    return (await this.snapshot()).review;
  }

  async expectReviewItems(n) {
    return this.waitFor(`${n} items to review`, async () => {
      const s = await this.snapshot();
      return s.view && (s.review.length > 0 || s.empty) ? s.review : null;
    }, (rows) => !!rows && rows.length === n);
  }

  /** Ticks the rows of `ids` and presses "Accept selected". */
  async acceptSelected(ids) {
    for (const id of ids) {
      const box = await this.trove.$(`${REVIEW_ROW(id)} input[type="checkbox"]`);
      await this.waitFor(`the review row of item ${id}`, () => box.isExisting());
      await box.click();
      await this.waitFor(`item ${id} to be ticked`, () => box.isSelected());
    }
    await this.trove.clickButton('Accept selected');
    await this.waitFor(`items ${ids.join(', ')} to leave the review list`, () => this.reviewItems(), (rows) => rows.every((r) => !ids.includes(r.id)));
  }

  /** Writes `comment` beside the row of `id` and presses its "Reject". */
  async reject(id, comment = '') {
    const row = `//*[@data-testid="review-item"][@data-item-id="${id}"]`;
    if (comment) {
      const field = await this.trove.$(`${REVIEW_ROW(id)} input[aria-label="Comment"]`);
      await this.waitFor(`the Comment field of item ${id}`, () => field.isExisting());
      await field.setValue(comment);
    }
    await this.trove.clickButton('Reject', { within: row });
    await this.waitFor(`item ${id} to leave the review list`, () => this.reviewItems(), (rows) => rows.every((r) => r.id !== id));
  }

  // ---------------------------------------------------------------- moving

  /** "Move accepted to collection…" → a title for a new collection → "Move". */
  async moveAcceptedToNew(title) {
    await this.trove.clickButton('Move accepted to collection');
    const dialog = await this.trove.dialog('Move accepted to collection');
    await (await dialog.$('input[aria-label="Title"]')).setValue(title);
    await this.trove.clickButton('Move', { within: '//*[@role="dialog"][@aria-label="Move accepted to collection"]' });
    await this.waitFor('the Move accepted to collection dialog to close', () => dialog.isExisting().then(async (e) => e && dialog.isDisplayed()), (open) => !open);
  }

  // ---------------------------------------------------------------- filter

  /** Clicks the "queue status" facet `status` of the queue with `data-queue-id` `id`. */
  async filterStatus(id, status) {
    const el = await this.trove.$(`[data-testid="queue-facet"][data-queue-id="${id}"][data-status="${status}"]`);
    await this.waitFor(`the queue status facet ${status} of queue ${id}`, () => el.isExisting());
    await el.click();
    await this.waitFor(`the ${status} facet to be on`, () => el.getAttribute('aria-pressed'), (v) => v === 'true');
  }

  async facetCount(id, status) {
    return this.browser.execute(
      (qid, st) => {
        const el = document.querySelector(`[data-testid="queue-facet"][data-queue-id="${qid}"][data-status="${st}"]`);
        return el ? Number(el.getAttribute('data-count')) : null;
      },
      id,
      status,
    );
  }
}
