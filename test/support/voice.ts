/**
 * Voice notes for tests, made here rather than recorded: a real Ogg Opus file (OpusHead, OpusTags,
 * one page of silent 20 ms frames) whose OpusTags carry `TRANSCRIPT=<what it says>`, the text
 * track the LLM simulator transcribes from. WhatsApp and Telegram voice notes are Ogg Opus too.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] as number)) >>> 0;
  }
  return crc;
}

function oggPage(
  packets: Uint8Array[],
  options: { serial: number; sequence: number; granule: bigint; flags: number },
): Buffer {
  const lacing: number[] = [];
  for (const packet of packets) {
    let left = packet.length;
    while (left >= 255) {
      lacing.push(255);
      left -= 255;
    }
    lacing.push(left);
  }
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0, 'latin1');
  header.writeUInt8(0, 4);
  header.writeUInt8(options.flags, 5);
  header.writeBigInt64LE(options.granule, 6);
  header.writeUInt32LE(options.serial, 14);
  header.writeUInt32LE(options.sequence, 18);
  header.writeUInt32LE(0, 22);
  header.writeUInt8(lacing.length, 26);
  Buffer.from(lacing).copy(header, 27);
  const page = Buffer.concat([header, ...packets]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

export function voiceNote(transcript: string): Uint8Array {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head.writeUInt8(1, 8); // version
  head.writeUInt8(1, 9); // mono
  head.writeUInt16LE(312, 10); // pre-skip
  head.writeUInt32LE(48_000, 12);
  const vendor = Buffer.from('omni-test');
  const comment = Buffer.from(`TRANSCRIPT=${transcript}`, 'utf8');
  const tags = Buffer.concat([
    Buffer.from('OpusTags', 'latin1'),
    u32(vendor.length),
    vendor,
    u32(1),
    u32(comment.length),
    comment,
  ]);
  // 50 frames of a one-byte Opus packet (TOC 0xf8: CELT fullband 20 ms, no payload = silence).
  const frames = Array.from({ length: 50 }, () => Buffer.from([0xf8]));
  const serial = 0x0de1a;
  return new Uint8Array(
    Buffer.concat([
      oggPage([head], { serial, sequence: 0, granule: 0n, flags: 0x02 }),
      oggPage([tags], { serial, sequence: 1, granule: 0n, flags: 0 }),
      oggPage(frames, { serial, sequence: 2, granule: 48_000n, flags: 0x04 }),
    ]),
  );
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
}
