// watchCloseWait: finds sockets that stay in CLOSE_WAIT — the peer closed,
// this program never did — and reports (or ends) them.
import { EventEmitter } from 'node:events';
import { listSockets, type SocketEntry } from './census';
import { abort } from '../close';
import { invalidArgType, outOfRange } from '../errors';
import { startTracking } from './registry';
import { validateKeys, validateObject, validateOneOf } from '../validate';

export interface WatchOptions {
  /** How long a socket may stay in CLOSE_WAIT before it is reported, in ms. Default 30 000. */
  after?: number;
  /** How often to take a census, in ms. Default 5 000. */
  interval?: number;
  /** What to do with a stuck socket: report only (default), abort() it (RST) or destroy() it (FIN). */
  action?: 'none' | 'abort' | 'destroy';
}

export interface StuckEvent {
  entry: SocketEntry;
  /** Since the first census that saw it in CLOSE_WAIT: a lower bound. */
  stuckForMs: number;
  /**
   * What was done: the requested action; 'destroy' (a FIN) when 'abort' was
   * asked and no reset could be set; or 'none' when there was no Node socket
   * to act on (created before tracking started, not a net.Socket, or already
   * destroyed).
   */
  action: 'none' | 'abort' | 'destroy';
}

export interface CloseWaitWatchdog extends EventEmitter {
  on(event: 'stuck', listener: (event: StuckEvent) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  stop(): void;
}

function validateMs(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw outOfRange(name, `an integer >= ${min} and <= 2147483647`, value);
  }
  return value;
}

/**
 * Takes a CLOSE_WAIT census every `interval` ms and emits 'stuck' once for
 * each socket found there for longer than `after` ms. Its timer is unref'd:
 * it never keeps the process alive. A failed census is emitted as 'error'
 * when someone listens for it, else as a process warning.
 */
export function watchCloseWait(options: WatchOptions = {}): CloseWaitWatchdog {
  validateObject(options, 'options');
  validateKeys(options, 'options', ['after', 'interval', 'action']);
  const after = validateMs(options.after, 'options.after', 30_000, 0);
  const interval = validateMs(options.interval, 'options.interval', 5_000, 1);
  const action = validateOneOf(options.action ?? 'none', 'options.action', ['none', 'abort', 'destroy'] as const);
  startTracking();

  const watchdog = new EventEmitter() as CloseWaitWatchdog;
  // Keyed by descriptor and 4-tuple: a reused descriptor is a new socket.
  const firstSeen = new Map<string, number>();
  const reported = new Set<string>();

  const sample = (): void => {
    let entries: SocketEntry[];
    try {
      entries = listSockets({ state: 'CLOSE_WAIT' });
    } catch (err) {
      if (watchdog.listenerCount('error') > 0) watchdog.emit('error', err);
      else process.emitWarning(err as Error);
      return;
    }
    const now = Date.now();
    const present = new Set<string>();
    for (const entry of entries) {
      const key = `${entry.fd} ${entry.localAddress} ${entry.localPort} ${entry.remoteAddress} ${entry.remotePort}`;
      present.add(key);
      const since = firstSeen.get(key) ?? now;
      firstSeen.set(key, since);
      if (now - since < after || reported.has(key)) continue;
      reported.add(key);
      let done: StuckEvent['action'] = 'none';
      if (entry.socket && !entry.socket.destroyed && action !== 'none') {
        if (action === 'destroy') {
          entry.socket.destroy();
          done = 'destroy';
        } else {
          // abort() closes a socket it cannot reset too, with a FIN: say so.
          done = abort(entry.socket) ? 'abort' : 'destroy';
        }
      }
      watchdog.emit('stuck', { entry, stuckForMs: now - since, action: done });
    }
    for (const key of firstSeen.keys()) {
      if (!present.has(key)) {
        firstSeen.delete(key);
        reported.delete(key);
      }
    }
  };

  const timer = setInterval(sample, interval).unref();
  const first = setImmediate(sample).unref();
  watchdog.stop = () => {
    clearInterval(timer);
    clearImmediate(first);
  };
  return watchdog;
}
