// Where and when a tracked socket was made. With stacks on, the JavaScript
// stack at its creation is captured unformatted (V8 formats a captured
// stack only when it is first read) and read once, on the first census or
// report that names the socket: the runtime's frames and sockctl's own
// removed, the first frame outside node_modules its `site`. An accepted
// socket has no frame of the application's (Node makes it in its accept
// callback): its site is where its server started listening.
import * as net from 'node:net';
import * as path from 'node:path';
import { BunHttpServer } from '../node-internals';

/** What a census entry says of a socket's origin. */
export interface Origin {
  /** When sockctl first saw the socket (ms since the epoch): its creation, for a socket tracked from the start. */
  createdAt: number;
  /** `file:line:column` of the first frame of the application's (stacks on). */
  site?: string;
  /** The stack at creation, without Node's and sockctl's frames (stacks on). */
  stack?: string;
}

interface Record_ {
  createdAt: number;
  trace?: { stack?: string };
  read?: { site?: string; stack?: string };
}

// On the object itself, under a symbol, not in a WeakMap: a captured stack
// holds its frames' receivers, often the socket itself, and a WeakMap value
// that reaches its own key is an ephemeron the garbage collector must
// revisit; measured, that cost more per connection than the capture. Set
// by assignment, which V8 caches per shape (Object.defineProperty cost
// every connection about 2 µs): symbols are left out of Object.keys,
// for…in and JSON, and a record is never undefined.
const ORIGIN = Symbol('sockctl.origin');
type Owned = { [ORIGIN]?: Record_ };
const records = {
  has: (owner: object): boolean => (owner as Owned)[ORIGIN] !== undefined,
  get: (owner: object): Record_ | undefined => (owner as Owned)[ORIGIN],
  set(owner: object, record: Record_): void {
    (owner as Owned)[ORIGIN] = record;
  },
};
let stacks = false;
let listenWrapped = false;

// sockctl's own code: lib/ (from source) and dist/ (built), beside this file's directory.
const root = path.resolve(__dirname, '..', '..');
const OWN = [path.join(root, 'lib') + path.sep, path.join(root, 'dist') + path.sep];
// The process's own Error.stackTraceLimit (Node's default: 10 frames),
// counted from the call that made the socket: sockctl's frames above it are
// left out of the capture, not counted in it. Setting the limit around each
// capture cost more than the capture itself (about 5 µs of some 9).
function capture(above: (...args: never[]) => unknown): { stack?: string } {
  const trace: { stack?: string } = {};
  Error.captureStackTrace(trace, above);
  return trace;
}

/** Whether creation stacks are captured for the sockets and servers seen from now on. */
export function captureStacks(on: boolean): void {
  stacks = on;
  if (!on || listenWrapped) return;
  listenWrapped = true;
  // A server's site: where it started listening. Wrapped once, for the life of the process; on Bun, whose
  // http.Server is no net.Server, that one's too.
  wrapListen(net.Server.prototype as never);
  if (BunHttpServer !== undefined) wrapListen(BunHttpServer.prototype as never);
}

function wrapListen(proto: { listen: (...args: unknown[]) => unknown }): void {
  const listen = proto.listen;
  proto.listen = function wrappedListen(this: net.Server, ...args: unknown[]) {
    if (stacks && !records.has(this)) records.set(this, { createdAt: Date.now(), trace: capture(wrappedListen) });
    return listen.apply(this, args);
  };
}

/**
 * Records a socket's (or server's) creation, once; `above`: sockctl's
 * outermost function on the stack, left out. `ownSite` false: no stack is
 * captured, the site being another's (an accepted socket's is its server's).
 */
export function noteCreated(owner: object, above: (...args: never[]) => unknown = noteCreated, ownSite = true): void {
  if (!records.has(owner)) {
    records.set(owner, { createdAt: Date.now(), trace: stacks && ownSite ? capture(above) : undefined });
  }
}

const location = (frame: string): string => {
  const inParens = /\((.*)\)$/.exec(frame);
  return inParens ? inParens[1] : frame.replace(/^at (async )?/, '');
};
// The runtime's own frames: Node's (node:, internal/) and Bun's (node:), Deno's (ext:deno_node/..., ext:core/...).
const ownOrNode = (where: string): boolean =>
  where.startsWith('node:') ||
  where.startsWith('ext:') ||
  where.startsWith('internal/') ||
  where === '<anonymous>' ||
  OWN.some((d) => where.startsWith(d));

function read(r: Record_): { site?: string; stack?: string } {
  if (r.read !== undefined) return r.read;
  const frames = (r.trace?.stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at ') && !ownOrNode(location(l)));
  const app = frames.find((f) => !location(f).includes(`${path.sep}node_modules${path.sep}`)) ?? frames[0];
  r.read = frames.length === 0 ? {} : { site: location(app), stack: frames.map((f) => `    ${f}`).join('\n') };
  r.trace = undefined; // read once: the formatted text is kept, the frames let go
  return r.read;
}

/** What is known of where and when `socket` was made; an accepted socket's site is its server's. */
export function originOf(owner: object, server?: net.Server): Origin | undefined {
  const r = records.get(owner);
  if (r === undefined) return undefined;
  let where = read(r);
  if (where.site === undefined && server !== undefined) {
    const s = records.get(server);
    if (s !== undefined) where = read(s);
  }
  return where.site === undefined ? { createdAt: r.createdAt } : { createdAt: r.createdAt, ...where };
}
