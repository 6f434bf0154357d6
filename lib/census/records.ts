// The records native listSockets returns (native/census.h), read through
// the layout the native side exports, so no offset is written twice.
import { native } from '../native/binding';

/** Where each field of a native record sits. */
const RECORD = native.censusRecord;
export const RECORD_BYTES = RECORD.bytes;

// A census repeats a handful of local addresses thousands of times.
const ipv4Names = new Map<number, string>();

function address(buf: Buffer, at: number, family: 4 | 6): string {
  if (family === 4) {
    const key = buf.readUInt32BE(at);
    let name = ipv4Names.get(key);
    if (name === undefined) {
      name = `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
      if (ipv4Names.size < 4096) ipv4Names.set(key, name);
    }
    return name;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(at + i));
  // IPv4-mapped, written the way Node writes it: ::ffff:127.0.0.1
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${buf[at + 12]}.${buf[at + 13]}.${buf[at + 14]}.${buf[at + 15]}`;
  }
  // RFC 5952: the longest run (2+) of zero groups becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** One record at `off`, with the OS's state number. */
export function readRecord(buf: Buffer, off: number) {
  const family = buf[off + RECORD.family] === 6 ? 6 : 4;
  return {
    fd: buf.readInt32LE(off + RECORD.fd),
    stateNumber: buf[off + RECORD.state],
    localAddress: address(buf, off + RECORD.localAddress, family),
    localPort: buf.readUInt16LE(off + RECORD.localPort),
    remoteAddress: address(buf, off + RECORD.remoteAddress, family),
    remotePort: buf.readUInt16LE(off + RECORD.remotePort),
    receiveQueue: buf.readUInt32LE(off + RECORD.receiveQueue),
    sendQueue: buf.readUInt32LE(off + RECORD.sendQueue),
  };
}
