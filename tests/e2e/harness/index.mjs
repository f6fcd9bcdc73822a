//! `e2e(name, body)`: a `node:test` test that gets its own app on a fresh data directory (or on
//! `dataRoot` when given), saves a screenshot, the DOM and the driver log under
//! `artifacts/failures/` when the body throws, and always stops the app and its driver.

import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { App, LAUNCH_TIMEOUT_MS } from './app.mjs';
import { freshDataRoot } from './seed.mjs';
import { Trove } from './trove.mjs';

export { App } from './app.mjs';
export { Trove, KEY } from './trove.mjs';
export { artifactsDir, appBinary } from './app.mjs';

/** Demo project facts the tests rely on (the demo seed is fixed). */
export const DEMO = {
  total: 3000,
  datasets: { city: 1200, park: 1000, 'night-drive': 800 },
};

/**
 * `emptyData: true` starts from an empty data directory (a real first launch); otherwise the
 * test gets a fresh copy of the state a first launch leaves (see seed.mjs).
 */
export function e2e(name, body, { timeout = 180000, emptyData = false } = {}) {
  return test(name, { timeout }, async (t) => {
    const t0 = Date.now();
    const dataRoot = await freshDataRoot(name, { empty: emptyData });
    const t1 = Date.now();
    let app;
    try {
      app = await App.launch(name, { dataRoot });
    } catch (err) {
      rmSync(dataRoot, { recursive: true, force: true });
      throw err;
    }
    const trove = new Trove(app);
    let passed = false;
    try {
      await trove.waitForGallery({ timeout: LAUNCH_TIMEOUT_MS });
      const t2 = Date.now();
      await body({ app, trove, t });
      t.diagnostic(
        `data dir ${t1 - t0} ms, launch to gallery ${t2 - t1} ms, test body ${Date.now() - t2} ms (data: ${dataRoot})`,
      );
      passed = true;
    } catch (err) {
      const saved = await app.saveFailureArtifacts(name);
      const where = `artifacts: ${saved.join(', ')}; data directory kept: ${dataRoot}`;
      t.diagnostic(where);
      if (err instanceof Error) {
        const before = err.message;
        err.message += `\n  ${where}`;
        if (typeof err.stack === 'string') err.stack = err.stack.replace(before, err.message);
      }
      throw err;
    } finally {
      await app.close();
      if (passed) rmSync(dataRoot, { recursive: true, force: true });
    }
  });
}
