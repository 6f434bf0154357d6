// The one `ss` harness, a witness outside sockctl: what the kernel shows of
// exactly one connection, named by its whole 4-tuple, parsed (netstat
// stands in for the states on Windows and macOS); and the peers of one
// local endpoint, for the census.
import { spawnSync } from 'node:child_process';
import { under, windows } from '../helpers/platform';
import type { FourTuple } from '../helpers/sockets';

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The states `ss` reports for exactly this 4-tuple, seen from its local
 * side: a witness outside sockctl (`netstat` on Windows). An ephemeral port
 * alone would match unrelated sockets, so the filter names all four parts.
 */
export function ssStates(t: FourTuple): string[] {
  if (windows) return netstatStates(t);
  if (process.platform === 'darwin') return bsdNetstatStates(t);
  const out = spawnSync(
    'ss',
    ['-H', '-tan', 'src', endpoint(t.localAddress, t.localPort), 'dst', endpoint(t.remoteAddress, t.remotePort)],
    { encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(`ss failed: ${out.stderr || out.error}`);
  return out.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s+/)[0]);
}

/**
 * ssStates on Windows: netstat's lines for the 4-tuple, its state names
 * spelled as ss spells them (TIME_WAIT → TIME-WAIT).
 */
function netstatStates(t: FourTuple): string[] {
  const family = t.localAddress.includes(':') ? 'TCPv6' : 'TCP';
  const out = spawnSync('netstat', ['-an', '-p', family], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`netstat failed: ${out.stderr || out.error}`);
  const local = endpoint(t.localAddress, t.localPort);
  const remote = endpoint(t.remoteAddress, t.remotePort);
  return out.stdout
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s+/))
    .filter(([proto, from, to]) => proto === 'TCP' && from === local && to === remote)
    .map((columns) => columns[3].replace(/_/g, '-'));
}

/**
 * ssStates on macOS: BSD netstat writes an endpoint as address.port
 * (127.0.0.1.5000, ::1.5000).
 */
function bsdNetstatStates(t: FourTuple): string[] {
  const out = spawnSync('netstat', ['-an', '-p', 'tcp'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`netstat failed: ${out.stderr || out.error}`);
  const local = `${t.localAddress}.${t.localPort}`;
  const remote = `${t.remoteAddress}.${t.remotePort}`;
  return out.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([proto, , , from, to]) => proto?.startsWith('tcp') && from === local && to === remote)
    .map((columns) => columns[5].replace(/_/g, '-'));
}

/** True where ssStates has no witness for this address: Wine 8's netstat lists no IPv6 connection. */
export function noStateWitness(address: string): boolean {
  return address.includes(':') && under('wine', "Wine 8's netstat lists no IPv6 connection");
}

/**
 * Linux: the peers (address:port, as ss writes them) of every connection
 * in `state` on a local endpoint — a listener's accepted sockets, say.
 */
export function ssPeers(state: string, localAddress: string, localPort: number): string[] {
  const out = spawnSync('ss', ['-H', '-tan', 'state', state, 'src', endpoint(localAddress, localPort)], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`ss failed: ${out.stderr || out.error}`);
  return out.stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).at(-1)!);
}

/**
 * Linux: what `ss` shows of exactly one connection — timers, skmem, marks,
 * the congestion algorithm, tos, inet flags — a witness outside sockctl.
 */
export function ssOf(t: FourTuple): string {
  const out = spawnSync(
    'ss',
    [
      '-H',
      '-atnoeim',
      '--tos',
      '--inet-sockopt',
      'src',
      endpoint(t.localAddress, t.localPort),
      'dst',
      endpoint(t.remoteAddress, t.remotePort),
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (out.status !== 0) throw new Error(`ss failed: ${out.stderr || out.error}`);
  const sockets = out.stdout.split('\n').filter((line) => /^\S/.test(line));
  if (sockets.length !== 1) throw new Error(`ss matched ${sockets.length} sockets, not 1:\n${out.stdout}`);
  return out.stdout.replace(/\s+/g, ' ').trim();
}

export interface SsView {
  state: string;
  local: string;
  /** Seconds left on the keepalive timer; undefined without one. */
  keepaliveSecs?: number;
  fwmark?: number;
  rb: number;
  tb: number;
  tokens: string[];
  tos?: number;
  tclass?: number;
  classId?: number;
  inetFlags: string[];
  advmss: number;
}

export function parseSs(line: string): SsView {
  const [state, , , local] = line.split(' ');
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(line);
    return m ? Number(m[1]) : undefined;
  };
  // ss writes 3min19sec, 9sec, 976ms, and (iproute2 6.x) 4.976ms for 4 s and 976 ms.
  const timer = /timer:\(keepalive,(?:(\d+)min)?(?:(\d+(?:\.\d+)?)sec|(\d+)\.)?(?:(\d+)ms)?,/.exec(line);
  const skmem = /skmem:\(([^)]*)\)/.exec(line)?.[1] ?? '';
  return {
    state,
    local,
    keepaliveSecs: timer
      ? Number(timer[1] ?? 0) * 60 + Number(timer[2] ?? timer[3] ?? 0) + Number(timer[4] ?? 0) / 1000
      : undefined,
    fwmark: num(/\bfwmark:(0x[0-9a-f]+)/),
    rb: Number(/\brb(\d+)/.exec(skmem)?.[1]),
    tb: Number(/\btb(\d+)/.exec(skmem)?.[1]),
    tokens: line.split(' '),
    tos: num(/\btos:(0x[0-9a-f]+|\d+)/),
    tclass: num(/\btclass:(0x[0-9a-f]+|\d+)/),
    classId: num(/\bclass_id:(0x[0-9a-f]+|\d+)/),
    inetFlags: (/inet-sockopt: \(([^)]*)\)/.exec(line)?.[1] ?? '').trim().split(/\s+/),
    advmss: Number(/\badvmss:(\d+)/.exec(line)?.[1]),
  };
}
