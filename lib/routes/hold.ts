// A policy that holds. Node writes some of a policy's options itself —
// through its socket handle's setKeepAlive, setNoDelay and setTypeOfService —
// when the socket's owner calls those methods (ioredis and pg set keepalive
// in their own 'connect' listener, after the route's), when it connects with
// such options, and when http.Agent takes a socket back. The routes see each
// of those writes on the TCP handle itself, which a TLSSocket around the
// socket forwards its calls to, and then either put the policy's values
// back ('policy', the default) or leave the owner's ('owner'); onOverride
// is told either way.
import type * as net from 'node:net';
import { apply } from '../options/api';
import { OPTION_NAMES, OPTIONS, type NodeWrite, type OptionName, type OptionRow } from '../options/table';
import type { Skipped } from '../options/plan';
import type { Policy } from '../options/types';
import { runtime, tcpHandleOf, type WritableHandle } from '../node-internals';
import { validateFunction, validateOneOf } from '../validate';

/** Whose values stand when the socket's owner sets an option of the policy through Node's API. */
export type Precedence = 'policy' | 'owner';
const PRECEDENCES: readonly Precedence[] = ['policy', 'owner'];

/** An option of the policy written by someone else than the route. */
export interface Override {
  /** The method of Node's that wrote it: the socket's (or its TLSSocket's), called by its owner, by Node at connect, or by http.Agent. */
  by: NodeWrite;
  /** The policy's options that call wrote. */
  options: OptionName[];
  /** Whose values the kernel holds now: the policy's, put back at once, or the owner's. */
  kept: Precedence;
}

/** What a route's caller says about overrides (PolicyOptions, RouteOptions). */
export interface HoldOptions {
  precedence?: Precedence;
  onOverride?: (override: Override, socket: net.Socket) => void;
}

/** Validates a route's `precedence` and `onOverride`, named `${name}.…` in errors. */
export function validateHoldOptions(options: HoldOptions, name: string): void {
  validateFunction(options.onOverride, `${name}.onOverride`);
  if (options.precedence !== undefined) validateOneOf(options.precedence, `${name}.precedence`, PRECEDENCES);
}

export interface Hold {
  /**
   * The policy's options the owner has set (or Node has, from the options
   * the owner connected with) before the route applied them: under 'owner'
   * precedence the route leaves them alone. Empty under 'policy'.
   */
  readonly owned: ReadonlySet<OptionName>;
  /** The route has applied the policy: a write from now on overrides it. */
  start(): void;
}

// Deno's setKeepAlive writes SO_KEEPALIVE and the idle time alone; libuv's
// (Node's, and Bun's alike) also writes an interval and a count.
const UNWRITTEN: ReadonlySet<OptionName> = new Set(
  runtime === 'Deno' ? (['keepAliveIntervalSecs', 'keepAliveCount'] as const) : [],
);

/** The options of `policy` each of the runtime's methods writes. */
function writesOf(policy: Policy): Map<NodeWrite, OptionName[]> {
  const by = new Map<NodeWrite, OptionName[]>();
  for (const name of OPTION_NAMES) {
    const method = (OPTIONS[name] as OptionRow).nodeWrites;
    if (method === undefined || policy[name] === undefined || UNWRITTEN.has(name)) continue;
    by.set(method, [...(by.get(method) ?? []), name]);
  }
  return by;
}

/** What a handle's watchers are told of each write of Node's (held on the handle: see WATCHERS). */
interface Watcher {
  written(method: NodeWrite, args: readonly unknown[]): void;
}
const METHODS: readonly NodeWrite[] = ['setKeepAlive', 'setNoDelay', 'setTypeOfService'];
// The watchers of a handle, on the handle under a symbol. Not in a WeakMap
// keyed by the handle: a watcher reaches its socket and so the handle, and a
// WeakMap value that reaches its own key is an ephemeron the garbage
// collector must revisit; measured, that cost a connection about 5%.
const WATCHERS = Symbol('sockctl.watchers');
type Watched = { [WATCHERS]?: Watcher[] };
const wrapped = new WeakSet<object>();

/**
 * Tells `watcher` of each write of Node's to `handle`. The methods are
 * wrapped once on the handles' prototype (Node's TCP), never on a handle:
 * an own method on each handle changed its shape and cost a connection
 * tens of microseconds. The wrapper stays for the life of the process and
 * costs every other TCP handle one property lookup per such call.
 */
function watch(handle: WritableHandle, watcher: Watcher): void {
  const proto = Object.getPrototypeOf(handle) as Record<NodeWrite, unknown> | null;
  if (proto === null) return;
  if (!wrapped.has(proto)) {
    wrapped.add(proto);
    for (const method of METHODS) {
      const original = proto[method];
      if (typeof original !== 'function') continue; // setTypeOfService before 24.15
      proto[method] = function (this: Watched, ...args: unknown[]) {
        const result = (original as (...a: unknown[]) => unknown).apply(this, args);
        const list = this[WATCHERS];
        if (list !== undefined) for (const w of list) w.written(method, args);
        return result;
      };
    }
  }
  const h = handle as Watched;
  const list = h[WATCHERS];
  if (list === undefined) h[WATCHERS] = [watcher];
  else list.push(watcher);
}

/**
 * Whether Node's call wrote to option `name` what the policy holds: then
 * nothing was overridden. Node's http client calls setNoDelay(true) on every
 * socket it is given, and a policy with noDelay on would otherwise be put
 * back, and reported overridden, on every connection. setKeepAlive never
 * counts: libuv writes an interval and count of its own with it.
 */
function writesPolicyValue(method: NodeWrite, args: readonly unknown[], name: OptionName, policy: Policy): boolean {
  if (method === 'setNoDelay') return name === 'noDelay' && Boolean(args[0]) === policy.noDelay;
  if (method === 'setTypeOfService') return name === 'tos' && args[0] === policy.tos;
  return false;
}

/** The options of `policy` named in `names`. */
function part(policy: Policy, names: readonly OptionName[]): Policy {
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = policy[name];
  return out as Policy;
}

/** What a route lays out once: the policy, what each of Node's methods writes of it, and whose values stand. */
interface Layout {
  policy: Policy;
  writes: Map<NodeWrite, OptionName[]>;
  precedence: Precedence;
  onOverride?: HoldOptions['onOverride'];
}

const NOTHING_OWNED: ReadonlySet<OptionName> = new Set();

/**
 * One socket's hold: an object, not closures, since one is made for every
 * connection. Under 'policy' precedence nothing is owned, and no set is made.
 */
class SocketHold implements Hold, Watcher {
  readonly owned: Set<OptionName> | ReadonlySet<OptionName>;
  private applied = false;
  constructor(
    private readonly layout: Layout,
    private readonly socket: net.Socket,
    private readonly onError: (err: Error) => void,
  ) {
    this.owned = layout.precedence === 'owner' ? new Set<OptionName>() : NOTHING_OWNED;
  }

  start(): void {
    this.applied = true;
  }

  written(method: NodeWrite, args: readonly unknown[]): void {
    const { policy, writes, precedence, onOverride } = this.layout;
    const touched = writes.get(method)?.filter((name) => !writesPolicyValue(method, args, name, policy));
    if (touched === undefined || touched.length === 0) return;
    if (!this.applied) {
      if (precedence === 'owner') for (const name of touched) (this.owned as Set<OptionName>).add(name);
      return;
    }
    const socket = this.socket;
    if (socket.destroyed) return;
    try {
      if (precedence === 'policy') apply(socket, part(policy, touched));
      onOverride?.({ by: method, options: touched, kept: precedence }, socket);
    } catch (err) {
      this.onError(err as Error);
    }
  }
}

/**
 * A route's way to hold `policy` on its sockets, laid out once per route:
 * undefined when the policy has no option Node writes. Each call watches
 * the writes of Node's methods to that socket's TCP handle that touch an
 * option of `policy`, from then on; `onError` gets a system error while
 * putting the policy back. The socket must have its handle (it has from
 * connect() on). Nothing here throws into Node's or the owner's call.
 */
export function holder(
  policy: Policy,
  options: HoldOptions,
): ((socket: net.Socket, onError: (err: Error) => void) => Hold) | undefined {
  const writes = writesOf(policy);
  if (writes.size === 0) return undefined;
  const layout: Layout = { policy, writes, precedence: options.precedence ?? 'policy', onOverride: options.onOverride };
  return (socket, onError) => {
    const hold = new SocketHold(layout, socket, onError);
    const handle = tcpHandleOf(socket);
    if (handle !== undefined) watch(handle, hold);
    return hold;
  };
}

/** `policy` without the options in `names`, and those options as skipped because their owner set them. */
export function without(policy: Policy, names: ReadonlySet<OptionName>): { rest: Policy; skipped: Skipped[] } {
  if (names.size === 0) return { rest: policy, skipped: [] };
  const rest: Record<string, unknown> = {};
  const skipped: Skipped[] = [];
  for (const name of OPTION_NAMES) {
    if (policy[name] === undefined) continue;
    if (names.has(name)) skipped.push({ name, reason: 'owner' });
    else rest[name] = policy[name];
  }
  return { rest: rest as Policy, skipped };
}
