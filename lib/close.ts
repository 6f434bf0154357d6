// Closing on purpose: abortive (RST) or graceful-then-abortive.
import * as net from 'node:net';
import { invalidArgType, outOfRange } from './errors';
import { setLinger } from './options';
import { fdOf } from './target';

function validateSocket(socket: unknown): asserts socket is net.Socket {
  if (!(socket instanceof net.Socket)) {
    throw invalidArgType('socket', 'an instance of net.Socket or tls.TLSSocket', socket);
  }
}

/**
 * Abortive close: SO_LINGER {on, 0}, then destroy(). The kernel sends RST
 * instead of FIN, the peer sees ECONNRESET, and no TIME_WAIT is left on this
 * side. Works on TLS sockets too (Node's resetAndDestroy() does not).
 */
export function abort(socket: net.Socket): void {
  validateSocket(socket);
  setLinger(fdOf(socket), { enabled: true, seconds: 0 });
  socket.destroy();
}

export type CloseOutcome = 'graceful' | 'aborted' | 'reset';

/**
 * Lingering close without blocking: sends FIN (end()), reads and discards
 * whatever the peer still sends until its FIN, then closes. If the peer has
 * not finished within `timeout` ms, resets the connection (abort()).
 * Resolves with 'graceful', 'aborted', or 'reset' when the peer reset it
 * first. Never uses SO_LINGER > 0, which would block the event loop.
 */
export function closeGracefully(socket: net.Socket, options: { timeout?: number } = {}): Promise<CloseOutcome> {
  // Bad arguments reject (thrown inside the executor), like every async call here.
  return new Promise((resolve) => {
    validateSocket(socket);
    if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options);
    const { timeout = 30_000 } = options;
    if (typeof timeout !== 'number') throw invalidArgType('options.timeout', 'of type number', timeout);
    if (!(timeout >= 0 && timeout <= 0x7fffffff))
      throw outOfRange('options.timeout', '>= 0 and <= 2147483647', timeout);
    fdOf(socket); // a destroyed socket: EBADF now, not a promise that never settles

    let outcome: CloseOutcome = 'graceful';
    const timer = setTimeout(() => {
      if (socket.destroyed) return; // already closing: 'close' settles it
      outcome = 'aborted';
      try {
        abort(socket);
      } catch {
        socket.destroy(); // never leave the promise, or the socket, hanging
      }
    }, timeout);
    // A reset by the peer is an outcome here, not an unhandled 'error'.
    const ignore = (): void => {};
    socket.on('error', ignore);
    socket.once('close', (hadError) => {
      clearTimeout(timer);
      socket.off('error', ignore);
      resolve(hadError && outcome === 'graceful' ? 'reset' : outcome);
    });
    socket.resume(); // drain: unread data would turn our close into RST
    // Once both FINs are through, Node destroys the socket itself (autoDestroy).
    socket.end();
  });
}
