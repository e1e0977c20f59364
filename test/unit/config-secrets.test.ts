// The MQTT password never shows in config error text: the YAML parser's messages quote the source
// (an inline password starting with * > | or ] came out whole), and from there the text went to the
// log, the config.rejected event (outbox, MQTT, /api/events) and the config.reload cmd_res.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, ConfigError, formatIssue } from '../../config/loader.ts';
import { reloadConfig } from '../../device/reload.ts';
import type { App, AppContext } from '../../device/app.ts';
import { memoryLogger } from '../../core/logger.ts';

const SECRET = 'Pw9xQ7zK';
/** The four from the report, then the other YAML indicators a value can start with. */
const STARTS = ['*', '>', '|', ']', '[', '{', '}', '!', '&', '%', '@', '`', ',', '"', "'"];

const configWith = (password: string, indentOthers = true) => [
  'window:', '  id: A07', 'mqtt:', '  url: mqtt://127.0.0.1:1883',
  `  password: ${password}`, ...(indentOthers ? ['  username: A07', '  keepalive_s: 30'] : []), 'api:', '  port: 0', '',
].join('\n');

/** No 4 characters in a row of the secret anywhere in the text. */
function assertNoSecret(text: string, what: string): void {
  for (let i = 0; i + 4 <= SECRET.length; i++) assert.ok(!text.includes(SECRET.slice(i, i + 4)), `${what} quotes the password: ${text}`);
}

test('an inline password that breaks the YAML is refused by position, never quoted', () => {
  for (const c of STARTS) {
    for (const password of [`${c}${SECRET}`, `${c}${SECRET}${c}tail`, `${c} ${SECRET}`]) {
      let err: unknown;
      try { parseConfig(configWith(password), 'p.yaml'); } catch (e) { err = e; }
      if (err === undefined) continue; // valid YAML (e.g. `@` is only a warning in some parsers): nothing to leak
      assert.ok(err instanceof ConfigError, `${JSON.stringify(password)}: ${String(err)}`);
      assertNoSecret(err.message, `start ${JSON.stringify(c)}`);
      assertNoSecret(JSON.stringify(err.issues), `start ${JSON.stringify(c)}`);
      for (const i of err.issues) assert.match(formatIssue(i), /^p\.yaml:\d+:\d+ /);
    }
  }
  // The four reported characters do make the file invalid (so the test above tested them).
  for (const c of ['*', '>', '|', ']']) assert.throws(() => parseConfig(configWith(`${c}${SECRET}${c}x`), 'p.yaml'), ConfigError, c);
});

test('config reload with such a file: the log, config.rejected and the reload answer carry no part of the password', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-secret-'));
  try {
    for (const c of ['*', '>', '|', ']']) {
      const file = join(dir, 'config.yaml');
      writeFileSync(file, configWith(`${c}${SECRET}${c}x`));
      const logger = memoryLogger();
      const appended: unknown[] = [];
      const ctx = { logger, append: (e: unknown) => { appended.push(e); } } as unknown as AppContext;
      const running = { hash: 'x', config: {} as never };
      const result = await reloadConfig({} as App, ctx, file, {}, running);
      assert.equal(result.status, 'rejected', c);
      assert.ok(result.errors?.length, c);
      assert.match(result.errors![0]!, /config\.yaml:\d+:\d+ /, 'the answer says where');
      assertNoSecret(JSON.stringify(result), `reload answer (${c})`);
      assertNoSecret(JSON.stringify(logger.records), `log (${c})`);
      assert.equal((appended[0] as { type: string }).type, 'config.rejected');
      assertNoSecret(JSON.stringify(appended), `config.rejected event (${c})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
