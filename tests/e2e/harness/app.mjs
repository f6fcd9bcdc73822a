//! One running Trove app under WebDriver: a data directory (fresh per test unless shared on
//! purpose), a `tauri-driver` whose environment points the app's XDG directories into it, and a
//! webdriverio session. Restarting deletes the session (the app quits) and creates a new one on
//! the same directories (the app is launched again and reads what the previous run stored).

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { remote } from 'webdriverio';
import { ensureDisplay, freePort, startProcess, stopProcess, waitForPort } from './processes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const e2eDir = path.resolve(here, '..');
export const repoRoot = path.resolve(e2eDir, '..', '..');
export const artifactsDir = process.env.TROVE_E2E_ARTIFACTS ?? path.join(e2eDir, 'artifacts');

export const appBinary = path.resolve(process.env.TROVE_APP ?? path.join(repoRoot, 'target', 'debug', 'trove'));

/** Milliseconds the app gets to show its gallery after launch (a first launch builds the demo). */
export const LAUNCH_TIMEOUT_MS = Number(process.env.TROVE_E2E_LAUNCH_TIMEOUT_MS ?? 150000);

function slug(text) {
  return text.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 80);
}

export class App {
  /** @type {import('webdriverio').Browser} */
  browser = null;
  driver = null;
  port = 0;
  launches = 0;

  constructor(name, dataRoot, extraEnv = {}) {
    this.name = slug(name);
    this.dataRoot = dataRoot;
    this.extraEnv = extraEnv;
    this.logDir = path.join(artifactsDir, 'logs');
  }

  /**
   * Start a driver and the app with its XDG directories under `dataRoot`. `env` adds variables
   * to the app's environment (the app inherits tauri-driver's), e.g. `TROVE_SERVER_URL`.
   */
  static async launch(name, { dataRoot, env = {} } = {}) {
    if (!existsSync(appBinary)) {
      throw new Error(
        `app binary ${appBinary} does not exist: build it (npm --prefix ui run build && cargo build -p trove) or set TROVE_APP`,
      );
    }
    const app = new App(name, dataRoot, env);
    try {
      await app.startDriver();
      await app.startSession();
    } catch (err) {
      await app.close();
      err.message += `\n  driver and app log: ${app.driverLog}`;
      throw err;
    }
    return app;
  }

  get env() {
    const dirs = {
      XDG_DATA_HOME: path.join(this.dataRoot, 'data'),
      XDG_CONFIG_HOME: path.join(this.dataRoot, 'config'),
      XDG_CACHE_HOME: path.join(this.dataRoot, 'cache'),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    return dirs;
  }

  async startDriver() {
    const display = await ensureDisplay(artifactsDir);
    this.port = await freePort();
    const nativePort = await freePort();
    this.driverLog = path.join(this.logDir, `${this.name}.driver.log`);
    // The log is appended to; what this app wrote starts here.
    this.driverLogStart = existsSync(this.driverLog) ? statSync(this.driverLog).size : 0;
    this.driver = startProcess('tauri-driver', ['--port', String(this.port), '--native-port', String(nativePort)], {
      // WebKit's accelerated compositing stays on under test (the app turns it off on a machine
      // without a GPU, as this one): in the other mode WebKitWebDriver's screenshot of an idle
      // page never returned (the queue test hung on its third screenshot, twice). The window
      // benchmark turns it off as the app does.
      env: {
        ...process.env,
        WEBKIT_DISABLE_COMPOSITING_MODE: process.env.WEBKIT_DISABLE_COMPOSITING_MODE ?? '0',
        ...this.env,
        ...this.extraEnv,
        DISPLAY: display,
        GDK_BACKEND: 'x11',
        NO_AT_BRIDGE: '1',
      },
      logFile: this.driverLog,
    });
    await waitForPort(this.port, { child: this.driver, what: `tauri-driver (log: ${this.driverLog})` });
    // tauri-driver listens before the WebKitWebDriver it started does; a session request in
    // between fails with a dropped connection.
    await waitForPort(nativePort, { child: this.driver, what: `WebKitWebDriver behind tauri-driver (log: ${this.driverLog})` });
  }

  async startSession() {
    this.launches += 1;
    this.browser = await remote({
      hostname: '127.0.0.1',
      port: this.port,
      path: '/',
      logLevel: process.env.TROVE_E2E_WDIO_LOG ?? 'silent',
      connectionRetryCount: 0,
      connectionRetryTimeout: 90000,
      waitforTimeout: 10000,
      waitforInterval: 50,
      capabilities: {
        alwaysMatch: {
          browserName: 'wry',
          'wdio:enforceWebDriverClassic': true,
          'tauri:options': { application: appBinary },
        },
        firstMatch: [{}],
      },
    });
  }

  /** The settings the app stored (tauri-plugin-store's settings.json), or null before any. */
  readSettings() {
    const file = path.join(this.dataRoot, 'data', 'app.trove.desktop', 'settings.json');
    try {
      return JSON.parse(readFileSync(file, 'utf8')).settings ?? null;
    } catch {
      return null;
    }
  }

  /** Quit the app and launch it again on the same data directories. */
  async restart() {
    await this.endSession();
    await this.startSession();
  }

  async endSession() {
    if (!this.browser) return;
    const browser = this.browser;
    this.browser = null;
    try {
      await browser.deleteSession();
    } catch {
      // the driver may already be gone; stopping its process group below cleans up
    }
    await this.waitForAppExit();
  }

  /** After a session ends the app quits; a relaunch must not overlap it on the same database. */
  async waitForAppExit(timeoutMs = 10000) {
    if (!this.driver || this.driver.exitCode !== null) return;
    const name = path.basename(appBinary).slice(0, 15); // ps truncates command names
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      let out = '';
      try {
        out = execFileSync('ps', ['-o', 'stat=,comm=', '-g', String(this.driver.pid)], { encoding: 'utf8' });
      } catch {
        return; // no process left in the group
      }
      const alive = out
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .some(([stat, comm]) => comm === name && stat && !stat.startsWith('Z'));
      if (!alive) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the app (${name}) did not exit within ${timeoutMs} ms after its session ended`);
  }

  async close() {
    await this.endSession();
    await stopProcess(this.driver);
    this.driver = null;
  }

  /** Keep what shows the state of a failed test: a screenshot of the window and its DOM. */
  async saveFailureArtifacts(testName) {
    const base = path.join(artifactsDir, 'failures', slug(testName));
    mkdirSync(path.dirname(base), { recursive: true });
    const saved = [];
    if (this.browser) {
      try {
        await this.browser.saveScreenshot(`${base}.png`);
        saved.push(`${base}.png`);
      } catch (err) {
        saved.push(`(screenshot failed: ${err.message.split('\n')[0]})`);
      }
      try {
        const html = await this.browser.execute(() => document.documentElement.outerHTML);
        writeFileSync(`${base}.html`, html);
        saved.push(`${base}.html`);
      } catch (err) {
        saved.push(`(DOM dump failed: ${err.message.split('\n')[0]})`);
      }
    }
    if (this.driverLog) saved.push(this.driverLog);
    return saved;
  }
}
