import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeQualityProbe } from '../../core/time-quality.ts';

test('time quality: ntp when timesyncd says synchronised, rtc with a clock chip, else unsynced', async () => {
  const present = new Set<string>();
  const probe = new TimeQualityProbe({ syncedFlag: '/s', rtcDevice: '/r', exists: async (p) => present.has(p) });
  assert.equal(await probe.check(), 'unsynced');
  present.add('/r');
  assert.equal(await probe.check(), 'rtc');
  present.add('/s');
  assert.equal(await probe.check(), 'ntp');
  assert.equal(probe.current(), 'ntp');
});
