//! The import fixture (crates/import/src/fixture.rs: every picture format, a nested folder,
//! hidden files, a corrupt and an empty file, links leading outside and inside, a copy, an
//! EXIF-rotated JPEG, a video), written by its Rust example so the tests and the crate agree.

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './app.mjs';

/** What the fixture becomes when imported: nine items, two copies, two refused files. */
export const FIXTURE = { indexed: 9, duplicates: 2, failed: 2 };

/** Writes the fixture under a new temporary folder; returns it (`dir`, to remove) and the folder
 * to import (`pictures`). */
export function fixtureFolder(prefix = 'trove-import-') {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  execFileSync('cargo', ['run', '--quiet', '--locked', '-p', 'trove-import', '--features', 'fixture', '--example', 'fixture', '--', dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { dir, pictures: path.join(dir, 'pictures') };
}
