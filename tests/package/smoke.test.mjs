// The installed package: `apt-get install ./trove_*.deb` put usr/bin/trove, a desktop entry and
// an icon in place, and the installed binary, started on an empty data directory (a first
// launch), opens its window into the demo. Run by tests/package/run.sh with TROVE_APP=/usr/bin/trove.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { e2e, DEMO } from '../e2e/harness/index.mjs';

test('the package installed the binary, a desktop entry that starts it and opens trove:// links, and its icon', () => {
  assert.ok(existsSync('/usr/bin/trove'), '/usr/bin/trove is installed');
  const entry = readFileSync('/usr/share/applications/Trove.desktop', 'utf8');
  // `%u`: a clicked trove:// link is passed to the app (the deep links of "Copy link").
  assert.match(entry, /^Exec=trove %u$/m);
  assert.match(entry, /^MimeType=x-scheme-handler\/trove;$/m);
  assert.match(entry, /^Icon=trove$/m);
  assert.match(entry, /^Type=Application$/m);
  assert.ok(existsSync('/usr/share/icons/hicolor/256x256/apps/trove.png'), 'the icon is installed');
});

e2e(
  'the installed app opens into the demo on its first launch',
  async ({ trove }) => {
    await trove.expectResultCount(DEMO.total);
    assert.equal(await trove.projectName(), 'Demo: street and park photos');
    await trove.datasetFacet('city');
  },
  { emptyData: true },
);
