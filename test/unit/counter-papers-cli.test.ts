// `counter-edge paper preview KIND --fields FILE --out PAPER.png`: a template filled as printed.
// 001_3340ef5167649bf2.txt (受理通知书 with the pick-up date), 行政许可法 §32 (不予受理: reasons required).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../config/loader.ts';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import type { CliContext } from '../../config/cli-context.ts';
import { paperCli } from '../../device/paper-cli.ts';
import { cliCommands } from '../../device/cli-commands.ts';
import { testCalendar } from './counter-service-fixture.ts';

const root = join(fileURLToPath(import.meta.url), '../../..');
function ctx(): CliContext & { outLines: string[]; errLines: string[] } {
  const { config } = parseConfig(readFileSync(join(root, 'config/examples/demo.yaml'), 'utf8'), 'demo.yaml');
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { config, configPath: 'demo.yaml', logger: memoryLogger(), out: (l) => outLines.push(l), err: (l) => errLines.push(l), apiBase: 'http://127.0.0.1:9', interrupted: new Promise(() => undefined), outLines, errLines };
}
const cli = paperCli({ clock: new ManualClock(Date.parse('2026-10-09T10:00:00+08:00')), calendar: testCalendar });

test('paper preview fills the template from a YAML fields file, prints the text and writes the PNG', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paper-preview-'));
  try {
    const fields = join(dir, 'acc.yaml');
    writeFileSync(fields, 'applicant: 李娜\ncase_id: ZW2026100900031\nitem_name: 食品经营许可\nstaff_name: 王敏\njob_number: "0123"\npromised_working_days: 2\n');
    const png = join(dir, 'acc.png');
    const c = ctx();
    const rc = await cli(['preview', 'acceptance', '--fields', fields, '--out', png], c);
    assert.equal(rc, 0, c.errLines.join('\n'));
    const text = c.outLines.join('\n');
    assert.match(text, /承诺办结：2026年10月12日/, 'counted on the hall calendar: the 调休 Saturday 10/10 works');
    assert.match(text, /受理人  ：王敏（工号0123）/);
    assert.match(text, /〔2026〕第0001号/);
    assert.deepEqual([...readFileSync(png).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(cliCommands.paper !== undefined, true, 'dispatched by device/main.ts as `paper`');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('paper preview names the missing fields, a bad fields file and a wrong usage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paper-preview-'));
  try {
    const fields = join(dir, 'f.json');
    writeFileSync(fields, JSON.stringify({ applicant: '李娜', item_name: '食品经营许可', staff_name: '王敏', job_number: '0123' }));
    let c = ctx();
    assert.equal(await cli(['preview', 'rejection', '--fields', fields], c), 1);
    assert.deepEqual(c.errLines, ['paper preview rejection: template rejection: missing fields reasons, review_agency, court']);
    writeFileSync(fields, '- just\n- a list\n');
    c = ctx();
    assert.equal(await cli(['preview', 'receipt', '--fields', fields], c), 1);
    assert.deepEqual(c.errLines, [`paper preview: --fields ${fields}: must be a mapping of field names to values`]);
    c = ctx();
    assert.equal(await cli(['preview', 'receipt'], c), 2);
    assert.match(c.errLines[0]!, /^usage: counter-edge paper preview KIND --fields FILE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('paper schema prints the template JSON Schema', async () => {
  const c = ctx();
  assert.equal(await cli(['schema'], c), 0);
  const schema = JSON.parse(c.outLines.join('\n')) as { title: string; required: string[] };
  assert.equal(schema.title, 'paper template');
  assert.deepEqual(schema.required, ['kind', 'title', 'numbered', 'number_format', 'required', 'blocks']);
});

test('the example fields files in config/templates/fields/ preview without error', async () => {
  for (const kind of ['acceptance', 'one_time_notice']) {
    const c = ctx();
    const rc = await cli(['preview', kind, '--fields', join(root, `config/templates/fields/${kind}.yaml`)], c);
    assert.equal(rc, 0, c.errLines.join('\n'));
    assert.ok(c.outLines.join('\n').includes('李娜'), kind);
  }
});
