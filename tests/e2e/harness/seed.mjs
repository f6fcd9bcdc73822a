//! Data directories for tests. A first launch builds the demo project (thousands of generated
//! thumbnails), which takes far longer than the app itself needs to start. So the harness lets
//! the app do that once per binary, into a seed directory (`artifacts/seed/<binary size-mtime>`),
//! and gives every test a fresh copy of it: the same state a first launch leaves, in a directory
//! no other test touches. `TROVE_E2E_NO_SEED=1` gives every test an empty directory instead.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, appBinary, artifactsDir, LAUNCH_TIMEOUT_MS } from './app.mjs';
import { Trove } from './trove.mjs';

const seedsDir = path.join(artifactsDir, 'seed');

function seedKey() {
  const st = statSync(appBinary);
  return `${st.size}-${Math.floor(st.mtimeMs)}`;
}

/** The seed for the current binary, made by launching the app once on an empty directory. */
async function seed() {
  const dir = path.join(seedsDir, seedKey());
  if (existsSync(path.join(dir, 'ready'))) return dir;
  mkdirSync(seedsDir, { recursive: true });
  for (const old of readdirSync(seedsDir)) rmSync(path.join(seedsDir, old), { recursive: true, force: true });
  const building = `${dir}.building-${process.pid}`;
  const app = await App.launch('seed', { dataRoot: building });
  try {
    await new Trove(app).waitForGallery({ timeout: LAUNCH_TIMEOUT_MS });
  } finally {
    await app.close();
  }
  rmSync(path.join(building, 'cache'), { recursive: true, force: true });
  writeFileSync(path.join(building, 'ready'), `${appBinary}\n`);
  renameSync(building, dir);
  return dir;
}

export function emptyDataRoot(name) {
  return mkdtempSync(path.join(os.tmpdir(), `trove-e2e-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 30)}-`));
}

/** A fresh data root for one test: a copy of the seed, or empty when `empty` or NO_SEED. */
export async function freshDataRoot(name, { empty = false } = {}) {
  const root = emptyDataRoot(name);
  if (empty || process.env.TROVE_E2E_NO_SEED === '1') return root;
  const from = await seed();
  cpSync(path.join(from, 'data'), path.join(root, 'data'), { recursive: true });
  if (existsSync(path.join(from, 'config'))) cpSync(path.join(from, 'config'), path.join(root, 'config'), { recursive: true });
  return root;
}
