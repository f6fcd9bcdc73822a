//! `e2e(name, body)`: a `node:test` test that gets its own app on a fresh data directory (or on
//! `dataRoot` when given), saves a screenshot, the DOM and the driver log under
//! `artifacts/failures/` when the body throws, and always stops the app and its driver.

import { test } from 'node:test';
import { App } from './app.mjs';
import { Trove } from './trove.mjs';

export { App } from './app.mjs';
export { Trove, KEY } from './trove.mjs';
export { artifactsDir, appBinary } from './app.mjs';

/** Demo project facts the tests rely on (the demo seed is fixed). */
export const DEMO = {
  total: 3000,
  datasets: { city: 1200, park: 1000, 'night-drive': 800 },
};

export function e2e(name, body, { timeout = 120000, dataRoot } = {}) {
  return test(name, { timeout }, async (t) => {
    const started = Date.now();
    const app = await App.launch(name, { dataRoot });
    const trove = new Trove(app);
    try {
      await trove.waitForGallery();
      t.diagnostic(`app showed its gallery after ${Date.now() - started} ms (data: ${app.dataRoot})`);
      await body({ app, trove, t });
    } catch (err) {
      const saved = await app.saveFailureArtifacts(name);
      err.message += `\n  artifacts: ${saved.join(', ')}`;
      throw err;
    } finally {
      await app.close();
    }
  });
}
