// What the metrics read, from one census per collection: connections by
// state and by the local port of their server, the sockets stuck in
// CLOSE_WAIT past a threshold, what a watchdog did, and TCP-info aggregates.
import type { CloseWaitWatchdog } from '../census/watchdog';
import { listSockets } from '../census/census';
import { invalidArgType, outOfRange } from '../errors';
import type { TcpState } from '../tcp/state';
import { validateKeys, validateObject } from '../validate';

export interface MetricsOptions {
  /** A CLOSE_WAIT socket counts as stuck after this many ms in that state. Default 30 000 (the watchdog's). */
  stuckAfterMs?: number;
  /** A watchdog whose actions are counted. */
  watchdog?: CloseWaitWatchdog;
}

export interface Snapshot {
  /** [state, local port of the socket's server or undefined, count]. */
  connections: [TcpState, number | undefined, number][];
  stuck: number;
  /** Retransmitted segments, summed over the open connections. */
  retransmits: number;
  /** Over the established connections, in seconds; undefined without one. */
  rttMax?: number;
  rttMean?: number;
}

/** OpenTelemetry's `network.connection.state` values (semantic conventions). */
export const OTEL_STATE: Record<TcpState, string> = {
  CLOSED: 'closed',
  LISTEN: 'listen',
  SYN_SENT: 'syn_sent',
  SYN_RECEIVED: 'syn_recv',
  ESTABLISHED: 'established',
  CLOSE_WAIT: 'close_wait',
  FIN_WAIT_1: 'fin_wait_1',
  CLOSING: 'closing',
  LAST_ACK: 'last_ack',
  FIN_WAIT_2: 'fin_wait_2',
  TIME_WAIT: 'time_wait',
};

/** How many censuses the metrics have taken (for tests: one per collection). */
export let censusesTaken = 0;

export interface Sampler {
  take(): Snapshot;
  /** What the watchdog did, by action, since the metrics were made. */
  actions: Map<string, number>;
}

export function sampler(options: MetricsOptions, name: string): Sampler {
  validateObject(options, name);
  validateKeys(options, name, ['stuckAfterMs', 'watchdog']);
  const after = options.stuckAfterMs ?? 30_000;
  if (typeof after !== 'number') throw invalidArgType(`${name}.stuckAfterMs`, 'of type number', after);
  if (!Number.isInteger(after) || after < 0) throw outOfRange(`${name}.stuckAfterMs`, 'an integer >= 0', after);
  const watchdog = options.watchdog;
  if (watchdog !== undefined && typeof (watchdog as { on?: unknown })?.on !== 'function') {
    throw invalidArgType(`${name}.watchdog`, 'a watchdog from watchCloseWait()', watchdog);
  }
  const actions = new Map<string, number>();
  watchdog?.on('stuck', ({ action }) => actions.set(action, (actions.get(action) ?? 0) + 1));
  // Since when each CLOSE_WAIT socket has been seen there, by descriptor and 4-tuple (as the watchdog keys them).
  const firstSeen = new Map<string, number>();

  const take = (): Snapshot => {
    censusesTaken++;
    const entries = listSockets({ tcpInfo: true });
    const now = Date.now();
    const counts = new Map<string, [TcpState, number | undefined, number]>();
    const present = new Set<string>();
    let stuck = 0;
    let retransmits = 0;
    let rttSum = 0;
    let rttN = 0;
    let rttMax: number | undefined;
    for (const e of entries) {
      const port = e.server ? (e.server.address() as { port?: number } | null)?.port : undefined;
      const key = `${e.state} ${port ?? ''}`;
      const c = counts.get(key) ?? [e.state, port, 0];
      c[2]++;
      counts.set(key, c);
      if (e.state === 'CLOSE_WAIT') {
        const id = `${e.fd} ${e.localAddress} ${e.localPort} ${e.remoteAddress} ${e.remotePort}`;
        present.add(id);
        const since = firstSeen.get(id) ?? now;
        firstSeen.set(id, since);
        if (now - since >= after) stuck++;
      }
      const info = e.tcpInfo;
      if (info !== undefined) {
        retransmits += info.totalRetransSegs ?? 0;
        if (e.state === 'ESTABLISHED' && info.rttUs !== undefined) {
          const rtt = info.rttUs / 1e6;
          rttSum += rtt;
          rttN++;
          rttMax = rttMax === undefined ? rtt : Math.max(rttMax, rtt);
        }
      }
    }
    for (const id of firstSeen.keys()) if (!present.has(id)) firstSeen.delete(id);
    return {
      connections: [...counts.values()],
      stuck,
      retransmits,
      rttMax,
      rttMean: rttN > 0 ? rttSum / rttN : undefined,
    };
  };
  return { take, actions };
}
