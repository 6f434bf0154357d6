// Linux: the kernel's own answers on a duplicate of a descriptor, in another
// process (python3, which gets the descriptor as its fd 3): a witness
// outside sockctl. The duplicate shares the socket, so what it sets or binds
// is the socket's.
import { spawnSync } from 'node:child_process';
import { constants } from '../../lib';

function onDup(fd: number, script: string, arg: string): unknown {
  const out = spawnSync('python3', ['-c', script, arg], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', fd],
    timeout: 10_000,
  });
  if (out.status !== 0) throw new Error(`python3 failed: ${out.stderr || out.error}`);
  return JSON.parse(out.stdout);
}

const SOCKOPT_SCRIPT = `
import errno, json, socket, sys
s = socket.socket(fileno=3)
out = []
for level, name, *value in json.loads(sys.argv[1]):
    try:
        if value:
            s.setsockopt(level, name, value[0])
            out.append('ok')
        else:
            out.append(s.getsockopt(level, name))
    except OSError as e:
        out.append(errno.errorcode[e.errno])
s.detach()
print(json.dumps(out))
`;

/**
 * Int socket options on a duplicate of `fd`. Each call is `[level, name]`,
 * read as an int, or `[level, name, value]`, set, answering 'ok' or the
 * errno's name ('EINVAL').
 */
export function sockoptOnDup(
  fd: number,
  calls: Array<[number, number] | [number, number, number]>,
): Array<number | string> {
  return onDup(fd, SOCKOPT_SCRIPT, JSON.stringify(calls)) as Array<number | string>;
}

const BIND_SCRIPT = `
import errno, json, socket, sys
s = socket.socket(fileno=3)
address, port = json.loads(sys.argv[1])
try:
    s.bind((address, port))
    out = 'ok'
except OSError as e:
    out = errno.errorcode[e.errno]
s.detach()
print(json.dumps(out))
`;

/** Binds the socket behind `fd` (port 0: the kernel's choice, or none yet); answers 'ok' or the errno's name. */
export function bindOnDup(fd: number, address: string, port = 0): string {
  return onDup(fd, BIND_SCRIPT, JSON.stringify([address, port])) as string;
}

const BYTES_SCRIPT = `
import json, socket, sys
s = socket.socket(fileno=3)
level, name, length = json.loads(sys.argv[1])
out = list(s.getsockopt(level, name, length))
s.detach()
print(json.dumps(out))
`;

/** The bytes of a socket option (a struct such as linger), read on a duplicate of `fd`. */
export function sockoptBytesOnDup(fd: number, level: number, name: number, length: number): Uint8Array {
  return Uint8Array.from(onDup(fd, BYTES_SCRIPT, JSON.stringify([level, name, length])) as number[]);
}

/** TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and TCP_NODELAY (0 or 1) of `fd`, read on a duplicate (Linux names). */
export function tcpKeepAliveOnDup(fd: number): { idle: number; interval: number; count: number; noDelay: number } {
  const c = constants as Record<string, number>;
  const [idle, interval, count, noDelay] = sockoptOnDup(fd, [
    [c.IPPROTO_TCP, c.TCP_KEEPIDLE],
    [c.IPPROTO_TCP, c.TCP_KEEPINTVL],
    [c.IPPROTO_TCP, c.TCP_KEEPCNT],
    [c.IPPROTO_TCP, c.TCP_NODELAY],
  ]) as number[];
  return { idle, interval, count, noDelay: noDelay === 0 ? 0 : 1 };
}
