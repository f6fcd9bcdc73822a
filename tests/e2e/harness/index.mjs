//! `e2e(name, body)`: a `node:test` test that gets its own app on a fresh data directory (or on
//! `dataRoot` when given), saves a screenshot, the DOM and the driver log under
//! `artifacts/failures/` when the body throws, and always stops the app and its driver.
//! `e2eApps(name, body)`: the same for a test that launches several apps, each with its own
//! environment (the sync tests).

import { readFileSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { App, LAUNCH_TIMEOUT_MS } from './app.mjs';
import { freshDataRoot } from './seed.mjs';
import { Trove } from './trove.mjs';

export { App } from './app.mjs';
export { Trove, KEY } from './trove.mjs';
export { artifactsDir, appBinary } from './app.mjs';
export { TroveServer } from './server.mjs';
export { fixtureFolder, FIXTURE } from './fixture.mjs';

/** Demo project facts the tests rely on (the demo seed is fixed). */
export const DEMO = {
  total: 3000,
  datasets: { city: 1200, park: 1000, 'night-drive': 800 },
  /** Originals with deliberate near-copies (trove_demo::GROUPS_PER_DATASET per dataset). */
  nearCopyGroups: 36,
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

/** The last `lines` lines of a log file after byte `from`, or a note that there is none. */
export function logTail(file, lines = 25, from = 0) {
  try {
    return readFileSync(file).subarray(from).toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/**
 * `e2eApps(name, body)`: a `node:test` test that launches its apps itself, several and each with
 * its own environment, through `launch(label, {env, dataRoot, emptyData})` (a fresh copy of the
 * demo data, an empty directory with `emptyData`, or `dataRoot`; resolves once the gallery
 * shows). `cleanup(fn)` runs `fn({passed})` at the end (stop a server, keep its data on
 * failure); `explain(fn)` adds `fn()`'s text to a failure message (a server's log). On failure
 * every app still running leaves a screenshot and its DOM under `artifacts/failures/`, the
 * message ends with the tail of each app's log (the app writes to its driver's), and the data
 * directories are kept.
 */
export function e2eApps(name, body, { timeout = 300000 } = {}) {
  return test(name, { timeout }, async (t) => {
    const apps = [];
    const roots = [];
    const cleanups = [];
    const explainers = [];
    const launch = async (label, { env = {}, dataRoot, emptyData = false } = {}) => {
      const root = dataRoot ?? (await freshDataRoot(`${label} ${name}`, { empty: emptyData }));
      if (!roots.includes(root)) roots.push(root);
      const started = Date.now();
      // The label first: app names (and so log and screenshot names) are cut to 80 characters.
      const app = await App.launch(`${label} ${name}`, { dataRoot: root, env });
      apps.push(app);
      const trove = new Trove(app);
      await trove.waitForGallery({ timeout: LAUNCH_TIMEOUT_MS });
      t.diagnostic(`${label}: launch to gallery ${Date.now() - started} ms (data: ${root})`);
      return { app, trove };
    };
    let passed = false;
    try {
      await body({ t, launch, cleanup: (fn) => cleanups.push(fn), explain: (fn) => explainers.push(fn) });
      passed = true;
    } catch (err) {
      const saved = [];
      for (const app of apps) saved.push(...(await app.saveFailureArtifacts(app.name)));
      const logs = apps.map((app) => `log of ${app.name} (${app.driverLog}), last lines:\n${logTail(app.driverLog, 25, app.driverLogStart)}`);
      for (const fn of explainers) {
        try {
          logs.push(await fn());
        } catch (e) {
          logs.push(`(could not explain: ${e.message})`);
        }
      }
      const where = `artifacts: ${saved.join(', ')}; data directories kept: ${roots.join(', ')}`;
      t.diagnostic(where);
      if (err instanceof Error) {
        const before = err.message;
        err.message += `\n  ${where}\n  ${logs.join('\n  ').split('\n').join('\n    ')}`;
        if (typeof err.stack === 'string') err.stack = err.stack.replace(before, err.message);
      }
      throw err;
    } finally {
      for (const app of apps) await app.close();
      for (const fn of cleanups.reverse()) {
        try {
          await fn({ passed });
        } catch (e) {
          t.diagnostic(`cleanup failed: ${e.message}`);
        }
      }
      if (passed) for (const root of roots) rmSync(root, { recursive: true, force: true });
    }
  });
}
