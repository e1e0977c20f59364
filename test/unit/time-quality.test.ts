import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeQualityProbe } from '../../core/time-quality.ts';
import { ManualClock } from '../../core/clock.ts';
import { ManualScheduler } from '../../core/scheduler.ts';

test('time quality: ntp when timesyncd says synchronised, rtc with a clock chip, else unsynced', async () => {
  const present = new Set<string>();
  const probe = new TimeQualityProbe({ scheduler: new ManualScheduler(new ManualClock()), syncedFlag: '/s', rtcDevice: '/r', exists: async (p) => present.has(p), ntpSynchronized: async () => undefined });
  assert.equal(await probe.check(), 'unsynced');
  present.add('/r');
  assert.equal(await probe.check(), 'rtc');
  present.add('/s');
  assert.equal(await probe.check(), 'ntp');
  assert.equal(probe.current(), 'ntp');
});

test('time quality: asked again on the scheduler every intervalMs, and not after stop', async () => {
  const scheduler = new ManualScheduler(new ManualClock());
  const present = new Set<string>();
  let asked = 0;
  const probe = new TimeQualityProbe({ scheduler, intervalMs: 30_000, syncedFlag: '/s', rtcDevice: '/r', exists: async (p) => { asked++; return present.has(p); }, ntpSynchronized: async () => undefined });
  await probe.start();
  assert.equal(probe.current(), 'unsynced');
  present.add('/s');
  await scheduler.advanceAsync(29_999);
  assert.equal(probe.current(), 'unsynced', 'not asked before the interval is over');
  await scheduler.advanceAsync(1);
  assert.equal(probe.current(), 'ntp', 'NTP sync seen at the next check');
  probe.stop();
  const before = asked;
  await scheduler.advanceAsync(120_000);
  assert.equal(asked, before, 'a stopped probe asks nothing');
  assert.equal(scheduler.pending(), 0);
});

test('time quality: chrony or ntpd keep the clock (no timesyncd flag) → ntp when timedated says NTPSynchronized=yes', async () => {
  let answer: string | undefined = 'no';
  const probe = new TimeQualityProbe({ scheduler: new ManualScheduler(new ManualClock()), syncedFlag: '/s', rtcDevice: '/r',
    exists: async () => false, ntpSynchronized: async () => answer });
  assert.equal(await probe.check(), 'unsynced');
  answer = 'yes';
  assert.equal(await probe.check(), 'ntp');
  answer = undefined; // no timedated (a container): no claim either way
  assert.equal(await probe.check(), 'unsynced');
});
