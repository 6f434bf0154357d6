// How listen(), connect() and bindDgram() reach a socket before its bind,
// chosen once for this platform. POSIX: sockctl makes and binds the socket
// and hands Node the descriptor to adopt. Windows: Node cannot adopt a
// SOCKET (`listen({ fd })` fails with EINVAL, `new net.Socket({ fd })` with
// ERR_INVALID_FD_TYPE), so Node's own calls run with what they take, and
// what must be set before bind is refused by name. Bun and Deno take the
// same path: they connect and bind sockets of their own whatever descriptor
// they are given.
import cluster from 'node:cluster';
import type * as dgram from 'node:dgram';
import * as net from 'node:net';
import { track } from './census/registry';
import { featureUnavailable } from './errors';
import { runtime } from './node-internals';
import { features } from './options/features';
import { adoptTcp, openBound, startAndSettle } from './socket';
import { optionalBoolean, parseAddress } from './validate';

/** What must come before bind, as the caller asked for it. */
export interface BeforeBind {
  reuseAddress?: boolean;
  reusePort?: boolean;
  ipv6Only?: boolean;
}

export interface Binder {
  listen(
    server: net.Server,
    address: string,
    port: number,
    backlog: number | undefined,
    opts: BeforeBind,
  ): Promise<net.Server>;
  connect(
    remote: { address: string; port: number },
    local: { address?: string; port: number },
    opts: BeforeBind,
  ): Promise<net.Socket>;
  bindDgram(socket: dgram.Socket, address: string, port: number, opts: BeforeBind): Promise<dgram.Socket>;
}

const adopting: Binder = {
  listen(server, address, port, backlog, opts) {
    // A cluster worker hands listen({ fd }) to the primary, which cannot use
    // a descriptor number of this process: refuse before creating anything.
    if (cluster.isWorker) {
      throw featureUnavailable('listen() in a cluster worker (Node passes listen({ fd }) to the primary)');
    }
    const fd = openBound({
      type: 'tcp',
      address: parseAddress(address, 'options.host'),
      shown: address,
      port,
      reusePort: opts.reusePort,
      // As Node's own listen() does on Unix.
      reuseAddress: opts.reuseAddress ?? true,
      ipv6Only: opts.ipv6Only,
    });
    return startAndSettle(server, fd, 'listening', () => server.listen({ fd, backlog }));
  },
  connect(remote, local, opts) {
    const localAddress = local.address ?? (net.isIP(remote.address) === 6 ? '::' : '0.0.0.0');
    const fd = openBound({
      type: 'tcp',
      address: parseAddress(localAddress, 'options.localAddress'),
      shown: localAddress,
      port: local.port,
      reuseAddress: opts.reuseAddress,
      reusePort: opts.reusePort,
    });
    const socket = adoptTcp(fd);
    track(socket);
    // A failed connect leaves the socket half alive; destroy() closes the descriptor.
    return startAndSettle(
      socket,
      fd,
      'connect',
      () => socket.connect({ port: remote.port, host: remote.address }),
      () => socket.destroy(),
    );
  },
  bindDgram(socket, address, port, opts) {
    const fd = openBound({
      type: 'udp',
      address: parseAddress(address, 'options.address'),
      shown: address,
      port,
      ...opts,
    });
    // exclusive: in a cluster worker, bind here rather than through the primary.
    return startAndSettle(socket, fd, 'listening', () => socket.bind({ fd, exclusive: true } as dgram.BindOptions));
  },
};

/** Why what must come before bind cannot reach the socket here. */
const why =
  runtime === 'Node'
    ? 'on Windows, where Node cannot adopt a socket bound first'
    : `on ${runtime}, which adopts no socket made first`;

/** Refuses by name what cannot reach the socket Node makes, before anything is created. */
function refuseBeforeBind(call: string, opts: BeforeBind, nodeTakesIpv6Only: boolean, takesReusePort = false): void {
  if (optionalBoolean(opts.reusePort, 'options.reusePort') && !takesReusePort) {
    throw featureUnavailable(process.platform === 'win32' ? 'SO_REUSEPORT' : `${call} with reusePort (${why})`);
  }
  if (optionalBoolean(opts.reuseAddress, 'options.reuseAddress')) {
    throw featureUnavailable(`${call} with reuseAddress (${why})`);
  }
  if (optionalBoolean(opts.ipv6Only, 'options.ipv6Only') && !nodeTakesIpv6Only) {
    throw featureUnavailable(`${call} with ipv6Only (${why})`);
  }
}

const nodeOwn: Binder = {
  listen(server, address, port, backlog, opts) {
    // Bun's and Deno's own listen() take reusePort (Windows has no SO_REUSEPORT).
    refuseBeforeBind('listen()', opts, true, process.platform !== 'win32');
    const options = { host: address, port, backlog, ipv6Only: opts.ipv6Only, reusePort: opts.reusePort };
    return startAndSettle(server, undefined, 'listening', () => server.listen(options));
  },
  connect(remote, local, opts) {
    refuseBeforeBind('connect()', opts, false);
    const socket = new net.Socket();
    track(socket);
    return startAndSettle(
      socket,
      undefined,
      'connect',
      () =>
        socket.connect({ port: remote.port, host: remote.address, localAddress: local.address, localPort: local.port }),
      () => socket.destroy(),
    );
  },
  bindDgram(socket, address, port, opts) {
    refuseBeforeBind('bindDgram()', opts, false);
    return startAndSettle(socket, undefined, 'listening', () => socket.bind({ address, port }));
  },
};

/** This platform's binder: adopting where Node adopts a descriptor, Node's own calls on Windows, Bun and Deno. */
export const binder: Binder = features.bindHelpers ? adopting : nodeOwn;
/** Whether the runtime adopts a descriptor sockctl made (false on Windows, Bun and Deno). */
export const adoptsSockets = features.bindHelpers;
