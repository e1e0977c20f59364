// The unit file is part of the product: check it parses and keeps its hardening score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const unit = new URL('../../systemd/counter-edge.service', import.meta.url).pathname;
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

test('the unit declares notify, watchdog, restart limits, state and config directories', () => {
  const text = readFileSync(unit, 'utf8');
  for (const line of ['Type=notify', 'Restart=on-failure', 'StateDirectory=counter-edge', 'ConfigurationDirectory=counter-edge', 'User=counter-edge', 'ExecReload=/bin/kill -HUP $MAINPID']) {
    assert.ok(text.includes(line), line);
  }
  assert.match(text, /^WatchdogSec=\d+s$/m);
  assert.match(text, /^StartLimitBurst=\d+$/m);
  assert.match(text, /^SupplementaryGroups=.*\bgpio\b.*\bspi\b.*\bdialout\b.*\blp\b.*\binput\b/m);
});

test('systemd-analyze security --offline: exposure ≤ 3.5', { skip: hasAnalyze ? false : 'systemd-analyze not installed (.ci/run installs systemd)' }, () => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], { encoding: 'utf8' });
  const m = /Overall exposure level for counter-edge\.service: ([\d.]+)/.exec(r.stdout + r.stderr);
  assert.ok(m, r.stdout + r.stderr);
  assert.ok(Number(m[1]) <= 3.5, `exposure ${m[1]}`);
});
