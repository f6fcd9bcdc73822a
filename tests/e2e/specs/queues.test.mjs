// Labeling queues (issue 12) on the demo project, which is local: the user "you" is its only
// annotator and reviewer. A queue made from a collection of 5 follows the collection live (two
// more items → 7 pending); the annotator submits 3 with tags (a tag choice clicked, one toggled
// with its number key, a free tag), each with another of the ways to submit; the reviewer
// accepts 2 in one action and rejects 1 with a comment; "Move accepted to collection" makes a
// collection of 2 and the source drops to 5. The counts are checked after every step, in the
// sidebar and in the queue's header, and after a restart all of it is unchanged (the rejected
// item is back with its annotator, with the comment).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { e2e, DEMO, artifactsDir } from '../harness/index.mjs';
import { counts, Queues } from '../harness/queues.mjs';

const SOURCE = 'To label';
const TARGET = 'For training';
const QUEUE = 'Street labels';
const COMMENT = 'Not a street scene';

e2e('a labeling queue follows its collection; label, review, move accepted; all of it survives a restart (screenshots: artifacts/queue-*.png)', async ({ app, trove, t }) => {
  const q = new Queues(trove);
  mkdirSync(artifactsDir, { recursive: true });
  const shot = (name) => trove.browser.saveScreenshot(path.join(artifactsDir, `queue-${name}.png`));

  // A collection of 5, and a queue made from it: 5 pending.
  await trove.collectRange(5, SOURCE, { datasetTotal: DEMO.datasets.city });
  await trove.openCollection(SOURCE, 5);
  const { id: queueId } = await q.createFromOpenCollection(QUEUE, { tags: ['car', 'person'] });
  t.diagnostic(`queue ${QUEUE} has data-queue-id ${queueId}`);
  await q.expectCounts(QUEUE, counts(5), { view: true });

  // Two more items join the collection; the queue follows it: 7 pending.
  await trove.openAllItems(DEMO.total);
  await trove.filterDataset('city', DEMO.datasets.city);
  await trove.clickTile(5);
  await trove.expectSelectionCount(1);
  await trove.clickTile(6, ['Shift']);
  await trove.expectSelectionCount(2);
  await trove.addSelectionToExisting(SOURCE);
  await trove.expectSidebarCount(SOURCE, 7);
  await q.expectCounts(QUEUE, counts(7));

  // Label 3. Starting claims one item; each Submit shows the next at once (claiming it).
  await q.open(QUEUE);
  await q.expectCounts(QUEUE, counts(7), { view: true });
  const a = await q.startLabeling();
  await q.expectCounts(QUEUE, counts(6, 1));

  await q.turnOnTag('car', async () => (await q.tagButton('car')).click());
  await shot('labeling');
  const b = await q.submitWithButton();
  await q.expectCounts(QUEUE, counts(5, 1, 1));

  await q.turnOnTag('person', async () => {
    await q.blur();
    await trove.press('2');
  });
  const c = await q.submitWithCtrlEnter();
  await q.expectCounts(QUEUE, counts(4, 1, 2));

  await q.addFreeTag('blurry');
  const d = await q.submitWithEnter();
  await q.expectCounts(QUEUE, counts(3, 1, 3));
  assert.equal(new Set([a, b, c, d]).size, 4, `four different items were shown: ${[a, b, c, d]}`);

  // Review: the 3 submitted items, with the tags set on them; accept 2 in one action, reject 1.
  const rows = await q.startReview(3);
  // A screenshot taken at once can show the frame before the list painted.
  await trove.browser.pause(1000);
  await shot('review');
  assert.deepEqual(rows.map((r) => r.id).sort(), [a, b, c].sort(), `the items to review are the submitted ones\n  ${await q.describeQueues()}`);
  const tagsOf = (id) => (rows.find((r) => r.id === id)?.tags ?? '').split(',');
  assert.ok(tagsOf(a).includes('car'), `item ${a} carries the tag car: ${tagsOf(a)}`);
  assert.ok(tagsOf(b).includes('person'), `item ${b} carries the tag person: ${tagsOf(b)}`);
  assert.ok(tagsOf(c).includes('blurry'), `item ${c} carries the tag blurry: ${tagsOf(c)}`);

  await q.acceptSelected([a, b]);
  await q.expectCounts(QUEUE, counts(3, 1, 1, 2));
  await q.reject(c, COMMENT);
  await q.expectCounts(QUEUE, counts(3, 1, 0, 2, 1));
  await q.expectReviewItems(0);
  await shot('reviewed');

  // Move the accepted ones: a new collection of 2, the source drops to 5; the queue keeps them.
  await q.moveAcceptedToNew(TARGET);
  await trove.expectSidebarCount(TARGET, 2);
  await trove.expectSidebarCount(SOURCE, 5);
  await q.expectCounts(QUEUE, counts(3, 1, 0, 2, 1));
  await trove.openCollection(TARGET, 2);
  const moved = (await trove.cells()).map((cell) => cell.id).sort();
  assert.deepEqual(moved, [a, b].sort(), `the new collection holds the accepted items\n    ${await trove.describe()}`);

  // The queue status filter: accepted in this queue.
  await trove.openAllItems(DEMO.total);
  await q.waitFor('the accepted facet of the queue to count 2', () => q.facetCount(queueId, 'accepted'), (n) => n === 2);
  await q.filterStatus(queueId, 'accepted');
  await trove.expectResultCount(2);

  // After a restart all of it is unchanged.
  await app.restart();
  await trove.waitForGallery();
  await trove.expectSidebarCount(SOURCE, 5);
  await trove.expectSidebarCount(TARGET, 2);
  await q.expectCounts(QUEUE, counts(3, 1, 0, 2, 1));
  await q.open(QUEUE);
  await q.expectCounts(QUEUE, counts(3, 1, 0, 2, 1), { view: true });
  await q.startReview(0);

  // The annotator holds the claimed item and the rejected one, which shows the comment.
  await q.startLabeling();
  let shown = await q.currentItem();
  for (let i = 0; i < 2 && shown !== c; i++) {
    await q.blur();
    await trove.press('ArrowRight');
    shown = await q.expectNextItem(shown);
  }
  assert.equal(shown, c, `Skip reaches the rejected item ${c}\n  ${await q.describeQueues()}`);
  await q.waitFor(`the reviewer's comment on item ${c}`, () => trove.browser.execute(() => document.querySelector('[data-testid="review-comment"]')?.textContent ?? ''), (v) => v.includes(COMMENT));
  await q.expectCounts(QUEUE, counts(3, 1, 0, 2, 1), { view: true });
});
