#!/usr/bin/env node
// The operator's command line:
//   sockctl report <pid> [--timeout <seconds>]   ask a process that runs the register hook for a report
//   sockctl report <file>                         print a saved report
//   sockctl features                              what this platform, kernel and build support
// Errors go to stderr with a non-zero status: 1 for a failure, 2 for bad usage.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { features, runtimeLimits } from './options/features';
import { otherRuntime, runtime } from './node-internals';
import { OPTION_NAMES } from './options/table';
import { humanDuration, shortSite, type SocketReport } from './census/report';
import { findMarker } from './ops/marker';

class Failure extends Error {
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
  }
}

const USAGE = `usage: sockctl report <pid> [--timeout <seconds>]
       sockctl report <file>
       sockctl features`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** The summary of a report, as a person reads it. */
export function formatReport(report: SocketReport, file: string): string {
  const h = report.header;
  // A report from before the runtime field was written by Node.
  const by = h.runtime === undefined || h.runtime === 'node' ? 'node' : `${h.runtime}, node`;
  const out = [`socket report of pid ${h.pid} (${by} ${h.nodeVersion}, ${h.platform}-${h.arch}), ${h.time}`, file, ''];
  out.push(report.summary, '');
  const counts = Object.entries(report.counts).sort((a, b) => b[1]! - a[1]!);
  out.push(table([['state', 'count'], ...counts.map(([s, n]) => [s, String(n)])]), '');
  const age = (ms?: number) => (ms === undefined ? '?' : humanDuration(ms));
  // Sites under the process's working directory, relative to it, as the summary shows them.
  const site = (key: string) => shortSite(key, h.cwd);
  if (report.groups.bySite.length > 0) {
    out.push('closing sockets by site, largest group first');
    out.push(
      table([
        ['count', 'state', 'oldest', 'site'],
        ...report.groups.bySite.map((g) => [String(g.count), g.state, age(g.oldestAgeMs), site(g.key)]),
      ]),
      '',
    );
    out.push('closing sockets by server');
    out.push(
      table([
        ['count', 'state', 'oldest', 'server'],
        ...report.groups.byServer.map((g) => [String(g.count), g.state, age(g.oldestAgeMs), g.key]),
      ]),
      '',
    );
  }
  return out.join('\n');
}

function readReport(file: string): SocketReport {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Failure(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    const report = JSON.parse(text) as SocketReport;
    if (report?.header?.event !== 'sockctl socket report') throw new Error('not a sockctl socket report');
    return report;
  } catch (err) {
    throw new Failure(`${file} is not a sockctl socket report (${(err as Error).message})`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Signals `pid` for a report and waits for one newer than the request. */
async function reportOf(pid: number, timeoutMs: number): Promise<string> {
  const marker = findMarker(pid);
  if (typeof marker === 'string') throw new Failure(marker);
  const ours = (name: string) =>
    name.startsWith('sockctl-report.') && name.includes(`.${pid}.0.`) && name.endsWith('.json');
  const list = () => {
    try {
      return fs.readdirSync(marker.reportDir).filter(ours);
    } catch {
      return [];
    }
  };
  const before = new Set(list());
  const asked = Date.now();
  process.kill(pid, marker.signal as NodeJS.Signals);
  const deadline = asked + timeoutMs;
  while (Date.now() < deadline) {
    for (const name of list()) {
      if (before.has(name)) continue;
      const file = path.join(marker.reportDir, name);
      try {
        const report = JSON.parse(fs.readFileSync(file, 'utf8')) as SocketReport;
        // Newer than the request: the report's own clock, with a second's grace for the file name's rounding.
        if (Date.parse(report.header.time) >= asked - 1000) return formatReport(report, file);
      } catch {
        // still being written
      }
    }
    await sleep(50);
  }
  throw new Failure(
    `no report from ${pid} within ${timeoutMs / 1000} s (it writes to ${marker.reportDir}; see its log)`,
  );
}

function featuresText(): string {
  const rows = [['option', 'here']];
  for (const name of OPTION_NAMES) rows.push([name, features[name] ? 'yes' : 'no']);
  for (const [name, on] of Object.entries(features)) {
    if (!(OPTION_NAMES as readonly string[]).includes(name)) rows.push([name, on ? 'yes' : 'no']);
  }
  const on = otherRuntime ?? `node ${process.version}`;
  const lacks =
    runtimeLimits.length === 0 ? '' : `\n${runtime} lacks:\n${runtimeLimits.map((l) => `- ${l}`).join('\n')}\n`;
  return `sockctl on ${process.platform}-${process.arch}, ${on}\n\n${table(rows)}\n${lacks}`;
}

export async function main(argv: string[]): Promise<string> {
  const [command, target, ...rest] = argv;
  if (command === 'features' && target === undefined) return featuresText();
  if (command !== 'report' || target === undefined) throw new Failure(USAGE, 2);
  let timeoutMs = 10_000;
  if (rest.length > 0) {
    const seconds = Number(rest[1]);
    if (rest[0] !== '--timeout' || rest.length !== 2 || !(seconds > 0)) throw new Failure(USAGE, 2);
    timeoutMs = seconds * 1000;
  }
  if (/^\d+$/.test(target)) return reportOf(Number(target), timeoutMs);
  return formatReport(readReport(target), target);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (text) => process.stdout.write(text),
    (err: unknown) => {
      const failure = err instanceof Failure ? err : new Failure(String((err as Error)?.stack ?? err));
      process.stderr.write(`sockctl: ${failure.message}\n`);
      process.exitCode = failure.status;
    },
  );
}
