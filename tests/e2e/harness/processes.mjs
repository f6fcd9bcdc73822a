//! Processes the end-to-end tests need: an X display (Xvfb when `DISPLAY` is unset) and one
//! `tauri-driver` per app data directory. Every process is started in its own process group and
//! killed with that group, so the WebKitWebDriver and the app it launched go with it, even when
//! a test fails or the runner is interrupted. Knows nothing about Trove's UI.

import { spawn } from 'node:child_process';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const started = new Set();

function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function killAllNow() {
  for (const child of started) killGroup(child, 'SIGKILL');
  started.clear();
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllNow();
    process.exit(130);
  });
}

/** Start `command` in its own process group; stdout and stderr go to `logFile`. */
export function startProcess(command, args, { env, logFile, extraStdio = [] } = {}) {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, {
    env,
    detached: true,
    stdio: ['ignore', log, log, ...extraStdio],
  });
  closeSync(log);
  child.unref();
  started.add(child);
  child.on('exit', () => started.delete(child));
  child.on('error', () => started.delete(child));
  return child;
}

/** SIGTERM the process group, then SIGKILL it if it is still there after `graceMs`. */
export async function stopProcess(child, graceMs = 3000) {
  if (!child) return;
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', resolve);
  });
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // The group may outlive its leader (the app launched by WebKitWebDriver).
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // nothing left
  }
  started.delete(child);
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, { timeoutMs = 15000, child, what = 'process' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening on port ${port}`);
    }
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let display = null;

/**
 * The X display to run the app on: `DISPLAY` when it is set, otherwise a private Xvfb
 * (1400x900x24) that lives as long as this test process. Xvfb picks a free display number
 * itself (`-displayfd`), so parallel runs do not collide.
 */
export async function ensureDisplay(artifactsDir) {
  if (process.env.DISPLAY) return process.env.DISPLAY;
  if (display) return display;
  const child = startProcess(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1400x900x24', '-nolisten', 'tcp'],
    { env: process.env, logFile: path.join(artifactsDir, 'logs', 'xvfb.log'), extraStdio: ['pipe'] },
  );
  const number = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not report a display within 10 s')), 10000);
    child.stdio[3].on('data', (chunk) => {
      text += chunk.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(text.trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited with ${code}; see ${artifactsDir}/logs/xvfb.log`));
    });
  });
  child.stdio[3].destroy();
  display = `:${number}`;
  return display;
}

/** True when this process started the Xvfb it uses (then `import -window root` shows only us). */
export function ownsDisplay() {
  return display !== null;
}
