import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../config/loader.ts';
import { runPrintCli } from '../../drivers/printer/cli.ts';
import { memoryLogger } from '../../core/logger.ts';
import type { CliContext } from '../../config/cli-context.ts';

const root = join(fileURLToPath(import.meta.url), '../../..');

function ctx(): CliContext & { outLines: string[]; errLines: string[] } {
  const { config } = parseConfig(readFileSync(join(root, 'config/examples/demo.yaml'), 'utf8'), 'demo.yaml');
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { config, configPath: 'demo.yaml', logger: memoryLogger(), out: (l) => outLines.push(l), err: (l) => errLines.push(l), apiBase: 'http://127.0.0.1:9', interrupted: new Promise(() => undefined), outLines, errLines };
}

test('print test with the example config (backend sim) prints to the in-process emulator and shows the decoded page', async () => {
  const c = ctx();
  assert.equal(c.config.printer.backend, 'sim');
  const rc = await runPrintCli(['test'], c);
  assert.equal(rc, 0, c.errLines.join('\n'));
  const out = c.outLines.join('\n');
  assert.match(out, /\| \[B 2x2\] +打印机测试页/);
  assert.match(out, /\| 窗口：A07 综合受理窗口/);
  assert.match(out, /\| \[QR M\/5\] counter-edge test A07/);
  assert.match(out, /\| \[RASTER 384x24\]/, 'the rare character line went out as an image');
  assert.match(out, /\| \[CUT partial\]/);
});

test('print preview writes only the PNG and prints the text preview', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'print-preview-'));
  try {
    const c = ctx();
    const png = join(dir, 'paper.png');
    const rc = await runPrintCli(['preview', join(root, 'drivers/printer/examples/acceptance-notice.json'), '--out', png, '--paper', '80'], c);
    assert.equal(rc, 0, c.errLines.join('\n'));
    assert.deepEqual(readdirSync(dir), ['paper.png']);
    assert.equal(readFileSync(png).subarray(1, 4).toString(), 'PNG');
    assert.match(c.outLines.join('\n'), /受  理  通  知  书/);
    assert.match(c.outLines.join('\n'), /^承诺办结时限：\s+5个工作日$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('print preview names the file and the problem for bad input', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'print-preview-'));
  try {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ blocks: [{ type: 'qr' }] }));
    let c = ctx();
    assert.equal(await runPrintCli(['preview', bad, '--out', join(dir, 'x.png')], c), 1);
    assert.match(c.errLines.join('\n'), /bad\.json: invalid print document: \/blocks\/0/);
    assert.equal(existsSync(join(dir, 'x.png')), false);
    c = ctx();
    assert.equal(await runPrintCli(['preview', join(dir, 'missing.json')], c), 1);
    assert.match(c.errLines.join('\n'), /missing\.json: ENOENT/);
    c = ctx();
    assert.equal(await runPrintCli(['frobnicate'], c), 2);
    assert.match(c.errLines.join('\n'), /usage: counter-edge print test/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
