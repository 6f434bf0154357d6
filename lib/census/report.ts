// The socket report: a census written to a JSON file an operator can read
// later, with a header like Node's diagnostic report, counts by state, the
// sockets in closing states grouped by where they were made and by the
// server that accepted them (largest group first), the oldest sockets, and
// a one-line summary. Written readable by its owner only, never over a file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import { invalidArgType } from '../errors';
import { otherRuntime } from '../node-internals';
import { validateKeys, validateObject } from '../validate';
import { TCP_STATES, type TcpState } from '../tcp/state';
import { listSockets, type SocketEntry } from './census';

export interface ReportOptions {
  /** Where the report goes. Default: the working directory. */
  directory?: string;
  /** Add each socket's TCP info. Default false. */
  tcpInfo?: boolean;
}

/** One socket in a report: a census entry, with its server as its listening address (`address:port`) instead of an object. */
export type ReportedSocket = Omit<SocketEntry, 'socket' | 'server'> & { server?: string };

/** Sockets of one state with one site (or one server) in common. */
export interface ReportGroup {
  state: TcpState;
  /** `bySite`: where they were made ('unknown' without stacks); `byServer`: the server's address ('none': clients). */
  key: string;
  count: number;
  oldestAgeMs?: number;
}

export interface SocketReport {
  header: {
    reportVersion: 1;
    event: 'sockctl socket report';
    trigger: string;
    time: string;
    pid: number;
    threadId: number;
    /**
     * 'process': every TCP socket of the process (the main thread's report); 'thread': those this worker
     * thread made or accepted (a worker's: the census is the process's, and only its own map to its objects).
     */
    scope: 'process' | 'thread';
    /** The Node version the runtime reports (Bun and Deno report one too). */
    nodeVersion: string;
    /** 'node', or the runtime that wrote the report with its version: 'bun 1.4.5', 'deno 2.9.6'. */
    runtime: string;
    sockctlVersion: string;
    platform: string;
    arch: string;
    hostname: string;
    uptimeSeconds: number;
    cwd: string;
  };
  /** "412 sockets in CLOSE_WAIT, 400 of them created at lib/db.js:42:17, oldest 3 h". */
  summary: string;
  counts: Partial<Record<TcpState, number>>;
  /** The sockets in closing states (not LISTEN, not ESTABLISHED), grouped, largest group first. */
  groups: { bySite: ReportGroup[]; byServer: ReportGroup[] };
  /** The ten oldest sockets whose age is known, oldest first. */
  oldest: ReportedSocket[];
  sockets: ReportedSocket[];
}

const GROUPED = (state: TcpState): boolean => state !== 'LISTEN' && state !== 'ESTABLISHED';
const OLDEST = 10;

let version: string | undefined;
function sockctlVersion(): string {
  version ??= (
    JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  return version;
}

function addressOf(entry: SocketEntry): string | undefined {
  const address = entry.server?.address();
  if (address === null || address === undefined || typeof address === 'string') return address ?? undefined;
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

function reported(entry: SocketEntry): ReportedSocket {
  const { socket: _socket, server: _server, ...rest } = entry;
  return { ...rest, server: addressOf(entry) };
}

function groupBy(sockets: readonly ReportedSocket[], keyOf: (s: ReportedSocket) => string): ReportGroup[] {
  const groups = new Map<string, ReportGroup>();
  for (const s of sockets) {
    if (!GROUPED(s.state)) continue;
    const key = keyOf(s);
    const id = `${s.state} ${key}`;
    const g = groups.get(id) ?? { state: s.state, key, count: 0 };
    g.count++;
    if (s.ageMs !== undefined && (g.oldestAgeMs === undefined || s.ageMs > g.oldestAgeMs)) g.oldestAgeMs = s.ageMs;
    groups.set(id, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (b.oldestAgeMs ?? 0) - (a.oldestAgeMs ?? 0));
}

/** 3 h, 12 min, 40 s, 250 ms. */
export function humanDuration(ms: number): string {
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)} h`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)} min`;
  if (ms >= 1000) return `${Math.floor(ms / 1000)} s`;
  return `${Math.round(ms)} ms`;
}

/** A site as a person reads it: relative to `cwd` (the process's working directory) when under it. */
export function shortSite(site: string, cwd = process.cwd()): string {
  const dir = cwd + path.sep;
  const plain = site.startsWith('file://') ? site.slice('file://'.length) : site;
  return plain.startsWith(dir) ? plain.slice(dir.length) : site;
}

function summarize(counts: SocketReport['counts'], bySite: readonly ReportGroup[], total: number): string {
  const parts: string[] = [];
  for (const state of TCP_STATES) {
    const n = counts[state] ?? 0;
    if (n === 0 || !GROUPED(state)) continue;
    const groups = bySite.filter((g) => g.state === state);
    const top = groups.find((g) => g.key !== 'unknown');
    const oldest = Math.max(...groups.map((g) => g.oldestAgeMs ?? -1));
    let part = `${n} socket${n === 1 ? '' : 's'} in ${state}`;
    if (top !== undefined) part += `, ${top.count} of them created at ${shortSite(top.key)}`;
    if (oldest >= 0) part += `, oldest ${humanDuration(oldest)}`;
    parts.push(part);
  }
  if (parts.length > 0) return parts.join('; ');
  const open = TCP_STATES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  return `${total} socket${total === 1 ? '' : 's'}${open.length ? `: ${open.join(', ')}` : ''}; none in a closing state`;
}

/**
 * The report of this process's sockets now, as writeSocketReport writes it;
 * in a worker thread, of the sockets that thread knows (its own).
 */
export function buildSocketReport(options: ReportOptions = {}, trigger = 'API'): SocketReport {
  const census = listSockets({ tcpInfo: options.tcpInfo === true });
  const entries = isMainThread ? census : census.filter((e) => e.socket !== undefined || e.server !== undefined);
  const sockets = entries.map(reported);
  const counts: SocketReport['counts'] = {};
  for (const s of sockets) counts[s.state] = (counts[s.state] ?? 0) + 1;
  const bySite = groupBy(sockets, (s) => s.site ?? 'unknown');
  const byServer = groupBy(sockets, (s) => s.server ?? 'none');
  const oldest = sockets
    .filter((s) => s.ageMs !== undefined)
    .sort((a, b) => b.ageMs! - a.ageMs!)
    .slice(0, OLDEST);
  return {
    header: {
      reportVersion: 1,
      event: 'sockctl socket report',
      trigger,
      time: new Date().toISOString(),
      pid: process.pid,
      threadId,
      scope: isMainThread ? 'process' : 'thread',
      nodeVersion: process.version,
      runtime: otherRuntime ?? 'node',
      sockctlVersion: sockctlVersion(),
      platform: process.platform,
      arch: process.arch,
      hostname: os.hostname(),
      uptimeSeconds: Math.round(process.uptime()),
      cwd: process.cwd(),
    },
    summary: summarize(counts, bySite, sockets.length),
    counts,
    groups: { bySite, byServer },
    oldest,
    sockets,
  };
}

let sequence = 0;
const two = (n: number): string => String(n).padStart(2, '0');

/**
 * Writes a report of this process's sockets to a new file in `directory`
 * (default: the working directory) and returns its path. The file is named
 * as Node names its diagnostic reports (`sockctl-report.YYYYMMDD.HHMMSS.
 * pid.thread.seq.json`), created readable and writable by its owner only
 * (0600) and never over an existing file (EEXIST). A directory that cannot be
 * written throws the system error.
 */
export function writeSocketReport(options: ReportOptions = {}): string {
  validateObject(options, 'options');
  validateKeys(options, 'options', ['directory', 'tcpInfo']);
  if (options.directory !== undefined && typeof options.directory !== 'string') {
    throw invalidArgType('options.directory', 'of type string', options.directory);
  }
  if (options.tcpInfo !== undefined && typeof options.tcpInfo !== 'boolean') {
    throw invalidArgType('options.tcpInfo', 'of type boolean', options.tcpInfo);
  }
  return writeReport(buildSocketReport(options), options.directory);
}

/** Writes `report` to a new file in `directory`; returns its path. */
export function writeReport(report: SocketReport, directory = process.cwd()): string {
  const d = new Date(report.header.time);
  const stamp = `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}.${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
  const name = `sockctl-report.${stamp}.${process.pid}.${threadId}.${String(++sequence).padStart(3, '0')}.json`;
  const file = path.resolve(directory, name);
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
  return file;
}
