// Closing on purpose: abortive (RST) or graceful-then-abortive.
import * as net from 'node:net';
import { invalidArgType, outOfRange } from './errors';
import { setLinger } from './options/legacy';
import { fdOf } from './target';
import { validateKeys, validateObject } from './validate';

function validateSocket(socket: unknown): asserts socket is net.Socket {
  if (!(socket instanceof net.Socket)) {
    throw invalidArgType('socket', 'an instance of net.Socket or tls.TLSSocket', socket);
  }
}

/**
 * Abortive close: SO_LINGER {on, 0}, then destroy(). The kernel sends RST
 * instead of FIN, the peer sees ECONNRESET, and no TIME_WAIT is left on this
 * side. Works on TLS sockets too (Node's resetAndDestroy() does not).
 *
 * Never throws for a socket, whatever its state: it runs from timers and
 * event listeners, where a throw ends the process. A destroyed socket is
 * left as it is; one not connected yet (or with no OS socket left) is
 * destroyed, with no connection to reset. Returns true when it reset the
 * connection, false when it did not.
 */
export function abort(socket: net.Socket): boolean {
  validateSocket(socket);
  if (socket.destroyed) return false;
  const reset = !socket.connecting && lingerZero(socket);
  socket.destroy();
  return reset;
}

/** Sets linger 0 on the socket's descriptor; false when it has none (or the OS refused). */
function lingerZero(socket: net.Socket): boolean {
  try {
    setLinger(fdOf(socket), { enabled: true, seconds: 0 });
    return true;
  } catch {
    return false;
  }
}

/**
 * How closeGracefully() ended: 'graceful', closed with no reset (the peer
 * answered our FIN with its own, or the socket's owner destroyed it first);
 * 'aborted', reset by us at the deadline; 'reset', reset by the peer.
 */
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
    validateObject(options, 'options');
    validateKeys(options, 'options', ['timeout']);
    const { timeout = 30_000 } = options;
    if (typeof timeout !== 'number') throw invalidArgType('options.timeout', 'of type number', timeout);
    if (!(timeout >= 0 && timeout <= 0x7fffffff))
      throw outOfRange('options.timeout', '>= 0 and <= 2147483647', timeout);
    fdOf(socket); // a destroyed socket: EBADF now, not a promise that never settles

    let outcome: CloseOutcome = 'graceful';
    const timer = setTimeout(() => {
      if (socket.destroyed) return; // already closing: 'close' settles it
      // abort() is false only if the OS refused linger 0: a plain close then.
      if (abort(socket)) outcome = 'aborted';
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
