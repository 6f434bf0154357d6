// What the environment asks of the register hook (SOCKCTL_*), read into one
// record. Nothing here throws: a bad value becomes one warning that names
// the variable, what was wrong and what is assumed instead.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { plan } from '../options/plan';
import type { Policy } from '../options/types';
import type { WatchOptions } from '../census/watchdog';

export interface OpsConfig {
  policy?: Policy;
  watch?: WatchOptions;
  stacks: boolean;
  /** The signal that writes a report; undefined: none. */
  reportSignal?: NodeJS.Signals;
  reportDir: string;
  /** 'stderr', 'none', or a file to append to. */
  log: string;
  /** Register the metrics on the application's prom-client registry or OpenTelemetry MeterProvider. */
  metrics?: 'prometheus' | 'opentelemetry';
}

const DEFAULT_SIGNAL = 'SIGUSR2';

/** `30s`, `5m`, `1h`, `250ms`, or milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|min|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[m[2] ?? 'ms']!;
  const ms = Math.round(Number(m[1]) * unit);
  return ms <= 0x7fffffff ? ms : undefined;
}

function readPolicy(text: string, warn: (msg: string) => void): Policy | undefined {
  let source = text;
  if (text.startsWith('@')) {
    try {
      source = fs.readFileSync(text.slice(1), 'utf8');
    } catch (err) {
      warn(
        `SOCKCTL_POLICY: cannot read ${text.slice(1)} (${(err as NodeJS.ErrnoException).code}); no policy installed`,
      );
      return undefined;
    }
  }
  let policy: unknown;
  try {
    policy = JSON.parse(source);
  } catch (err) {
    warn(`SOCKCTL_POLICY: not JSON (${(err as Error).message}); no policy installed`);
    return undefined;
  }
  try {
    plan(policy, 'SOCKCTL_POLICY');
  } catch (err) {
    warn(`SOCKCTL_POLICY: ${(err as Error).message}; no policy installed`);
    return undefined;
  }
  return policy as Policy;
}

function readWatch(text: string, warn: (msg: string) => void): WatchOptions | undefined {
  const watch: WatchOptions = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value = ''] = part.split('=').map((s) => s.trim());
    if (key === 'after' || key === 'interval') {
      const ms = parseDuration(value);
      if (ms === undefined || (key === 'interval' && ms < 1)) {
        warn(`SOCKCTL_WATCH: ${key}=${value} is no duration (30s, 5m, 250ms); the default is used`);
        continue;
      }
      watch[key] = ms;
    } else if (key === 'action') {
      if (value !== 'none' && value !== 'abort' && value !== 'destroy') {
        warn(`SOCKCTL_WATCH: action=${value} is none of none, abort, destroy; 'none' (report only) is used`);
        continue;
      }
      watch.action = value;
    } else {
      warn(`SOCKCTL_WATCH: unknown setting '${part}' (after, interval, action); ignored`);
    }
  }
  return watch;
}

/** The configuration the environment asks for, and a warning for each bad value. */
export function readConfig(env: NodeJS.ProcessEnv): { config: OpsConfig; warnings: string[] } {
  const warnings: string[] = [];
  const warn = (msg: string): void => void warnings.push(msg);
  const config: OpsConfig = { stacks: false, reportDir: process.cwd(), log: 'stderr', reportSignal: DEFAULT_SIGNAL };

  if (env.SOCKCTL_POLICY) config.policy = readPolicy(env.SOCKCTL_POLICY, warn);
  if (env.SOCKCTL_WATCH !== undefined && env.SOCKCTL_WATCH !== '') config.watch = readWatch(env.SOCKCTL_WATCH, warn);

  const stacks = env.SOCKCTL_STACKS;
  if (stacks === '1' || stacks === 'true') config.stacks = true;
  else if (stacks !== undefined && stacks !== '' && stacks !== '0' && stacks !== 'false') {
    warn(`SOCKCTL_STACKS: '${stacks}' is neither 1 nor 0; stacks stay off`);
  }

  const signal = env.SOCKCTL_REPORT_SIGNAL;
  if (signal === 'none') config.reportSignal = undefined;
  else if (signal !== undefined && signal !== '') {
    const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`).toUpperCase();
    const usable = name in os.constants.signals && !['SIGKILL', 'SIGSTOP'].includes(name);
    if (usable) config.reportSignal = name as NodeJS.Signals;
    else {
      warn(`SOCKCTL_REPORT_SIGNAL: '${signal}' is no signal this platform can catch; no report signal`);
      config.reportSignal = undefined;
    }
  }
  if (config.reportSignal !== undefined && process.platform === 'win32' && config.reportSignal !== 'SIGBREAK') {
    // Windows delivers no SIGUSR2; listening on it would do nothing.
    if (signal) warn(`SOCKCTL_REPORT_SIGNAL: ${config.reportSignal} does not exist on Windows; no report signal`);
    config.reportSignal = undefined;
  }

  if (env.SOCKCTL_REPORT_DIR) config.reportDir = env.SOCKCTL_REPORT_DIR;
  if (env.SOCKCTL_LOG) config.log = env.SOCKCTL_LOG;
  const metrics = env.SOCKCTL_METRICS;
  if (metrics === 'prometheus' || metrics === 'opentelemetry') config.metrics = metrics;
  else if (metrics !== undefined && metrics !== '' && metrics !== 'none') {
    warn(`SOCKCTL_METRICS: '${metrics}' is none of prometheus, opentelemetry, none; no metrics`);
  }
  return { config, warnings };
}
