// The AppImage (scripts/appimage): one file that, started on an empty data directory (a first
// launch), opens its window into the demo. Run by tests/package/run.sh with TROVE_APP set to
// the AppImage and APPIMAGE_EXTRACT_AND_RUN=1 (CI machines have no FUSE mount rights).

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { e2e, DEMO } from '../e2e/harness/index.mjs';

e2e(
  'the AppImage opens into the demo on its first launch',
  async ({ trove }) => {
    assert.ok(statSync(process.env.TROVE_APP).mode & 0o111, 'the AppImage is executable');
    await trove.expectResultCount(DEMO.total);
    assert.equal(await trove.projectName(), 'Demo: street and park photos');
    await trove.datasetFacet('city');
  },
  { emptyData: true },
);
