// The raw getsockopt/setsockopt, and the constants of this platform's build.
import { invalidArgType, outOfRange, systemError } from '../errors';
import { native } from '../native/binding';
import { descriptor, locate, type Target } from '../target';
import { validateInteger } from '../validate';

/** The names every platform's build defines (native/constants_*.cc): always a number. */
export type PortableConstant =
  | 'AF_INET'
  | 'AF_INET6'
  | 'IPPROTO_IP'
  | 'IPPROTO_IPV6'
  | 'IPPROTO_TCP'
  | 'IPPROTO_UDP'
  | 'IPV6_MULTICAST_HOPS'
  | 'IPV6_TCLASS'
  | 'IPV6_UNICAST_HOPS'
  | 'IPV6_V6ONLY'
  | 'IP_MULTICAST_LOOP'
  | 'IP_MULTICAST_TTL'
  | 'IP_TOS'
  | 'IP_TTL'
  | 'SOCK_DGRAM'
  | 'SOCK_STREAM'
  | 'SOL_SOCKET'
  | 'SO_ACCEPTCONN'
  | 'SO_BROADCAST'
  | 'SO_DEBUG'
  | 'SO_DONTROUTE'
  | 'SO_ERROR'
  | 'SO_KEEPALIVE'
  | 'SO_LINGER'
  | 'SO_OOBINLINE'
  | 'SO_RCVBUF'
  | 'SO_RCVLOWAT'
  | 'SO_RCVTIMEO'
  | 'SO_REUSEADDR'
  | 'SO_SNDBUF'
  | 'SO_SNDLOWAT'
  | 'SO_SNDTIMEO'
  | 'SO_TYPE'
  | 'TCP_KEEPCNT'
  | 'TCP_KEEPINTVL'
  | 'TCP_MAXSEG'
  | 'TCP_NODELAY';
/** This build's constants by name: a portable name is a number, any other reads undefined where this OS lacks it. */
export type Constants = Readonly<Record<PortableConstant, number> & Partial<Record<string, number>>>;
export const constants: Constants = Object.freeze({ ...native.constants }) as Constants;

function check(rc: number, syscall: 'getsockopt' | 'setsockopt', option: string): void {
  if (rc < 0) throw systemError(rc, syscall, option);
}

// Option names are C ints, and Windows has negative ones:
// SO_EXCLUSIVEADDRUSE and SO_DONTLINGER are ~SO_REUSEADDR and ~SO_LINGER.
function validateOptionName(value: unknown): number {
  if (typeof value !== 'number') throw invalidArgType('name', 'of type number', value);
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw outOfRange('name', 'a 32-bit integer', value);
  }
  return value;
}

const c = native.constants;
const prefixByLevel = new Map<number, string>([
  [c.SOL_SOCKET, 'SO_'],
  [c.IPPROTO_TCP, 'TCP_'],
  [c.IPPROTO_IP, 'IP_'],
  [c.IPPROTO_IPV6, 'IPV6_'],
]);

/** 'SO_LINGER' where the level and number name a known constant. */
function optionLabel(level: number, name: number): string {
  const prefix = prefixByLevel.get(level);
  if (prefix !== undefined) {
    for (const [key, value] of Object.entries(c)) {
      if (value === name && key.startsWith(prefix)) return key;
    }
  }
  return `level ${level}, option ${name}`;
}

/** Largest buffer the raw API moves in one call. */
export const MAX_RAW_OPTION_BYTES = 65536;

/**
 * Raw getsockopt: reads up to `length` bytes (default: the size of an int)
 * and returns them, trimmed to the length the OS reported.
 */
export function getsockopt(target: Target, level: number, name: number, length = 4): Buffer {
  const at = locate(target);
  validateInteger(level, 'level', 0, 0x7fffffff);
  validateOptionName(name);
  if (typeof length !== 'number') throw invalidArgType('length', 'of type number', length);
  if (!Number.isInteger(length) || length < 0 || length > MAX_RAW_OPTION_BYTES) {
    throw outOfRange('length', `an integer >= 0 and <= ${MAX_RAW_OPTION_BYTES}`, length);
  }
  const buf = Buffer.alloc(length);
  const rc = native.getBytes(descriptor(at), level, name, buf);
  check(rc, 'getsockopt', optionLabel(level, name));
  return buf.subarray(0, rc);
}

/**
 * Raw setsockopt. A number is passed as a C int, a boolean as the int 0 or
 * 1, and a Buffer, TypedArray or DataView as its bytes.
 */
export function setsockopt(
  target: Target,
  level: number,
  name: number,
  value: number | boolean | ArrayBufferView,
): void {
  const at = locate(target);
  validateInteger(level, 'level', 0, 0x7fffffff);
  validateOptionName(name);
  let int = 0;
  let bytes: Uint8Array | undefined;
  if (typeof value === 'boolean') {
    int = value ? 1 : 0;
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw outOfRange('value', 'a 32-bit integer', value);
    }
    int = value;
  } else if (ArrayBuffer.isView(value)) {
    if (value.byteLength > MAX_RAW_OPTION_BYTES) {
      throw outOfRange('value.byteLength', `<= ${MAX_RAW_OPTION_BYTES}`, value.byteLength);
    }
    bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  } else {
    throw invalidArgType('value', 'of type number or boolean, or a Buffer, TypedArray or DataView', value);
  }
  const fd = descriptor(at);
  const rc = bytes === undefined ? native.setInt(fd, level, name, int) : native.setBytes(fd, level, name, bytes);
  check(rc, 'setsockopt', optionLabel(level, name));
}
