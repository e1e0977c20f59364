import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDocument, encodeGb18030, qrNative, unprintableChars, type EncoderOptions } from '../../drivers/printer/escpos.ts';
import { qrBitmap, rasterCommand, getDot, emptyBitmap, setDot } from '../../drivers/printer/raster.ts';
import { EscPosEmulator } from '../../drivers/printer/emulator-core.ts';
import type { PrintDocument } from '../../drivers/printer/document.ts';

const hex = (b: Buffer) => b.toString('hex').replace(/(..)/g, '$1 ').trim();
const opts = (o: Partial<EncoderOptions> = {}): EncoderOptions => ({ cols: 32, dots: 384, cut: 'none', feedBeforeCut: 0, qrMode: 'native', rasterChars: '', ...o });

test('GB18030: 中文 is D6D0 CEC4, 𠮷 (CJK Ext-B) needs four bytes', () => {
  assert.equal(hex(encodeGb18030('中文')), 'd6 d0 ce c4');
  assert.equal(encodeGb18030('𠮷').length, 4);
  assert.deepEqual(unprintableChars('张𠮷祥'), ['𠮷']);
  assert.deepEqual(unprintableChars('张三'), []);
  assert.deepEqual(unprintableChars('张三', '三'), ['三'], 'configured characters also go raster');
});

test('golden bytes: init, Chinese mode, bold text, double size, feed and partial cut', () => {
  const doc: PrintDocument = { blocks: [
    { type: 'text', text: '中A', bold: true },
    { type: 'text', text: 'B', size: { width: 2, height: 2 } },
    { type: 'feed', lines: 2 },
    { type: 'cut' },
  ] };
  const bytes = encodeDocument(doc, opts());
  assert.equal(hex(bytes), [
    '1b 40', // ESC @ init
    '1c 26', // FS & Chinese mode
    '1b 45 01', 'd6 d0 41 0a', // bold on, 中A LF
    '1b 45 00', '1d 21 11 1c 21 0c', '42 0a', // bold off, GS ! 0x11 + FS ! 0x0c (double w+h), B LF
    '1b 64 02', // ESC d 2
    '1d 21 00 1c 21 00', '1d 56 01', // back to normal size, GS V 1 partial cut
  ].join(' '));
});

test('golden bytes: native QR is GS ( k model 2, size, error level, store (UTF-8), print', () => {
  assert.equal(hex(qrNative('T0457', 6, 'M')), [
    '1d 28 6b 04 00 31 41 32 00', // model 2
    '1d 28 6b 03 00 31 43 06', // module size 6
    '1d 28 6b 03 00 31 45 31', // error level M
    '1d 28 6b 08 00 31 50 30 54 30 34 35 37', // store 5 bytes (+3)
    '1d 28 6b 03 00 31 51 30', // print
  ].join(' '));
  const doc: PrintDocument = { blocks: [{ type: 'qr', data: 'T0457', size: 6, align: 'center' }] };
  const b = encodeDocument(doc, opts());
  assert.equal(hex(b), `1b 40 1c 26 1b 61 01 ${hex(qrNative('T0457', 6, 'M'))} 0a 1b 61 00`);
});

test('raster fallback for QR: GS v 0 with the code drawn at the module size', () => {
  const doc: PrintDocument = { blocks: [{ type: 'qr', data: 'T0457', size: 4, error: 'H' }] };
  const b = encodeDocument(doc, opts({ qrMode: 'raster' }));
  const at = b.indexOf(Buffer.from([0x1d, 0x76, 0x30, 0x00]));
  assert.ok(at > 0, 'GS v 0 present');
  assert.equal(b.indexOf(Buffer.from([0x1d, 0x28, 0x6b])), -1, 'no native QR command');
  const bmp = qrBitmap('T0457', 4, 'H', 384);
  // Version 1 (21 modules) holds 5 bytes at level H: 21 × 4 = 84 dots, 11 bytes a row.
  assert.equal(bmp.width, 84);
  assert.equal(b.readUInt16LE(at + 4), 11);
  assert.equal(b.readUInt16LE(at + 6), 84);
  // Finder pattern: the top-left 7×7 module corner is dark on its border, light inside the ring.
  assert.ok(getDot(bmp, 0, 0) && getDot(bmp, 27, 0) && !getDot(bmp, 4, 4) && getDot(bmp, 8, 8));
});

test('rasterCommand packs MSB-first rows with the width rounded up to bytes', () => {
  const bmp = emptyBitmap(10, 2);
  setDot(bmp, 0, 0); setDot(bmp, 9, 1);
  assert.equal(hex(rasterCommand(bmp)), '1d 76 30 00 02 00 02 00 80 00 00 40');
});

test('a line with a four-byte GB18030 character is sent as a raster image from the renderer', () => {
  const calls: string[] = [];
  const renderLine = (op: { text: string }, _c: number, dots: number) => { calls.push(op.text); const b = emptyBitmap(dots, 24); setDot(b, 0, 0); return b; };
  const doc: PrintDocument = { blocks: [{ type: 'text', text: '申请人：张𠮷祥' }, { type: 'text', text: '普通行' }] };
  const bytes = encodeDocument(doc, opts({ renderLine }));
  assert.deepEqual(calls, ['申请人：张𠮷祥']);
  const emu = new EscPosEmulator();
  emu.receive(bytes);
  assert.deepEqual(emu.lines(), ['[RASTER 384x24]', '普通行']);
  assert.equal(bytes.indexOf(encodeGb18030('𠮷')), -1, 'the four-byte sequence never reaches the printer');
  assert.throws(() => encodeDocument(doc, opts()), /cannot encode in two bytes/);
});

test('encoder output decodes back to the same lines (emulator round trip, bytes split anywhere)', () => {
  const doc: PrintDocument = { blocks: [
    { type: 'title', text: '受理通知书' },
    { type: 'kv', rows: [{ key: '工号', value: 'S0123' }] },
    { type: 'qr', data: '案件 T0457' },
    { type: 'cut', mode: 'full' },
  ] };
  const bytes = encodeDocument(doc, opts());
  const whole = new EscPosEmulator();
  whole.receive(bytes);
  const expected = ['[B 2x2]    受理通知书', '工号：S0123', '[QR M/6] 案件 T0457', '', '[CUT full]'];
  assert.deepEqual(whole.lines(), expected);
  for (const step of [1, 2, 3, 7]) {
    const e = new EscPosEmulator();
    for (let i = 0; i < bytes.length; i += step) e.receive(bytes.subarray(i, i + step));
    assert.deepEqual(e.lines(), expected, `chunks of ${step}`);
  }
});

test('a QR code too big for the paper at the asked module size is shrunk to fit (native and raster)', () => {
  const long = 'https://zwfw.example.gov.cn/case/'.padEnd(300, 'x');
  const doc: PrintDocument = { blocks: [{ type: 'qr', data: long, size: 8, error: 'H' }] };
  const native = encodeDocument(doc, opts());
  const sizeCmd = native.indexOf(Buffer.from([0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43]));
  const moduleDots = native[sizeCmd + 7]!;
  assert.ok(moduleDots < 8, `module size ${moduleDots}`);
  assert.ok(qrBitmap(long, 8, 'H', 384).width <= 384);
  assert.equal(qrBitmap(long, 8, 'H', 384).width, qrBitmap(long, moduleDots, 'H', 10_000).width);
});
