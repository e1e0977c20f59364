// Golden bytes for the R30x / R503 / AS608 packet codec.
// Frames follow the R503 user manual ("Instruction format": EF01, address, PID, length = payload + 2,
// checksum = 16-bit sum of PID, length and payload) and match the frames the Adafruit Fingerprint
// library writes (writeStructuredPacket). The GenImg command and its ack are the manual's example
// frames; the others are worked out by hand from the same rule, byte by byte, in the comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AURA, AURA_COLOR, build, encodePacket, PacketDecoder, parse, PID, type Packet,
} from '../../drivers/fingerprint/protocol.ts';
import { confirmationInfo, KNOWN_CODES, ModuleError } from '../../drivers/fingerprint/codes.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HDR = 'EF01 FFFFFFFF';

test('command builders produce the manual frames', () => {
  const cases: Array<[string, Buffer, string]> = [
    // GenImg: 01 + 0003 + 01 = 05
    ['GenImg', build.genImg().bytes, `${HDR} 01 0003 01 0005`],
    // Img2Tz(1): 01+00+04+02+01 = 08
    ['Img2Tz', build.img2Tz(1).bytes, `${HDR} 01 0004 02 01 0008`],
    // Search(buf 1, start 0, count 0x00A3): 01+08+04+01+A3 = B1
    ['Search', build.search(1, 0, 0xa3).bytes, `${HDR} 01 0008 04 01 0000 00A3 00B1`],
    // RegModel: 01+03+05 = 09
    ['RegModel', build.regModel().bytes, `${HDR} 01 0003 05 0009`],
    // Store(buf 1, slot 1): 01+06+06+01+01 = 0F
    ['Store', build.store(1, 1).bytes, `${HDR} 01 0006 06 01 0001 000F`],
    // DeleteChar(slot 5, 1 template): 01+07+0C+05+01 = 1A
    ['DeleteChar', build.deleteChar(5, 1).bytes, `${HDR} 01 0007 0C 0005 0001 001A`],
    // Empty: 01+03+0D = 11
    ['Empty', build.empty().bytes, `${HDR} 01 0003 0D 0011`],
    // ReadSysPara: 01+03+0F = 13
    ['ReadSysPara', build.readSysPara().bytes, `${HDR} 01 0003 0F 0013`],
    // VfyPwd(0): 01+07+13 = 1B
    ['VfyPwd', build.vfyPwd(0).bytes, `${HDR} 01 0007 13 00000000 001B`],
    // TemplateNum: 01+03+1D = 21
    ['TemplateNum', build.templateNum().bytes, `${HDR} 01 0003 1D 0021`],
    // ReadIndexTable(page 0): 01+04+1F+00 = 24
    ['ReadIndexTable', build.readIndexTable(0).bytes, `${HDR} 01 0004 1F 00 0024`],
    // AuraLedConfig(breathing, speed 100, blue, forever): 01+07+35+01+64+02+00 = A4
    ['AuraLedConfig', build.auraLedConfig(AURA.breathing, 100, AURA_COLOR.blue, 0).bytes, `${HDR} 01 0007 35 01 64 02 00 00A4`],
    // HandShake: 01+03+40 = 44
    ['HandShake', build.handShake().bytes, `${HDR} 01 0003 40 0044`],
  ];
  for (const [name, actual, expected] of cases) assert.deepEqual(actual, hex(expected), name);
});

test('a non-default address and password go into the frame big-endian and into no checksum but the payload', () => {
  // VfyPwd(0x01020304) at address 0x12345678: 01+07+13+01+02+03+04 = 25
  assert.deepEqual(build.vfyPwd(0x01020304, 0x12345678).bytes, hex('EF01 12345678 01 0007 13 01020304 0025'));
});

test('builders refuse parameters the module cannot take', () => {
  assert.throws(() => build.store(1, 70000), /Store slot must be an integer 0\.\.65535/);
  assert.throws(() => build.readIndexTable(4), /index table page must be an integer 0\.\.3/);
  assert.throws(() => build.vfyPwd(-1), /password/);
  assert.throws(() => encodePacket(PID.data, Buffer.alloc(300)), /exceeds 256/);
});

function decodeAll(chunks: Buffer[]): { packets: Packet[]; decoder: PacketDecoder } {
  const packets: Packet[] = [];
  const decoder = new PacketDecoder((p) => packets.push(p));
  for (const c of chunks) decoder.push(c);
  return { packets, decoder };
}

// The manual's acknowledgement to GenImg: "EF 01 FF FF FF FF 07 00 03 00 00 0A" (finger imaged).
const ACK_OK = hex(`${HDR} 07 0003 00 000A`);
// No finger: 07+03+02 = 0C.
const ACK_NO_FINGER = hex(`${HDR} 07 0003 02 000C`);

test('decoder reads an ack after the 0x55 boot byte and counts it apart from garbage', () => {
  const { packets, decoder } = decodeAll([Buffer.concat([Buffer.from([0x55]), ACK_OK])]);
  assert.equal(packets.length, 1);
  assert.equal(packets[0]!.pid, PID.ack);
  assert.equal(packets[0]!.address, 0xffffffff);
  assert.deepEqual(packets[0]!.payload, Buffer.from([0x00]));
  assert.equal(decoder.stats.boot_bytes, 1);
  assert.equal(decoder.stats.garbage_bytes, 0);
});

test('decoder reassembles packets split at every byte, including between EF and 01', () => {
  const stream = Buffer.concat([ACK_OK, ACK_NO_FINGER]);
  const { packets } = decodeAll([...stream].map((b) => Buffer.from([b])));
  assert.deepEqual(packets.map((p) => p.payload[0]), [0x00, 0x02]);
});

test('decoder skips garbage before a header and a lone EF', () => {
  const { packets, decoder } = decodeAll([hex('00 13 EF 7F EF'), hex('01FFFFFFFF 07 0003 02 000C')]);
  assert.equal(packets.length, 1);
  assert.equal(packets[0]!.payload[0], 0x02);
  assert.equal(decoder.stats.garbage_bytes, 4);
});

test('decoder drops a bad checksum, counts it and resyncs on the next packet', () => {
  const bad = Buffer.from(ACK_OK);
  bad[bad.length - 1]! ^= 0xff;
  let reported = 0;
  const packets: Packet[] = [];
  const decoder = new PacketDecoder((p) => packets.push(p), () => reported++);
  decoder.push(Buffer.concat([bad, ACK_NO_FINGER]));
  assert.equal(packets.length, 1);
  assert.equal(packets[0]!.payload[0], 0x02);
  assert.equal(decoder.stats.bad_checksums, 1);
  assert.equal(reported, 1);
});

test('an ack header with a corrupt length does not hold back the good packet that follows', () => {
  // Acks are short; a header claiming 256 bytes is rejected at once instead of waited for.
  const liar = hex(`${HDR} 07 0100 00`);
  const { packets, decoder } = decodeAll([Buffer.concat([liar, ACK_NO_FINGER])]);
  assert.equal(decoder.stats.bad_lengths, 1);
  assert.deepEqual(packets.map((p) => p.payload[0]), [0x02]);
});

test('a data packet of the full 256 bytes still decodes (it is dropped by the client, not the codec)', () => {
  const frame = encodePacket(PID.data, Buffer.alloc(256, 0xaa));
  const { packets } = decodeAll([frame]);
  assert.equal(packets.length, 1);
  assert.equal(packets[0]!.payload.length, 256);
});

test('an unknown PID is treated as a broken header', () => {
  const { packets, decoder } = decodeAll([Buffer.concat([hex(`${HDR} 09 0003 00 000C`), ACK_OK])]);
  assert.equal(decoder.stats.bad_lengths, 1);
  assert.deepEqual(packets.map((p) => p.payload[0]), [0x00]);
});

test('an impossible length field is counted and skipped', () => {
  const { packets, decoder } = decodeAll([Buffer.concat([hex(`${HDR} 07 0001`), ACK_OK])]);
  assert.equal(decoder.stats.bad_lengths, 1);
  assert.equal(packets.length, 1);
});

test('parsers read Search, TemplateNum, ReadSysPara and ReadIndexTable answers', () => {
  assert.deepEqual(parse.search(hex('00 0007 0091')), { slot: 7, score: 0x91 });
  assert.equal(parse.templateNum(hex('00 002A')), 42);
  // status 0, system id 9, capacity 200, security 3, address FFFFFFFF, packet code 2 (128 B), baud N 6.
  assert.deepEqual(parse.sysPara(hex('00 0000 0009 00C8 0003 FFFFFFFF 0002 0006')), {
    status_register: 0, system_id: 9, capacity: 200, security: 3, address: 0xffffffff, packet_size: 128, baud: 57600,
  });
  const table = Buffer.alloc(33);
  table[1] = 0b0000_0101; // slots 0 and 2
  table[2] = 0b1000_0000; // slot 15
  assert.deepEqual(parse.indexTable(table, 0), [0, 2, 15]);
  assert.deepEqual(parse.indexTable(table, 1), [256, 258, 271]);
  assert.throws(() => parse.sysPara(hex('00 0000')), /ReadSysPara answer too short: 3 bytes, expected 17/);
});

test('every confirmation code named in the manuals has its own clear message', () => {
  for (const code of [0x01, 0x02, 0x03, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x10, 0x11, 0x13, 0x15, 0x18, 0x1a, 0x1f, 0x20, 0x21, 0x27]) {
    const info = confirmationInfo(code);
    assert.ok(KNOWN_CODES.includes(code), `0x${code.toString(16)} listed`);
    assert.doesNotMatch(info.message, /unknown/, `0x${code.toString(16)} has a specific message`);
  }
  const messages = KNOWN_CODES.map((c) => confirmationInfo(c).message);
  assert.equal(new Set(messages).size, messages.length, 'no two codes share a message');
  assert.match(confirmationInfo(0x99).message, /unknown confirmation code 0x99/);
  const err = new ModuleError('Store', 0x0b, '/dev/serial0');
  assert.equal(err.reason, 'bad_slot');
  assert.match(err.message, /\/dev\/serial0: Store failed: the slot is outside the module library \(code 0x0b\)/);
});
