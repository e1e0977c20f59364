import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { memoryLogger } from '../../core/logger.ts';
import type { CliContext } from '../../config/cli-context.ts';
import type { Config } from '../../config/schema.ts';
import { ButtonsConfigSchema } from '../../drivers/buttons/config.ts';
import { makeRunHwButtons } from '../../drivers/buttons/cli.ts';
import { EV_KEY, encodeInputEvent } from '../../drivers/buttons/evdev-decoder.ts';

function ctxFor(buttons: unknown) {
  const out: string[] = [];
  const err: string[] = [];
  let interrupt!: () => void;
  const interrupted = new Promise<void>((r) => { interrupt = r; });
  const ctx: CliContext = {
    config: { buttons: Value.Default(ButtonsConfigSchema, buttons) } as unknown as Config,
    configPath: 'test.yaml', logger: memoryLogger(), out: (l) => out.push(l), err: (l) => err.push(l), apiBase: 'http://127.0.0.1:1', interrupted,
  };
  return { ctx, out, err, interrupt };
}

test('hw buttons prints one line per event from the configured device until interrupted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hw-buttons-'));
  const fifo = join(dir, 'event0');
  execFileSync('mkfifo', [fifo]);
  const writer = openSync(fifo, constants.O_RDWR);
  t.after(() => { closeSync(writer); rmSync(dir, { recursive: true, force: true }); });
  const { ctx, out, interrupt } = ctxFor({
    backend: 'evdev', keys: ['good', 'bad'], debounce_ms: 0,
    evdev: { device: fifo, codes: { good: 'KEY_1', bad: 'KEY_2' }, grab: false },
  });
  const run = makeRunHwButtons({ io: { evdev: { layout: 24 } } })(['--raw'], ctx);
  const until = async (re: RegExp) => {
    for (let i = 0; i < 500 && !out.some((l) => re.test(l)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(out.some((l) => re.test(l)), `no line matching ${re} in:\n${out.join("\n")}`);
  };
  await until(/status ok/);
  writeSync(writer, Buffer.concat([1, 0].map((value) => encodeInputEvent({ sec: 1, usec: 0, type: EV_KEY, code: 3, value }, 24))));
  await until(/release bad held \d+ ms/);
  interrupt();
  assert.equal(await run, 0);
  const events = out.filter((l) => /^\+\d+\.\d{3}s (raw|press|release)/.test(l)).map((l) => l.replace(/^\+\S+ /, '').replace(/ held \d+ ms/, ''));
  assert.deepEqual(events, ['raw     bad down', 'press   bad', 'raw     bad up', 'release bad']);
  assert.equal(out.at(-1), 'stopped');
});

test('hw buttons refuses a config with broken mappings, naming file and key path', async () => {
  const { ctx, err } = ctxFor({ backend: 'onoff', keys: ['good', 'bad'], onoff: { pins: { good: 17 } } });
  assert.equal(await makeRunHwButtons()([], ctx), 2);
  assert.deepEqual(err, ["test.yaml: buttons.onoff.pins: no mapping for key 'bad'"]);
  const { ctx: ctx2, err: err2 } = ctxFor({});
  assert.equal(await makeRunHwButtons()(['--bogus'], ctx2), 2);
  assert.match(err2[0] ?? '', /unknown option --bogus/);
});
