//! A real `trove-server` for the sync tests: a data directory of its own, accounts and a small
//! project made with the server's command line, `serve` started and stopped (SIGTERM) on a fixed
//! port so an app that knew it before finds it again, and the REST API read with a token.
//! Knows nothing about the app's window.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { artifactsDir, repoRoot } from './app.mjs';
import { freePort, startProcess, stopProcess } from './processes.mjs';

export const serverBinary = path.resolve(
  process.env.TROVE_SERVER_BIN ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target'), 'debug', 'trove-server'),
);

function slug(text) {
  return text.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 80);
}

export class TroveServer {
  child = null;
  port = 0;
  starts = 0;

  constructor(name) {
    if (!existsSync(serverBinary)) {
      throw new Error(`server binary ${serverBinary} does not exist: build it (cargo build -p trove-server) or set TROVE_SERVER_BIN`);
    }
    this.name = slug(name);
    this.root = mkdtempSync(path.join(os.tmpdir(), `trove-e2e-server-${this.name.slice(0, 30)}-`));
    this.dataDir = path.join(this.root, 'data');
    this.logFile = path.join(artifactsDir, 'logs', `${this.name}.server.log`);
    mkdirSync(path.dirname(this.logFile), { recursive: true });
    writeFileSync(this.logFile, '');
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get running() {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Runs a `trove-server --data DIR ...` command (accounts, tokens, imports); returns stdout. */
  cli(...args) {
    try {
      return execFileSync(serverBinary, ['--data', this.dataDir, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, RUST_LOG: 'warn' },
      }).trim();
    } catch (err) {
      throw new Error(`trove-server ${args.join(' ')} failed (${err.status}): ${err.stderr || err.stdout || err.message}`);
    }
  }

  /** `user add NAME --org ORG --role ROLE`, then a token for the user (returned). */
  addUser(name, { org, role = 'editor' } = {}) {
    this.cli('user', 'add', name, ...(org ? ['--org', org, '--role', role] : []));
    const token = this.cli('token', 'create', '--user', name).split('\n').pop().trim();
    if (!/^trove_\w+$/.test(token)) throw new Error(`token create --user ${name} printed ${JSON.stringify(token)}, not a token`);
    return token;
  }

  /** Imports Hub entries (`[{type, id, name?, tags?}]`) as project `namespace/project`. */
  importHub(namespace, project, entries) {
    const file = path.join(this.root, `${slug(project)}.json`);
    writeFileSync(file, JSON.stringify(entries));
    return this.cli('catalog', 'import', '--namespace', namespace, '--project', project, '--hub', file);
  }

  /**
   * Starts `serve` on 127.0.0.1:`port` (a free one the first time, the same one after a stop)
   * and waits until it says it listens.
   */
  async start({ timeoutMs = 30000 } = {}) {
    if (this.running) return;
    if (!this.port) this.port = await freePort();
    this.starts += 1;
    const from = readFileSync(this.logFile, 'utf8').length;
    writeFileSync(this.logFile, `\n--- start ${this.starts} on port ${this.port} ---\n`, { flag: 'a' });
    this.child = startProcess(serverBinary, ['--data', this.dataDir, 'serve', '--listen', `127.0.0.1:${this.port}`], {
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' },
      logFile: this.logFile,
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const log = readFileSync(this.logFile, 'utf8').slice(from);
      if (log.includes('trove-server listening on http://')) return;
      if (!this.running) {
        throw new Error(`trove-server exited (${this.child.exitCode ?? this.child.signalCode}) before listening on port ${this.port}:\n${this.logTail()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`trove-server did not say it listens on port ${this.port} within ${timeoutMs} ms:\n${this.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM (SIGKILL after a grace period); the port is kept for the next start. */
  async stop() {
    const child = this.child;
    this.child = null;
    await stopProcess(child, 5000);
  }

  /** `GET /api/v1{path}` as the holder of `token`; the parsed JSON, or an error naming the status. */
  async get(apiPath, token) {
    const res = await fetch(`${this.url}/api/v1${apiPath}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET /api/v1${apiPath} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text);
  }

  /** The project `namespace/name` as the server lists it for `token`. */
  async project(namespace, name, token) {
    const projects = await this.get('/projects', token);
    const found = projects.find((p) => p.namespace === namespace && p.name === name);
    if (!found) throw new Error(`GET /api/v1/projects lists no ${namespace}/${name}: ${JSON.stringify(projects.map((p) => `${p.namespace}/${p.name}`))}`);
    return found;
  }

  /**
   * The environment of an app managed to sync with this server as the holder of `token`
   * (TROVE_SERVER_URL, TROVE_TOKEN), opening `project` (`namespace/name`) at start and syncing
   * every second.
   */
  appEnv(token, project) {
    return { TROVE_SERVER_URL: this.url, TROVE_TOKEN: token, TROVE_PROJECT: project, TROVE_SYNC_INTERVAL_MS: '1000' };
  }

  /** The last lines of the server's log, for failure messages. */
  logTail(lines = 30) {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  /** Stops the server; removes its data unless `keep` (a failed test keeps it to look at). */
  async close({ keep = false } = {}) {
    await this.stop();
    if (!keep) rmSync(this.root, { recursive: true, force: true });
  }
}
