// The real sockets the fuzzer aims at, on loopback: a listener, a Unix
// listener, a UDP socket, a connection, a file, closed and destroyed ones.
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as sockctl from '../../lib';
import { Pcg32, junk } from './inputs';
import type { Ctx } from './schemas';

/** What a target is, and so which error a call on it must give. */
export type Kind = 'socket' | 'udp' | 'listener' | 'unix' | 'closed' | 'file' | 'gone' | 'notype' | 'range';

export interface Target {
  value: unknown;
  kind: Kind;
  /** A net.Socket that a call may destroy (abort, closeGracefully): made fresh, destroyed after. */
  fresh?: boolean;
}

export class Fuzzer implements Ctx {
  readonly rng: Pcg32;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-fuzz-'));
  server!: net.Server;
  /** Ends its side once the client ends: closeGracefully to it settles at once. */
  private closer!: net.Server;
  unixServer: net.Server | undefined;
  /** Where unixServer listens, if it does. */
  unixPath: string | undefined;
  private udp!: dgram.Socket;
  port = 0;
  private closerPort = 0;
  private file = -1;
  private gone!: net.Socket;
  private client!: net.Socket;
  private readonly accepted = new Set<net.Socket>();
  /** Calls of each export so far. */
  readonly calls = new Map<string, number>();

  constructor(seed: number) {
    this.rng = new Pcg32(seed);
  }

  private async listener(allowHalfOpen: boolean): Promise<[net.Server, number]> {
    const server = net.createServer({ allowHalfOpen }, (s) => {
      s.on('error', () => {});
      s.resume();
      this.accepted.add(s);
      s.once('close', () => this.accepted.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return [server, (server.address() as net.AddressInfo).port];
  }

  async start(): Promise<void> {
    [this.server, this.port] = await this.listener(true);
    [this.closer, this.closerPort] = await this.listener(false);
    // A Unix-domain listener where the OS offers one (Wine, for one, does not).
    const unixPath = path.join(this.dir, 's');
    this.unixServer = await new Promise<net.Server | undefined>((resolve) => {
      const server = net.createServer((s) => {
        s.on('error', () => {});
        this.accepted.add(s);
        s.once('close', () => this.accepted.delete(s));
      });
      server.once('error', () => resolve(undefined));
      server.listen(unixPath, () => resolve(server));
    });
    if (this.unixServer) this.unixPath = unixPath;
    this.udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => this.udp.bind(0, '127.0.0.1', r));
    this.file = fs.openSync(__filename, 'r');
    this.gone = await this.connection();
    this.gone.destroy();
    this.client = await this.connection();
  }

  async stop(): Promise<void> {
    this.client.destroy();
    fs.closeSync(this.file);
    for (const s of this.accepted) s.destroy();
    for (const server of [this.server, this.closer, this.unixServer]) {
      if (server) await new Promise((r) => server.close(r));
    }
    await new Promise<void>((r) => this.udp.close(r));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** A fresh connection to the listener that closes when the client does. */
  connection(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port: this.closerPort, host: '127.0.0.1', allowHalfOpen: true });
      s.on('error', () => {});
      s.once('connect', () => resolve(s)).once('error', reject);
    });
  }

  private closedFd(): number {
    // Windows handle values ignore their low two bits and C runtime
    // descriptors are no handles at all: there, a value far above any
    // handle in use.
    if (process.platform === 'win32') return 4_000_000;
    const fd = fs.openSync(__filename, 'r');
    fs.closeSync(fd);
    return fd;
  }

  /** A target; `destructive`: the call may close it, so a socket is a fresh one. */
  async target(destructive: boolean): Promise<Target> {
    switch (this.rng.below(11)) {
      case 0:
        return { value: this.server, kind: 'listener' };
      case 1:
        return { value: sockctl.fdOf(this.server), kind: 'listener' };
      case 2:
        return { value: this.udp, kind: 'udp' };
      case 3:
        return this.unixServer ? { value: this.unixServer, kind: 'unix' } : { value: this.server, kind: 'listener' };
      case 4:
        return { value: this.closedFd(), kind: 'closed' };
      case 5:
        return process.platform === 'win32'
          ? { value: this.closedFd(), kind: 'closed' }
          : { value: this.file, kind: 'file' };
      case 6:
        return { value: this.gone, kind: 'gone' };
      case 7:
        return { value: new net.Socket(), kind: 'gone' };
      case 8: {
        const v = this.rng.pick(junk);
        if (typeof v === 'number') {
          // Only numbers that cannot name a descriptor of this process: a
          // random small one could be the test runner's own channel.
          if (Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1) {
            return { value: 1_000_000 + (v % 1000), kind: 'closed' };
          }
          return { value: v, kind: 'range' };
        }
        return { value: v, kind: 'notype' };
      }
      default:
        return destructive
          ? { value: await this.connection(), kind: 'socket', fresh: true }
          : { value: this.client, kind: 'socket' };
    }
  }
}
