// Which named options this OS, kernel and build support. The kernel is asked
// on first use, not at import: loading sockctl opens no socket.
import * as util from 'node:util';
import { errnosOf } from '../errors';
import { KIND, writeOp } from '../native/abi';
import { native } from '../native/binding';
import { runtime } from '../node-internals';
import { closeQuietly, openSocket } from '../socket';
import { resolved, type Resolved } from './resolve';
import { OPTION_NAMES, type OptionName } from './table';

const unsupportedErrnos = errnosOf('ENOPROTOOPT', 'ENOTSUP', 'EOPNOTSUPP', 'EPROTONOSUPPORT', 'EAFNOSUPPORT');

/** A probe socket, or -1 where the sandbox refuses socket(2). */
function tryOpen(family: 4 | 6): number {
  try {
    return openSocket('tcp', family);
  } catch {
    return -1;
  }
}

function viaKeepAliveVals(r: Resolved, known: Set<OptionName>): void {
  r.keepAliveVals = true;
  r.kind = KIND.keepAliveVals;
  known.add(r.name);
}

/**
 * Reads each option from a fresh socket of each family (a kernel without
 * IP_BIND_ADDRESS_NO_PORT answers ENOPROTOOPT). Without a probe socket (a
 * sandbox that refuses socket(2)), the build's constants decide.
 */
function probe(): Set<OptionName> {
  const known = new Set<OptionName>();
  const v4 = tryOpen(4);
  const v6 = tryOpen(6);
  try {
    for (const r of resolved.values()) {
      // An IPv6-level option is asked of the IPv6 socket, one with a
      // spelling per family of both, the rest of the IPv4 one.
      const ask = r.level6 >= 0 ? [v4, v6] : r.os.level === 'IPPROTO_IPV6' ? [v6] : [v4];
      const answers = ask.filter((fd) => fd >= 0).map((fd) => (writeOp(0, r, r.kind, 0, 0), native.getOp(fd)));
      if (!answers.some((rc) => unsupportedErrnos.has(rc))) {
        known.add(r.name);
      } else if (r.os.fallback === 'keepAliveVals') {
        viaKeepAliveVals(r, known);
      }
    }
  } finally {
    for (const fd of [v4, v6]) if (fd >= 0) closeQuietly(fd);
  }
  // The ioctl writes both times: if either must take it, both do, or it
  // would reset the other to Windows' default.
  const idle = resolved.get('keepAliveIdleSecs');
  const interval = resolved.get('keepAliveIntervalSecs');
  if (idle && interval && idle.keepAliveVals !== interval.keepAliveVals) {
    for (const r of [idle, interval]) viaKeepAliveVals(r, known);
  }
  return known;
}

let known: Set<OptionName> | undefined;
let usableRows: Map<string, Resolved> | undefined;

/** The rows this OS, kernel and build support, by name (probes on first call). */
export function usable(): Map<string, Resolved> {
  if (usableRows === undefined) {
    known = probe();
    usableRows = new Map([...resolved].filter(([name]) => known!.has(name)));
  }
  return usableRows;
}

export type Features = Readonly<Record<OptionName | 'tcpInfo' | 'bindHelpers', boolean>>;

const flags: Record<string, boolean> = {
  // Windows: SIO_TCP_INFO, or the state alone from the TCP table where that
  // ioctl is missing.
  tcpInfo:
    native.constants.TCP_INFO !== undefined ||
    native.constants.TCP_CONNECTION_INFO !== undefined ||
    process.platform === 'win32',
  // listen(), connect(), bindDgram() and createConnection() can set options
  // before bind or connect by handing Node a socket sockctl made. False on
  // Windows, where Node cannot adopt a SOCKET, and on Bun and Deno, which
  // connect a socket of their own whatever descriptor they are given.
  bindHelpers: process.platform !== 'win32' && runtime === 'Node',
};

/**
 * What this OS, kernel and build support: one flag per named option, plus
 * `tcpInfo` and `bindHelpers`. The option flags ask the kernel on first read.
 */
export const features = {} as Features;
for (const name of OPTION_NAMES) {
  Object.defineProperty(features, name, { enumerable: true, get: () => usable().has(name) });
}
for (const [name, value] of Object.entries(flags)) Object.defineProperty(features, name, { enumerable: true, value });
// console.log(features) shows the flags, not getters.
Object.defineProperty(features, util.inspect.custom, { value: () => ({ ...features }) });
Object.freeze(features);

/**
 * What this runtime lacks that Node has, one sentence each: empty on Node.
 * Each is also said where it matters (an error, a SOCKCTL_RUNTIME warning,
 * an entry of unreached()); docs/platforms.md has the table.
 */
export const runtimeLimits: readonly string[] = Object.freeze(
  {
    Node: [],
    Bun: [
      'No socket made first is adopted: pre-bind options are refused by name (bindHelpers) and createConnection, createSocket and undiciConnector set the policy at connect.',
      "'undici' resolves to Bun's own module, whose Agent never calls undiciConnector (warned once).",
      'The global fetch is native code: no route reaches its sockets (unreached() names them).',
      'No handles are listed: sockets and servers made before tracking started are not named.',
    ],
    Deno: [
      'No socket made first is adopted: pre-bind options are refused by name (bindHelpers) and createConnection, createSocket and undiciConnector set the policy at connect.',
      'Handles carry no descriptor: sockets are found by their endpoints, and two with the same endpoints (reusePort) cannot be told apart (EBADF).',
      'The global fetch is native code: no route reaches its sockets (unreached() names them).',
      'No preload runs in worker threads: the register hook does not reach them (warned at the first Worker).',
    ],
  }[runtime],
);
