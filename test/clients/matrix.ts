// The docs matrix of docs/clients.md, recorded by the client tests as they
// run: for each client × route × TLS, what the kernel held once the client
// was ready — read on a duplicate of its descriptor, as the tests' own
// witness — on this Node. Each test file writes its own lines under
// .tmp/matrix/<Node major>/; scripts/client-matrix.js renders them into the
// docs (and, in CI, checks the docs say what the tests saw). Recorded on
// Linux x64 only, where the witness runs natively.
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { expect } from 'vitest';
import { fdOf } from '../../lib';
import { emulator } from '../helpers/platform';
import { tcpKeepAliveOnDup } from '../witness/dup';

/** What a route did to a client's socket, as the kernel shows it after the client's own set-up. */
export type Outcome = 'held' | 'owner kept' | 'not reached';

export interface Row {
  client: string;
  route: 'installPolicy' | 'createConnection' | 'createSocket' | 'undiciConnector';
  tls: boolean;
  /** Which end, where a test checks both (ws). */
  end?: 'client' | 'server';
  /** The route's precedence, where not the default. */
  precedence?: 'owner';
}

export const recording = process.platform === 'linux' && process.arch === 'x64' && emulator === undefined;

const dir = path.join(__dirname, '..', '..', '.tmp', 'matrix', process.versions.node.split('.')[0]);
let file: string | undefined;

/** The kernel's keepalive settings on `socket`: the policy's (77/7/3), the owner's (its idle, libuv's 1/10), or none. */
export function outcomeOf(socket: net.Socket, ownerIdle?: number): Outcome {
  const k = tcpKeepAliveOnDup(fdOf(socket));
  if (k.idle === 77 && k.interval === 7 && k.count === 3) return 'held';
  if (ownerIdle !== undefined && k.idle === ownerIdle) return 'owner kept';
  return 'not reached';
}

/** Records `row`'s outcome on this Node for the docs matrix, and returns it. */
export function record(row: Row, socket: net.Socket, ownerIdle?: number): Outcome {
  const outcome = outcomeOf(socket, ownerIdle);
  if (!recording) return outcome;
  if (file === undefined) {
    // One file per test file (workers run files in parallel), appended to: a later run's line for a row replaces an
    // earlier one's, and a filtered run (-t) leaves the other rows as they were.
    file = path.join(dir, `${path.basename(expect.getState().testPath ?? 'unknown')}.jsonl`);
    fs.mkdirSync(dir, { recursive: true });
  }
  fs.appendFileSync(file, JSON.stringify({ ...row, node: process.versions.node, outcome }) + '\n');
  return outcome;
}
