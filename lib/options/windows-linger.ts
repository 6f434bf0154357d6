// Windows: a linger above 0 on a socket Node closes leaks that socket.
// Winsock's closesocket() on a non-blocking socket with SO_LINGER
// { on, n > 0 } fails with WSAEWOULDBLOCK when the close cannot complete at
// once (data still unsent or unacknowledged), and then, Microsoft's
// closesocket page says, the handle stays valid and no disconnect starts: it
// must be closed again. libuv makes every socket non-blocking, calls
// closesocket() once in its close path (uv__tcp_close in src/win/tcp.c),
// ignores the result and forgets the handle. A bare SOCKET whose owner
// closes it may still linger: the error is that owner's to see.
import { featureUnavailable } from '../errors';
import type { Target } from '../target';

/**
 * `'route'`: the sockets a policy route (createConnection, undiciConnector,
 * installPolicy) will set, which on Windows are always Node's own.
 */
export type LingerOwner = Target | 'route';

// Decided once: `process.platform` is a global load, a property load and a
// string comparison on every setLinger call otherwise.
const ON_WINDOWS = process.platform === 'win32';

/** An enabled linger that waits: a number of seconds above 0, or `{ enabled: true, seconds > 0 }`. */
function waits(value: unknown): boolean {
  if (typeof value === 'number') return value > 0;
  if (typeof value !== 'object' || value === null) return false;
  const { enabled, seconds } = value as { enabled?: unknown; seconds?: unknown };
  return enabled === true && typeof seconds === 'number' && seconds > 0;
}

/**
 * Throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM on Windows for a linger above 0
 * on a socket Node closes (anything but a bare descriptor number); a linger
 * of 0 (abort) and a disabled one pass, as does every value on other OSes.
 * Call it after the value has been validated.
 */
export function refuseBlockingLinger(owner: LingerOwner, value: unknown, platform?: NodeJS.Platform): void {
  const windows = platform === undefined ? ON_WINDOWS : platform === 'win32';
  if (!windows || typeof owner === 'number' || !waits(value)) return;
  throw featureUnavailable(
    "SO_LINGER above 0 on a socket Node closes (Winsock's closesocket fails with WSAEWOULDBLOCK " +
      'on a non-blocking socket and the socket leaks; set it on a bare SOCKET you close yourself)',
  );
}
