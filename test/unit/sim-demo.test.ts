// The simulator's server side added for the demo: the demo clock's start and speed, the paper roll
// decoded from ESC/POS bytes, and the MQTT link switch refused outside the simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDemoSpeed, startOfDemo } from '../../device/simulator/demo-time.ts';
import { EscPosEmulator } from '../../drivers/printer/emulator-core.ts';
import { rollOf } from '../../drivers/printer/roll.ts';
import { startCounter } from '../helpers/counter-harness.ts';

test('--start HH:MM is that time today in the hall offset, also when UTC is still on the previous day', () => {
  // 2026-12-01T21:30Z is 05:30 on 2 December in Beijing (+08:00).
  const now = Date.parse('2026-12-01T21:30:00Z');
  assert.equal(startOfDemo('08:30', now, 480), Date.parse('2026-12-02T08:30:00+08:00'));
  assert.equal(startOfDemo('0:05', now, 0), Date.parse('2026-12-01T00:05:00Z'));
  assert.throws(() => startOfDemo('8.30', now, 480), /--start must be HH:MM/);
  assert.throws(() => startOfDemo('24:00', now, 480), /--start must be HH:MM/);
});

test('--speed: a positive number up to the demo maximum', () => {
  assert.equal(parseDemoSpeed('60'), 60);
  assert.equal(parseDemoSpeed('0.5'), 0.5);
  for (const bad of ['0', '-3', 'fast', '1e9', '']) assert.throws(() => parseDemoSpeed(bad), /--speed must be/, bad);
});

test('the roll: papers split at the cut, newest first, rasters as their 1-bit rows', () => {
  const printer = new EscPosEmulator();
  const raster = Buffer.from([0x1d, 0x76, 0x30, 0, 1, 0, 2, 0, 0b10000001, 0b01111110]); // 8×2 dots
  printer.receive(Buffer.concat([
    Buffer.from('first\n', 'latin1'), raster, Buffer.from([0x1d, 0x56, 0x42, 0]),
    Buffer.from([0x1b, 0x45, 1]), Buffer.from('second\n', 'latin1'),
  ]));
  const roll = rollOf(printer.items(), 30);
  assert.equal(roll.total, 2);
  assert.deepEqual(roll.papers.map((p) => [p.n, p.cut]), [[2, false], [1, true]]);
  assert.deepEqual(roll.papers[0]!.lines, [{ kind: 'text', text: 'second', bold: true, width: 1, height: 1, align: 'left' }]);
  assert.deepEqual(roll.papers[1]!.lines, [
    { kind: 'text', text: 'first', bold: false, width: 1, height: 1, align: 'left' },
    { kind: 'raster', width: 8, height: 2, bits_base64: Buffer.from([0b10000001, 0b01111110]).toString('base64') },
  ]);
  assert.equal(rollOf(printer.items(), 1).papers.length, 1, 'only the newest papers are kept');
});

test('POST /api/sim/link switches the link only with api.simulator on; the clock refuses without a demo clock', async () => {
  for (const simulator of [false, true]) {
    const h = await startCounter({ config: { api: { simulator }, fingerprint: { enabled: false }, printer: { enabled: false }, eink: { enabled: false } } });
    try {
      // The harness's MQTT port has no link switch: give it one that records what it is told.
      const switched: boolean[] = [];
      Object.assign(h.mqtt, { setLinkOnline: (online: boolean) => { switched.push(online); } });
      const cut = await h.api('POST', '/api/sim/link', { online: false });
      if (!simulator) {
        assert.equal(cut.status, 403);
        assert.match(JSON.stringify(cut.json), /simulator only/);
        assert.deepEqual(switched, []);
        continue;
      }
      assert.equal(cut.status, 200);
      assert.equal((await h.api('POST', '/api/sim/link', { online: 'no' })).status, 400);
      assert.equal((await h.api('POST', '/api/sim/link', { online: true })).status, 200);
      assert.deepEqual(switched, [false, true]);
      const clock = await h.api('POST', '/api/sim/clock', { speed: 60 });
      assert.equal(clock.status, 409);
      assert.match(JSON.stringify(clock.json), /system clock/);
      assert.deepEqual((await h.api('GET', '/api/sim/clock', undefined)).json, { demo: false, speed: 1, now: '2026-11-23T08:30:00.000+08:00', max_speed: 3600 });
    } finally {
      await h.stop();
    }
  }
});
