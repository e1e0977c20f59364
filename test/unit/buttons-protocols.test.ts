// Golden bytes for the Firmata subset and the HID report mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FirmataDecoder, PIN_MODE_INPUT_PULLUP, encodeDigitalPort, encodeFirmwareReport, encodeQueryFirmware, encodeQueryVersion,
  encodeReportDigital, encodeSetDigitalPinValue, encodeSetPinMode,
} from '../../drivers/buttons/firmata-codec.ts';
import { FirmataBoardEmulator } from '../../drivers/buttons/firmata-emulator.ts';
import { keysDownInReport, reportEdges } from '../../drivers/buttons/hid-decoder.ts';

const hex = (b: Buffer) => b.toString('hex');

test('Firmata host messages match the protocol bytes', () => {
  assert.equal(hex(encodeQueryVersion()), 'f9');
  assert.equal(hex(encodeQueryFirmware()), 'f079f7');
  assert.equal(hex(encodeSetPinMode(2, PIN_MODE_INPUT_PULLUP)), 'f4020b');
  assert.equal(hex(encodeReportDigital(0, true)), 'd001');
  assert.equal(hex(encodeReportDigital(1, false)), 'd100');
  // port 1 (pins 8-15), pins 8 and 15 high: LSB carries bits 0-6, MSB bit 7
  assert.equal(hex(encodeDigitalPort(1, 0b1000_0001)), '910101');
  assert.equal(hex(encodeSetDigitalPinValue(13, true)), 'f50d01');
});

test('Firmata board messages decode: version, firmware name, digital ports', () => {
  const d = new FirmataDecoder();
  const bytes = Buffer.concat([Buffer.from('f90205', 'hex'), encodeFirmwareReport(2, 5, 'Std.ino'), Buffer.from('90 7b 00 91 01 01'.replace(/ /g, ''), 'hex')]);
  assert.deepEqual(d.push(bytes), [
    { type: 'version', major: 2, minor: 5 },
    { type: 'firmware', major: 2, minor: 5, name: 'Std.ino' },
    { type: 'digital', port: 0, levels: 0x7b },
    { type: 'digital', port: 1, levels: 0x81 },
  ]);
  assert.equal(d.skipped, 0);
});

test('Firmata decoder survives split messages, line garbage and cut-off messages', () => {
  const d = new FirmataDecoder();
  assert.deepEqual(d.push(Buffer.from([0x12, 0x34, 0x90])), []); // two stray data bytes
  assert.deepEqual(d.push(Buffer.from([0x05])), []);
  assert.deepEqual(d.push(Buffer.from([0x00, 0x90, 0x01, 0xf9, 0x02, 0x05])), [
    { type: 'digital', port: 0, levels: 5 },
    { type: 'version', major: 2, minor: 5 }, // the 0x90 cut short by 0xf9 is dropped
  ]);
  assert.equal(d.skipped, 4);
  assert.deepEqual(d.push(Buffer.from([0xf0, 0x79, 0x02, 0x90, 0x04, 0x00])), [{ type: 'digital', port: 0, levels: 4 }]);
  assert.equal(d.skipped, 7, 'a sysex cut by a command byte is dropped');
});

test('the board emulator answers the handshake and reports pulled-up pins going low', () => {
  const sent: string[] = [];
  const emu = new FirmataBoardEmulator((b) => sent.push(hex(b)));
  emu.receive(Buffer.concat([encodeQueryVersion(), encodeSetPinMode(2, PIN_MODE_INPUT_PULLUP), encodeSetPinMode(9, PIN_MODE_INPUT_PULLUP)]));
  assert.deepEqual(sent, ['f90205'], 'a bare 0xF9 from the host is a version query');
  assert.equal(emu.pinMode(2), PIN_MODE_INPUT_PULLUP, 'the set-pin-mode after the query is not swallowed');
  emu.receive(encodeReportDigital(0, true));
  assert.equal(sent.at(-1), '900400', 'pin 2 floats high through its pull-up');
  emu.setPin(2, false);
  assert.equal(sent.at(-1), '900000');
  emu.setPin(9, false);
  assert.equal(sent.length, 3, 'port 1 is not reported yet');
});

test('HID reports map to keys by value-in-range and by bit mask', () => {
  const keys = {
    very_satisfied: { byte: 2, to_byte: 7, value: 0x1e },
    satisfied: { byte: 2, to_byte: 7, value: 0x1f },
    dissatisfied: { byte: 1, mask: 0x04 },
  };
  assert.deepEqual([...keysDownInReport(Buffer.from('1e00000000000000', 'hex'), keys)], [], 'a usage outside bytes 2..7 is not a key');
  assert.deepEqual([...keysDownInReport(Buffer.from('00001f1e00000000', 'hex'), keys)].sort(), ['satisfied', 'very_satisfied']);
  assert.deepEqual([...keysDownInReport(Buffer.from('0006000000000000', 'hex'), keys)], ['dissatisfied']);
  assert.deepEqual([...keysDownInReport(Buffer.from('0004', 'hex'), keys)], ['dissatisfied'], 'short reports are read as far as they go');
  const order = ['very_satisfied', 'satisfied', 'dissatisfied'];
  assert.deepEqual(reportEdges(new Set(['satisfied']), new Set(['very_satisfied']), order), [
    { key: 'very_satisfied', down: true }, { key: 'satisfied', down: false },
  ]);
});
