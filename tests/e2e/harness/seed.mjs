//! Data directories for tests. A first launch builds the demo project (thousands of generated
//! thumbnails), which takes far longer than the app itself needs to start. So the harness lets
//! the app do that once per binary, into a seed directory (`artifacts/seed/<binary size-mtime>`),
//! and gives every test a fresh copy of the demo data it made (database and thumbnails only), in
//! a directory no other test touches. `TROVE_E2E_NO_SEED=1` gives every test an empty directory instead.

import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/**
 * Copy what the demo build made (the database and the thumbnail cache), nothing else: WebKit's
 * storage and the settings start empty, as on a first launch. Thumbnails are content-addressed
 * and never rewritten in place, so they are hard-linked when the file system allows it.
 */
function copyDemo(fromData, toData) {
  const app = 'app.trove.desktop';
  const from = path.join(fromData, app);
  const to = path.join(toData, app);
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (/^trove\.db(-wal|-shm)?$/.test(name)) copyFileSync(path.join(from, name), path.join(to, name));
  }
  const link = (src, dst) => {
    for (const entry of readdirSync(src, { withFileTypes: true })) {
      const a = path.join(src, entry.name);
      const b = path.join(dst, entry.name);
      if (entry.isDirectory()) {
        mkdirSync(b, { recursive: true });
        link(a, b);
      } else {
        try {
          linkSync(a, b);
        } catch {
          copyFileSync(a, b);
        }
      }
    }
  };
  if (existsSync(path.join(from, 'thumbs'))) {
    mkdirSync(path.join(to, 'thumbs'), { recursive: true });
    link(path.join(from, 'thumbs'), path.join(to, 'thumbs'));
  }
}

/** A fresh data root for one test: the demo copied from the seed, or empty (`empty`, NO_SEED). */
export async function freshDataRoot(name, { empty = false } = {}) {
  const root = emptyDataRoot(name);
  if (empty || process.env.TROVE_E2E_NO_SEED === '1') return root;
  const from = await seed();
  copyDemo(path.join(from, 'data'), path.join(root, 'data'));
  return root;
}
