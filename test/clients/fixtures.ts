// What the real-client tests share: the policy, the reports a route makes,
// and the kernel's witness that the policy holds once the client is ready.
import type net from 'node:net';
import { expect } from 'vitest';
import {
  fdOf,
  features,
  installPolicy,
  type ApplyResult,
  type OptionName,
  type Override,
  type Policy,
  type PolicyOptions,
  type StuckEvent,
  watchCloseWait,
} from '../../lib';
import { onCleanup } from '../helpers/cleanup';
import { tupleOf, waitFor, type FourTuple } from '../helpers/sockets';
import { ssStates } from '../witness/ss';
import { record, type Row } from './matrix';
import { tcpKeepAliveOnDup } from '../witness/dup';

export const linux = process.platform === 'linux';

// Neither the kernel's defaults (7200/75/9), nor libuv's after a client's
// setKeepAlive(true, ms) (ms/1000, 1, 10), nor any client's own.
const WANTED = { keepAlive: true, keepAliveIdleSecs: 77, keepAliveIntervalSecs: 7, keepAliveCount: 3, noDelay: true };

/** The policy, with the options this platform has. */
export const POLICY: Policy = Object.fromEntries(
  Object.entries(WANTED).filter(([name]) => features[name as OptionName]),
) as Policy;

/** The policy's keepalive options, as an Override of setKeepAlive names them. */
export const KEEPALIVE_OPTIONS = (
  ['keepAlive', 'keepAliveIdleSecs', 'keepAliveIntervalSecs', 'keepAliveCount'] as const
).filter((name) => POLICY[name] !== undefined);

export interface Reports {
  applied: [ApplyResult, unknown][];
  overrides: [Override, net.Socket][];
  errors: Error[];
}

/** installPolicy for the current test, recording what it reports. */
export function install(options: Pick<PolicyOptions, 'precedence'> = {}): Reports {
  const r: Reports = { applied: [], overrides: [], errors: [] };
  const installed = installPolicy(POLICY, {
    ...options,
    onApply: (result, socket) => r.applied.push([result, socket]),
    onOverride: (override, socket) => r.overrides.push([override, socket]),
    onError: (err) => r.errors.push(err),
  });
  onCleanup(() => installed.uninstall());
  return r;
}

/**
 * The kernel holds the policy on `socket` (Linux: read on a duplicate of its
 * descriptor in another process); with `row`, recorded for the docs matrix.
 */
export function expectPolicyHeld(socket: net.Socket, row?: Row): void {
  if (!linux) return;
  if (row) expect(record(row, socket)).toBe('held');
  expect(tcpKeepAliveOnDup(fdOf(socket))).toEqual({ idle: 77, interval: 7, count: 3, noDelay: 1 });
}

/** Under precedence 'owner': the kernel holds the client's own keepalive idle time, recorded for the docs matrix. */
export function expectOwnerKept(socket: net.Socket, ownerIdle: number, row: Row): void {
  if (!linux) return;
  expect(record(row, socket, ownerIdle)).toBe('owner kept');
  expect(kernelIdle(socket)).toBe(ownerIdle);
}

/** The keepalive idle time the kernel holds for `socket`, in seconds. */
export function kernelIdle(socket: net.Socket): number {
  return tcpKeepAliveOnDup(fdOf(socket)).idle;
}

/**
 * After a client's own setKeepAlive under the default precedence: no error,
 * the override reported as put back, and the kernel holding the policy.
 */
export function expectHeldAfterOwner(r: Reports, socket: net.Socket, row?: Row): void {
  expect(r.errors).toEqual([]);
  expect(r.overrides.map(([o]) => o)).toContainEqual({
    by: 'setKeepAlive',
    options: KEEPALIVE_OPTIONS,
    kept: 'policy',
  });
  expectPolicyHeld(socket, row);
}

/**
 * Leaves the client's `socket` stuck in CLOSE_WAIT, as a client that stops
 * reading (a paused stream, back-pressure) is: its reads paused, `unread`
 * asks for a reply that stays in the socket's buffer — without one, Node
 * ends a paused socket at the peer's FIN all the same — then `kill` has the
 * server close the connection. Resolves once the kernel shows CLOSE-WAIT on
 * the exact 4-tuple (Linux: ss), with the 4-tuple and what the unread
 * request ends in: the error it is rejected with, once the socket is gone.
 */
export async function stuckInCloseWait(
  socket: net.Socket,
  unread: () => Promise<unknown>,
  kill: () => Promise<unknown>,
): Promise<{ tuple: FourTuple; unreadFailed: Promise<unknown> }> {
  const tuple = tupleOf(socket);
  socket.pause();
  const unreadFailed = unread().then(
    () => new Error('the unread request succeeded'),
    (err: unknown) => err,
  );
  await waitFor('a reply left unread', () => socket.readableLength > 0);
  await kill();
  await waitFor('CLOSE-WAIT on the client socket', () => ssStates(tuple).includes('CLOSE-WAIT'));
  return { tuple, unreadFailed };
}

/**
 * A watchdog that aborts what stays in CLOSE_WAIT, run until it has found
 * `socket` — the object the client holds, mapped by the census — and
 * aborted it; then the kernel has nothing left of the 4-tuple.
 */
export async function watchdogAborts(socket: net.Socket, tuple: FourTuple): Promise<void> {
  const watchdog = watchCloseWait({ after: 0, interval: 20, action: 'abort' });
  onCleanup(() => watchdog.stop());
  const event = await new Promise<StuckEvent>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the watchdog never reported the socket')), 5000);
    watchdog.on('stuck', (e) => {
      if (e.entry.localPort !== tuple.localPort) return;
      clearTimeout(timer);
      resolve(e);
    });
  });
  expect(event.entry.socket).toBe(socket);
  expect(event.action).toBe('abort');
  await waitFor('the 4-tuple to be gone', () => ssStates(tuple).length === 0);
}
