// Loads the addon (a prebuilt binary for this platform if one ships, else
// the local build) and types its surface. The native layer moves integers
// and bytes only; everything a caller sees is built in TypeScript.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import nodeGypBuild from 'node-gyp-build';

export interface Native {
  /** Each call returns 0 on success or a negative libuv error number. */
  setInt(fd: number, level: number, name: number, value: number): number;
  /** out[0] = the value. */
  getInt(fd: number, level: number, name: number): number;
  setBytes(fd: number, level: number, name: number, value: Uint8Array): number;
  /** Returns the length the OS wrote (>= 0) or a negative error number. */
  getBytes(fd: number, level: number, name: number, into: Uint8Array): number;
  /** 1: filled; 0: the OS answered too little to use; < 0: error. */
  tcpInfo(fd: number): number;
  /**
   * A new unbound TCP or UDP socket, not inherited by child processes.
   * Returns [fd, ''] or [negative error, failed syscall].
   */
  openSocket(udp: number, ipv6: number): [number, string];
  /**
   * Sets ops[0 .. count) on fd in one call (native/ops.h, struct Op).
   * Returns the index of the op that failed, or count; scratch[i] is op i's
   * result: 0, a negative error, or opAbi.tooLate / opAbi.notTcp (not set).
   */
  apply(fd: number, count: number): number;
  /** Reads the option ops[0] names: scratch[0] (and [1]) or, for a name, its length and the bytes in text. */
  getOp(fd: number): number;
  /** Shared with the native side: ops in, names in and out. */
  ops: Int32Array;
  text: Uint8Array;
  /** Binds a socket made by openSocket. */
  bind(fd: number, ipv6: number, scopeId: number, port: number, address: string): number;
  close(fd: number): number;
  /**
   * Windows: the SOCKET of this process with these endpoints (remoteAddress
   * null: a TCP listener or an unconnected UDP socket), or a negative error;
   * EBADF when none matches. Elsewhere always ENOSYS: Node gives the fd.
   */
  findSocket(
    udp: number,
    ipv6: number,
    localPort: number,
    remotePort: number,
    localAddress: string,
    remoteAddress: string | null,
  ): number;
  /** SO_LINGER alone (enabled 1 or 0), the option every abort() sets: no op round trip. */
  setLinger(fd: number, enabled: number, seconds: number): number;
  /** scratch[0] = enabled (1 or 0), scratch[1] = seconds. */
  getLinger(fd: number): number;
  /** 1 when the socket is TCP (an IPv4 or IPv6 stream socket), 0 when not, or a negative error: one system call on Linux and Windows. */
  isTcp(fd: number): number;
  /**
   * Records of this process's TCP sockets in the states of the mask, or a negative error. `method`: 0 the
   * native side's choice, 1 a sock_diag dump, 2 each descriptor asked (native/linux/census.cc).
   */
  listSockets(osStatesMask: number, withInfo: number, method: number): Buffer | number;
  /** False where the OS offers no census (listSockets is then never called). */
  hasCensus: boolean;
  /** The byte offsets of a listSockets record's fields, and its size (native/census.h); on every OS. */
  censusRecord: CensusRecordLayout;
  interfaceVersion: number;
  /** Where getInt, getOp, apply and tcpInfo leave their results (64 slots). */
  scratch: Float64Array;
  constants: Record<string, number>;
  tcpInfoFields: string[];
  /**
   * The bits of tcpInfo's `options` slot (Linux TCPI_OPT_* values) this OS
   * reports; any other bit is unknown here, not off.
   */
  tcpInfoOptionBits: number;
  /** The op ABI's numbers (native/ops.h): op kinds, stage bits, result codes. */
  opAbi: {
    kinds: Record<'int' | 'linger' | 'text' | 'interface' | 'keepAliveVals', number>;
    stages: Record<'unbound' | 'bound' | 'listening' | 'connected', number>;
    tcpOnly: number;
    tcpOnRefusal: number;
    tooLate: number;
    notTcp: number;
    opInts: number;
  };
}

export interface CensusRecordLayout {
  bytes: number;
  /** int32 */
  fd: number;
  /** uint8: 4 or 6 */
  family: number;
  /** uint8: the OS's state number */
  state: number;
  /** uint16 */
  localPort: number;
  remotePort: number;
  /** 16 bytes, IPv4 in the first 4 */
  localAddress: number;
  remoteAddress: number;
  /** uint32 */
  receiveQueue: number;
  sendQueue: number;
}

/** The native interface this file describes; native/addon.cc says which it has. */
const INTERFACE_VERSION = 8;

// dist/native/ and lib/native/ both sit two levels below the package root.
export const native: Native = load(path.join(__dirname, '..', '..'));

/** The addon, or an error that says what to do (node-gyp-build's own is the cause). */
function load(root: string): Native {
  try {
    // A copy: the addon's own exports object sits in V8's slow
    // (dictionary) mode, which every `native.x(…)` call would pay for.
    return { ...(nodeGypBuild(root) as Native) };
  } catch (cause) {
    // node-gyp-build's own test for the libc tag of a Linux prebuild.
    const libc = process.platform !== 'linux' ? '' : existsSync('/etc/alpine-release') ? '-musl' : '-glibc';
    const tools =
      process.platform === 'win32' ? 'Python 3 and Visual Studio C++ build tools' : 'Python 3, make and a C++ compiler';
    throw new Error(
      `sockctl: no native binary for ${process.platform}-${process.arch}${libc} could be loaded (the cause ` +
        `says why). Run \`npm rebuild sockctl\` to build one on this machine; that needs ${tools}.`,
      { cause },
    );
  }
}

if (native.interfaceVersion !== INTERFACE_VERSION) {
  throw new Error(
    `sockctl: the native binary has interface ${native.interfaceVersion}, this code needs ${INTERFACE_VERSION}: ` +
      'rebuild it (npm run build:native, or npm run prebuild)',
  );
}
