// The one socket factory: every socket sockctl makes is opened, configured,
// bound and handed to Node here.
import type { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { featureUnavailable, invalidArgValue, systemError } from './errors';
import { native } from './native/binding';
import type { ApplyError } from './errors';
import { apply, type ApplyResult } from './options/api';
import type { Policy } from './options/types';
import { features } from './options/features';
import type { ParsedAddress } from './validate';

/** A new, unbound TCP or UDP socket of one family. Throws the system error. */
export function openSocket(type: 'tcp' | 'udp', family: 4 | 6): number {
  const [fd, syscall] = native.openSocket(type === 'udp' ? 1 : 0, family === 6 ? 1 : 0);
  if (fd < 0) throw systemError(fd, syscall);
  return fd;
}

/** Closes a descriptor sockctl opened, ignoring errors (cleanup paths). */
export function closeQuietly(fd: number): void {
  native.close(fd);
}

/** Binds a socket sockctl opened; the error names the address as given. */
export function bindSocket(fd: number, to: ParsedAddress, port: number, shown = to.host): void {
  const rc = native.bind(fd, to.family === 6 ? 1 : 0, to.scopeId, port, to.host);
  if (rc < 0) throw systemError(rc, 'bind', undefined, { address: shown, port });
}

export interface BindRequest {
  type: 'tcp' | 'udp';
  address: ParsedAddress;
  /** The address as the caller wrote it, for errors. */
  shown: string;
  port: number;
  reuseAddress?: boolean;
  reusePort?: boolean;
  ipv6Only?: boolean;
}

/**
 * Sets what must precede bind: each option, or an error. A refused
 * setsockopt names the address to be bound, as a refused bind does.
 */
function setBeforeBind(fd: number, policy: Policy, where: { address: string; port: number }): void {
  let result: ApplyResult;
  try {
    result = apply(fd, policy);
  } catch (err) {
    const { errno } = err as ApplyError;
    if (typeof errno !== 'number') throw err;
    throw systemError(errno, 'setsockopt', undefined, where);
  }
  // Never silently dropped: an option this kernel lacks is refused by name.
  if (result.skipped.length > 0) throw featureUnavailable(result.skipped[0].name);
}

/**
 * A socket with what must precede bind set through the option table, then
 * bound. Nothing is left open when it throws.
 */
export function openBound(req: BindRequest): number {
  if (req.reusePort && !features.reusePort) throw featureUnavailable('SO_REUSEPORT');
  if (req.ipv6Only !== undefined && req.address.family !== 6) {
    throw invalidArgValue('options.ipv6Only', 'applies to IPv6 addresses only', req.ipv6Only);
  }
  const fd = openSocket(req.type, req.address.family);
  const where = { address: req.shown, port: req.port };
  try {
    // Table rows like any other option; a reuse flag that is false stays the OS default.
    setBeforeBind(
      fd,
      { reuseAddress: req.reuseAddress || undefined, reusePort: req.reusePort || undefined, ipv6Only: req.ipv6Only },
      where,
    );
    bindSocket(fd, req.address, req.port, req.shown);
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
  return fd;
}

/**
 * A net.Socket on a descriptor sockctl made, not yet connected. manualStart:
 * reading an unconnected socket fails with ENOTCONN and Node would close it.
 * Closes the descriptor when Node refuses it.
 */
export function adoptTcp(fd: number, options: net.SocketConstructorOpts = {}): net.Socket {
  try {
    return new net.Socket({
      fd,
      readable: true,
      writable: true,
      manualStart: true,
      ...options,
    } as net.SocketConstructorOpts);
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
}

/**
 * Hands `fd` to Node through `start` and settles on the first of `ready` or
 * 'error'. Once Node has adopted the descriptor it closes it with its handle;
 * if `start` throws before that, the descriptor is closed here. `onError`
 * releases a socket that already owns the descriptor, on either failure.
 * Without a descriptor (Windows) `start` is Node's own listen/connect/bind.
 */
export function startAndSettle<T extends EventEmitter>(
  emitter: T,
  fd: number | undefined,
  ready: string,
  start: () => void,
  onError?: () => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      emitter.off(ready, succeed);
      onError?.();
      reject(err);
    };
    const succeed = (): void => {
      emitter.off('error', fail);
      resolve(emitter);
    };
    emitter.once('error', fail);
    emitter.once(ready, succeed);
    try {
      start();
    } catch (err) {
      emitter.off('error', fail);
      emitter.off(ready, succeed);
      if (onError) onError();
      else if (fd !== undefined) closeQuietly(fd);
      reject(err);
    }
  });
}
