// Server settings: the warning a person sees before sending an API token unencrypted to another
// machine (issue 9), and its absence for this machine.

import assert from 'node:assert/strict';
import { e2e } from '../harness/index.mjs';

e2e('Server settings warn when the token would travel unencrypted to another host', async ({ trove }) => {
  await (await trove.$('[data-testid="server-settings"]')).click();
  await trove.dialog('Server settings');
  const url = await trove.$('[data-testid="server-url"]');
  const warning = () => trove.$('[data-testid="server-url-plain-http"]').then((w) => w.isExisting());

  await url.setValue('http://10.1.2.3:8470');
  await trove.waitFor('the plain-http warning', warning);
  const text = await (await trove.$('[data-testid="server-url-plain-http"]')).getText();
  assert.match(text, /unencrypted/i, text);

  await url.setValue('https://trove.example.org');
  await trove.waitFor('no warning for https', async () => !(await warning()));
  await url.setValue('http://127.0.0.1:8470');
  await trove.waitFor('no warning for this machine', async () => !(await warning()));
});
