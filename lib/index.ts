// sockctl: the socket controls Node hides.
import net from 'node:net';
import { invalidArgType } from './errors';
import { setLinger } from './options';
import { fdOf } from './target';

export { fdOf, type Target } from './target';
export {
  constants,
  features,
  getLinger,
  getReuseAddress,
  getReusePort,
  getsockopt,
  MAX_LINGER_SECONDS,
  MAX_RAW_OPTION_BYTES,
  setLinger,
  setReuseAddress,
  setReusePort,
  setsockopt,
  type Linger,
} from './options';
export { getTcpInfo, type CongestionState, type TcpInfo, type TcpOptions } from './tcp-info';
export { TCP_STATES, tcpStateName, type StateNumbering, type TcpState } from './tcp-state';
export {
  bindDgram,
  connect,
  listen,
  openBoundSocket,
  type BindDgramOptions,
  type BindOptions,
  type ConnectOptions,
  type ListenOptions,
} from './bind';
export type { SystemError } from './errors';

/**
 * Abortive close: SO_LINGER {on, 0}, then destroy(). The kernel sends RST
 * instead of FIN, the peer sees ECONNRESET, and no TIME_WAIT is left on this
 * side. Works on TLS sockets too (Node's resetAndDestroy() does not).
 */
export function abort(socket: net.Socket): void {
  if (!(socket instanceof net.Socket))
    throw invalidArgType('socket', 'an instance of net.Socket or tls.TLSSocket', socket);
  setLinger(fdOf(socket), { enabled: true, seconds: 0 });
  socket.destroy();
}
