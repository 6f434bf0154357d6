// Handing a configured socket to its caller: TLS on top, and failures as
// the socket's own 'error'. (What Node writes after is routes/hold.ts's.)
import type * as net from 'node:net';

/** Calls `done` once: on `ready`, or with the first 'error' (or 'timeout', when `timedOut` makes it one). */
export function settle(
  socket: net.Socket,
  ready: 'connect' | 'secureConnect',
  done: (err: Error | null) => void,
  timedOut?: () => Error,
): void {
  const finish = (err: Error | null): void => {
    socket.off(ready, ok);
    socket.off('error', finish);
    socket.off('timeout', timeout);
    done(err);
  };
  const ok = (): void => finish(null);
  const timeout = (): void => finish(timedOut!());
  socket.once(ready, ok);
  socket.once('error', finish);
  if (timedOut) socket.once('timeout', timeout);
}

/**
 * Destroys `socket` with `err` a tick from now, so that 'error' comes after
 * the caller has listened: http's ClientRequest takes its socket on the
 * next tick, and net.createConnection's own failures come as late.
 */
export function failLater(socket: net.Socket, err: Error): net.Socket {
  process.nextTick(() => socket.destroy(err));
  return socket;
}

/**
 * A route's failure once the call is under way, as net.createConnection
 * fails: an argument error (TypeError, RangeError) destroys `socket` and
 * throws, as Node's own do; anything else comes as `socket`'s 'error'.
 */
export function failRoute(socket: net.Socket, err: unknown): net.Socket {
  if (!(err instanceof TypeError || err instanceof RangeError)) return failLater(socket, err as Error);
  socket.destroy();
  throw err;
}

/**
 * Returns a socket still connecting, after `before` (reporting), wrapped by
 * `wrap`. If `before`
 * throws (an onApply of the caller's), or `wrap` fails other than on its
 * arguments, the socket is destroyed with that error, which its owner sees
 * as 'error' — as a failure of net.createConnection's own reaches it —
 * never as a throw into whoever called (an http.Agent opening a socket
 * from its 'close' handler). Bad TLS options still throw, as tls.connect's
 * do, with the socket destroyed first.
 */
export function handOver(tcp: net.Socket, before: () => void, wrap: (tcp: net.Socket) => net.Socket): net.Socket {
  try {
    before();
  } catch (err) {
    return failLater(tcp, err as Error);
  }
  try {
    return wrap(tcp);
  } catch (err) {
    return failRoute(tcp, err);
  }
}
