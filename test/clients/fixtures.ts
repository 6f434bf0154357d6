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
} from '../../lib';
import { onCleanup } from '../helpers/cleanup';
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

/** The kernel holds the policy on `socket` (Linux: read on a duplicate of its descriptor in another process). */
export function expectPolicyHeld(socket: net.Socket): void {
  if (!linux) return;
  expect(tcpKeepAliveOnDup(fdOf(socket))).toEqual({ idle: 77, interval: 7, count: 3, noDelay: 1 });
}

/** The keepalive idle time the kernel holds for `socket`, in seconds. */
export function kernelIdle(socket: net.Socket): number {
  return tcpKeepAliveOnDup(fdOf(socket)).idle;
}

/**
 * After a client's own setKeepAlive under the default precedence: no error,
 * the override reported as put back, and the kernel holding the policy.
 */
export function expectHeldAfterOwner(r: Reports, socket: net.Socket): void {
  expect(r.errors).toEqual([]);
  expect(r.overrides.map(([o]) => o)).toContainEqual({
    by: 'setKeepAlive',
    options: KEEPALIVE_OPTIONS,
    kept: 'policy',
  });
  expectPolicyHeld(socket);
}
