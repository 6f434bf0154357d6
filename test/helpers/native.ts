// The one test-side import of the binding. Tests go through the public API
// (lib/index.ts), a witness outside sockctl, or Node itself; each function
// here does what none of those can, and says why.
import path from 'node:path';
import { constants } from '../../lib';
import { native } from '../../lib/native/binding';
import { PHASES, type Phase } from '../../lib/options/table';
import { readRecord, RECORD_BYTES } from '../../lib/census/records';

/**
 * A TCP socket that is neither bound nor connected. The public API binds
 * every socket it makes, and Node makes none before connect or listen, but
 * the options that must precede bind can only be tested on one.
 */
export function openUnboundTcp(ipv6: boolean): number {
  const [fd, syscall] = native.openSocket(0, ipv6 ? 1 : 0);
  if (fd < 0) throw new Error(`${syscall} failed: ${fd}`);
  return fd;
}

/**
 * Windows: closes a raw SOCKET. Node's fs.closeSync closes C runtime
 * descriptors only, and a SOCKET made by openBoundSocket is none (POSIX
 * tests close descriptors with fs.closeSync, except on Deno, whose fs takes
 * resource ids: there this closes the descriptor).
 */
export function closeSocket(socket: number): void {
  const rc = native.close(socket);
  if (rc < 0) throw new Error(`closesocket(${socket}) failed: ${rc}`);
}

/**
 * Windows: getsockopt(SO_TYPE)'s result code (0 or a negative errno) for a
 * handle value, which tells sockets, other handles and unused values apart.
 * The handle scan asks this of 16 000 values; the public getsockopt would
 * build an error for each, a hundred times slower.
 */
export function socketTypeAnswer(handle: number): number {
  return native.getInt(handle, constants.SOL_SOCKET, constants.SO_TYPE);
}

/**
 * Runs one op through the native batch (native/sockopt.h, struct Op) and
 * returns its result slot: the public API checks phases before any op
 * reaches the batch, so only a raw op tests the native phase check.
 */
/** The op ABI's numbers, as the binding exports them. */
export const opAbi = native.opAbi;

/** An op's phase slot for a phase of the table: a bit per stage still in time (PHASES says which). */
export function phaseBitsOf(phase: Phase): number {
  return PHASES[phase].inTimeAt.reduce((bits, stage) => bits | (1 << opAbi.stages[stage]), 0);
}

export function applyRawOp(fd: number, op: readonly number[]): number {
  native.ops.set(op, 0);
  native.apply(fd, 1);
  return native.scratch[0];
}

/**
 * Windows: the native search for this process's SOCKET with these
 * endpoints, which fdOf uses and caches; a test of the search itself
 * compares its answer with fdOf's.
 */
export const findSocket: typeof native.findSocket = (...args) => native.findSocket(...args);

/**
 * Where the built binding is, for a plain-Node child (the strace witness)
 * that needs openUnboundTcp and cannot import this file.
 */
export const BINDING_PATH = path.join(__dirname, '..', '..', 'dist', 'native', 'binding');

/**
 * The census's raw records (every state), taken one way or the other
 * (native/linux/census.cc): listSockets always takes the descriptor way, so
 * only here can the two be compared.
 */
export function censusRecords(method: 'dump' | 'descriptor'): ReturnType<typeof readRecord>[] {
  const buf = native.listSockets(0xffff, 0, method === 'dump' ? 1 : 2);
  if (typeof buf === 'number') throw new Error(`listSockets (${method}) failed: ${buf}`);
  const records = [];
  for (let off = 0; off < buf.length; off += RECORD_BYTES) records.push(readRecord(buf, off));
  return records;
}
