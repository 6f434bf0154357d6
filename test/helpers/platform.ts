// Where the suite runs. Emulators lack a few kernel features, and Bun and
// Deno some of Node's; a test that cannot run under one is skipped there, by
// name and with the reason, and nowhere else. The emulator runners
// (scripts/test-wine.sh, test-qemu-arm64.sh) set SOCKCTL_EMULATOR; a runtime
// says what it is itself (scripts/test-runtime.sh runs the suite on one).
import fs from 'node:fs';
import { runtime as libRuntime } from '../../lib/node-internals';

export type Emulator = 'wine' | 'qemu';
/** Runtimes other than Node that load the addon. */
export type Runtime = 'Bun' | 'Deno';

const declared = process.env.SOCKCTL_EMULATOR;
if (declared !== undefined && declared !== 'wine' && declared !== 'qemu') {
  throw new Error(`SOCKCTL_EMULATOR must be 'wine' or 'qemu', not '${declared}'`);
}
if (declared === 'wine' && process.platform !== 'win32') throw new Error('SOCKCTL_EMULATOR=wine outside Windows');
if (declared === 'qemu' && process.platform !== 'linux') throw new Error('SOCKCTL_EMULATOR=qemu outside Linux');

export const emulator: Emulator | undefined = declared;
export const runtime: Runtime | undefined = libRuntime === 'Node' ? undefined : libRuntime;

/** True when running under `where`; `reason` says why a test is skipped there and is printed once. */
export function under(where: Emulator | Runtime, reason: string): boolean {
  if (emulator !== where && runtime !== where) return false;
  console.log(`skipped under ${where}: ${reason}`);
  return true;
}

/** Why tests that read TCP_INFO are skipped under qemu; a qemu-only test in test/tcp/info.test.ts checks it. */
export const QEMU_TCP_INFO = 'qemu-user copies only 4 bytes of TCP_INFO';

/** Why the census tests are skipped under qemu; a qemu-only test in test/census/census.test.ts checks it. */
export const QEMU_CENSUS = 'qemu-user refuses NETLINK_SOCK_DIAG sockets and copies only 4 bytes of TCP_INFO';

/**
 * Why a test that hands Node a socket made first (`new net.Socket({ fd })`)
 * is skipped on Bun and Deno: both connect a socket of their own instead.
 */
export const NO_ADOPTION = 'new net.Socket({ fd }) is not adopted: the runtime connects a socket of its own';

/** Windows: targets are SOCKETs, witnesses are netstat and Winsock's answers, not /proc. */
export const windows = process.platform === 'win32';

/** An int option as the OS wrote it: Winsock answers some BOOL options (TCP_NODELAY, IPV6_V6ONLY) with one byte. */
export function readInt(option: Buffer): number {
  return windows && option.length === 1 ? option[0] : option.readInt32LE();
}

/**
 * Linux: whether this process holds CAP_NET_ADMIN or CAP_NET_RAW (bits 12
 * and 13), which SO_MARK, IP_TRANSPARENT and a priority above 6 need.
 */
export function hasNetPrivilege(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m !== null && ((BigInt(`0x${m[1]}`) >> 12n) & 3n) !== 0n;
}
