// The print queue in the whole counter (test/helpers/counter-harness.ts): cmd/print through the real
// command processor, print.done from the simulated printer, and a printer swapped by config reloads.
// Rule: an accepted receipt must not get lost (seed 000_f893b926b189d24e.txt, "递上一份业务办理回执").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../config/schema.ts';
import { EscPosPrinter } from '../../drivers/printer/driver.ts';
import { startCounter, waitFor, type CounterHarness } from '../helpers/counter-harness.ts';

const doc = (text: string) => ({ blocks: [{ type: 'text', text }] });
const simOf = (h: CounterHarness) => {
  const d = h.app.context().drivers.printer.current();
  assert.ok(d instanceof EscPosPrinter && d.sim, 'the sim printer runs');
  return d.sim;
};
/** A reload that changes only the printer section (what reload.ts hands the app). */
const reloadPrinter = (h: CounterHarness, printer: Partial<Config['printer']>) =>
  h.app.applyDriverConfig({ ...h.app.currentConfig, printer: { ...h.app.currentConfig.printer, ...printer } }, ['printer']);

test('cmd/print prints on the sim printer; after a reload replaces the printer the queue prints on the new one', async () => {
  const h = await startCounter({ config: { fingerprint: { enabled: false }, eink: { enabled: false }, buttons: { enabled: false } } });
  try {
    const first = await h.command('print', { doc_id: 'p-1', doc: doc('第一张') });
    assert.deepEqual(first.res, { cmd_id: first.res.cmd_id, status: 'ok', data: { accepted: true, duplicate: false, state: 'queued' } });
    await waitFor('print.done p-1', () => h.eventsOf('print.done').length === 1);
    assert.deepEqual(h.eventsOf('print.done')[0]!.data, { doc_id: 'p-1' });
    const oldSim = simOf(h);
    assert.deepEqual(oldSim.emulator.lines().slice(0, 1), ['第一张']);

    await reloadPrinter(h, { retry_min_ms: 30 });
    const newSim = simOf(h);
    assert.notEqual(newSim, oldSim, 'the printer driver was replaced');
    await waitFor('the new printer to be ok', () => h.app.context().drivers.printer.current()?.status().state === 'ok');
    await h.command('print', { doc_id: 'p-2', doc: doc('第二张') });
    await waitFor('print.done p-2', () => h.eventsOf('print.done').length === 2);
    assert.deepEqual(h.eventsOf('print.done')[1]!.data, { doc_id: 'p-2' });
    assert.deepEqual(newSim.emulator.lines().slice(0, 1), ['第二张']);
    assert.deepEqual(oldSim.emulator.lines().slice(0, 1), ['第一张'], 'nothing more went to the stopped printer');
  } finally {
    await h.stop();
  }
});

test('a job accepted while no printer runs (a reload turned it off) waits, and prints when a reload brings a printer back', async () => {
  const h = await startCounter({ config: { fingerprint: { enabled: false }, eink: { enabled: false }, buttons: { enabled: false } } });
  try {
    await reloadPrinter(h, { enabled: false });
    assert.equal(h.app.context().drivers.printer.current(), undefined);
    const { res } = await h.command('print', { doc_id: 'p-3', doc: doc('等打印机') });
    assert.equal(res.status, 'ok');
    await h.settle();
    assert.deepEqual(h.eventsOf('print.done'), []);
    assert.deepEqual(h.eventsOf('print.failed'), [], 'waiting is not failing');

    await reloadPrinter(h, { enabled: true });
    await waitFor('print.done p-3', () => h.eventsOf('print.done').length === 1);
    assert.deepEqual(simOf(h).emulator.lines().slice(0, 1), ['等打印机']);
  } finally {
    await h.stop();
  }
});
