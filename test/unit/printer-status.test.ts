import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStatus, encodeStatus, healthDetail, notReadyReason, StatusByteError } from '../../drivers/printer/status.ts';
import { EscPosEmulator } from '../../drivers/printer/emulator-core.ts';

test('DLE EOT replies of a ready printer (0x12 each) decode to healthy', () => {
  const h = decodeStatus({ 1: 0x12, 2: 0x12, 4: 0x12 });
  assert.deepEqual(h, { offline: false, coverOpen: false, paperOut: false, paperNearEnd: false, error: false });
  assert.equal(notReadyReason(h), undefined);
  assert.deepEqual(healthDetail(h), { paper: 'ok', cover_open: false, offline: false, error: false });
});

test('paper out (n=2 bit 5, n=4 bits 5–6), near end (n=4 bits 2–3), cover open (n=2 bit 2), offline (n=1 bit 3)', () => {
  assert.equal(notReadyReason(decodeStatus({ 1: 0x1a, 2: 0x32, 4: 0x72 })), 'paper out');
  assert.equal(decodeStatus({ 1: 0x12, 2: 0x12, 4: 0x1e }).paperNearEnd, true);
  assert.equal(notReadyReason(decodeStatus({ 1: 0x12, 2: 0x12, 4: 0x1e })), undefined, 'near end still prints');
  assert.equal(notReadyReason(decodeStatus({ 1: 0x1a, 2: 0x16, 4: 0x12 })), 'cover open');
  assert.equal(notReadyReason(decodeStatus({ 1: 0x1a, 2: 0x12, 4: 0x12 })), 'printer offline');
  // Only the paper sensor (n=4) reporting the end is also paper out.
  assert.equal(decodeStatus({ 1: 0x12, 2: 0x12, 4: 0x72 }).paperOut, true);
});

test('DLE EOT 3 names the error: cutter, unrecoverable, auto-recoverable', () => {
  assert.equal(notReadyReason(decodeStatus({ 1: 0x1a, 2: 0x52, 3: 0x1a, 4: 0x12 })), 'printer error (cutter)');
  assert.equal(decodeStatus({ 1: 0x1a, 2: 0x52, 3: 0x32, 4: 0x12 }).errorDetail, 'unrecoverable');
  assert.equal(decodeStatus({ 1: 0x1a, 2: 0x52, 3: 0x52, 4: 0x12 }).errorDetail, 'auto_recoverable');
});

test('a byte that is not a status reply is refused with the byte named', () => {
  assert.throws(() => decodeStatus({ 1: 0x00, 2: 0x12, 4: 0x12 }), (e: unknown) => e instanceof StatusByteError && /DLE EOT 1 reply 0x00/.test((e as Error).message));
  assert.throws(() => decodeStatus({ 1: 0x12, 2: 0x12, 4: 0xff }), /DLE EOT 4 reply 0xff/);
});

test('the emulator answers DLE EOT with the bytes of its switches, and they decode back', () => {
  const emu = new EscPosEmulator();
  const ask = () => {
    const r = emu.receive(Buffer.from([0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4]));
    return decodeStatus({ 1: r[0]!, 2: r[1]!, 4: r[2]! });
  };
  assert.equal(notReadyReason(ask()), undefined);
  emu.set({ paperOut: true });
  assert.equal(notReadyReason(ask()), 'paper out');
  emu.set({ paperOut: false, coverOpen: true });
  assert.equal(notReadyReason(ask()), 'cover open');
  emu.set({ coverOpen: false, offline: true });
  assert.equal(notReadyReason(ask()), 'printer offline');
  emu.set({ offline: false, paperNearEnd: true });
  assert.deepEqual(healthDetail(ask()).paper, 'near_end');
  assert.deepEqual(encodeStatus({ offline: false, coverOpen: false, paperOut: true, paperNearEnd: false }), { 1: 0x1a, 2: 0x32, 3: 0x12, 4: 0x7e });
});

test('the emulator holds what it receives while out of paper and prints it when paper is back', () => {
  const emu = new EscPosEmulator();
  emu.set({ paperOut: true });
  emu.receive(Buffer.from('1c26d6d0cec40a', 'hex'));
  assert.deepEqual(emu.lines(), []);
  assert.equal(emu.heldItems().length, 1);
  emu.set({ paperOut: false });
  assert.deepEqual(emu.lines(), ['中文']);
});
