// `node --import sockctl/register app.js` (or --require, or NODE_OPTIONS):
// tracking on, and what the SOCKCTL_* variables ask for — a policy, a
// CLOSE_WAIT watchdog, creation stacks, a report on a signal, a log. Never
// stops the application: a bad value is one warning at start-up; a failure
// later is a line in the log.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import { startTracking } from './census/registry';
import { buildSocketReport, humanDuration, writeReport } from './census/report';
import { watchCloseWait, type CloseWaitWatchdog } from './census/watchdog';
import { registerSocketMetrics as registerOpenTelemetry, type MeterLike } from './opentelemetry';
import { registerSocketMetrics as registerPrometheus } from './prometheus';
import { readConfig } from './ops/config';
import { leaveMarker } from './ops/marker';
import { installPolicy } from './routes/install-policy';
import { runtime } from './node-internals';

const { config, warnings } = readConfig(process.env);

/** One line of the log: time, pid, what happened. */
function log(event: string, message: string): void {
  if (config.log === 'none') return;
  const line = `sockctl ${new Date().toISOString()} pid=${process.pid} ${event}: ${message}\n`;
  try {
    if (config.log === 'stderr') process.stderr.write(line);
    else fs.appendFileSync(config.log, line, { mode: 0o600 });
  } catch {
    // a log that cannot be written must not stop the application
  }
}

for (const w of warnings) process.emitWarning(w, { code: 'SOCKCTL_CONFIG' });

startTracking({ stacks: config.stacks });

if (config.policy) {
  installPolicy(config.policy, { onError: (err) => log('policy-error', err.message) });
}

let watchdog: CloseWaitWatchdog | undefined;
if (config.watch) {
  watchdog = watchCloseWait(config.watch);
  watchdog.on('stuck', ({ entry, stuckForMs, action }) => {
    const where = entry.site ? ` created at ${entry.site}` : '';
    log(
      'close-wait',
      `${entry.localAddress}:${entry.localPort} <- ${entry.remoteAddress}:${entry.remotePort} stuck ${humanDuration(stuckForMs)}${where}; action ${action}`,
    );
  });
  watchdog.on('error', (err) => log('watchdog-error', err.message));
}

// The application's own prom-client registry, or the MeterProvider it registered with @opentelemetry/api: the
// monitoring it serves already.
// After the application's main module has run: that is where it sets up its MeterProvider. Deno (2.9) runs the
// main module after a preload's first immediates and timers (require.main is not set yet), and then fires 'load'.
if (config.metrics !== undefined) {
  if (runtime === 'Deno' && !require.main) {
    const events = globalThis as unknown as { addEventListener(type: 'load', fn: () => void, o: object): void };
    events.addEventListener('load', registerMetrics, { once: true });
  } else setImmediate(registerMetrics);
}

/** Where the application's @opentelemetry/api is: from the working directory, else beside sockctl. */
function resolveApi(): string {
  const paths = [process.cwd(), __dirname];
  if (runtime !== 'Bun') return require.resolve('@opentelemetry/api', { paths });
  // Bun resolves what no node_modules holds from its own install cache: another copy than the application's,
  // whose MeterProvider is not the one registered. A directory at a time, that copy passed over.
  for (const dir of paths) {
    try {
      const file = require.resolve('@opentelemetry/api', { paths: [dir] });
      if (file.includes(`${path.sep}node_modules${path.sep}`)) return file;
    } catch {
      // not from there
    }
  }
  throw new Error(`cannot find @opentelemetry/api in node_modules from ${paths.join(' or ')}`);
}

function registerMetrics(): void {
  try {
    if (config.metrics === 'prometheus') {
      registerPrometheus({ watchdog, stuckAfterMs: config.watch?.after });
    } else {
      const api = require(resolveApi()) as {
        metrics: { getMeter(name: string): MeterLike };
      };
      registerOpenTelemetry(api.metrics.getMeter('sockctl'), { watchdog, stuckAfterMs: config.watch?.after });
    }
  } catch (err) {
    process.emitWarning(`SOCKCTL_METRICS: ${(err as Error).message}; no metrics`, { code: 'SOCKCTL_CONFIG' });
  }
}

// A signal reaches the main thread only. It writes the process's report and passes the request on to the worker
// threads that run the hook (NODE_OPTIONS and execArgv reach them; on Bun, hookWorkers below), each of which writes a
// report of its own sockets.
const REPORTS = 'sockctl.report';
function report(trigger: string): void {
  try {
    const r = buildSocketReport({}, trigger);
    const file = writeReport(r, config.reportDir);
    log('report', `${isMainThread ? '' : `thread ${threadId}: `}${r.summary} (${file})`);
  } catch (err) {
    log('report-error', (err as Error).message);
  }
}
if (config.reportSignal !== undefined && isMainThread) {
  const signal = config.reportSignal;
  const workers = new BroadcastChannel(REPORTS);
  workers.unref();
  const onSignal = (): void => {
    report(signal);
    workers.postMessage(signal);
  };
  let listening = true;
  try {
    process.on(signal, onSignal);
  } catch (err) {
    listening = false;
    // Deno (2.9) refuses to listen for SIGSEGV, SIGILL and SIGFPE. Then no marker either: `sockctl report` would
    // send a signal this process cannot catch.
    const why = (err as Error).message;
    process.emitWarning(`SOCKCTL_REPORT_SIGNAL: cannot listen for ${signal} (${why}); no report signal`, {
      code: 'SOCKCTL_CONFIG',
    });
    workers.close();
  }
  if (listening) {
    let removeMarker: (() => void) | undefined;
    try {
      removeMarker = leaveMarker(signal, config.reportDir);
    } catch (err) {
      log('marker-error', `${(err as Error).message}: sockctl report <pid> will not find this process`);
    }
    process.on('exit', () => removeMarker?.());
  }
} else if (config.reportSignal !== undefined) {
  const main = new BroadcastChannel(REPORTS);
  main.unref(); // never what keeps a worker alive
  main.onmessage = (event) => report(String((event as { data: unknown }).data));
}

// Node gives worker threads the hook through execArgv and NODE_OPTIONS. Bun (1.4) and Deno (2.9) run no preload in a
// worker thread: Bun's Worker takes a `preload` list, to which each Worker made from now on adds the hook; Deno's
// takes none, and the first Worker made says so.
if (runtime !== 'Node') hookWorkers();
function hookWorkers(): void {
  // The module object itself (an `import *` is a copy): what the application's require() gets.
  const workerThreads = require('node:worker_threads') as { Worker: typeof import('node:worker_threads').Worker };
  type Options = import('node:worker_threads').WorkerOptions & { preload?: string | string[] };
  const Original = workerThreads.Worker;
  const hook = __filename;
  let warned = false;
  class Worker extends Original {
    constructor(file: string | URL, options: Options = {}) {
      if (runtime === 'Bun') options = { ...options, preload: [options.preload ?? []].flat().concat(hook) };
      else if (!warned) {
        warned = true;
        process.emitWarning(
          `${runtime} loads no --require in worker threads: sockctl's register hook does not run in this worker ` +
            '(its sockets are tracked from its first census, without creation stacks, and it writes no report on ' +
            'the signal)',
          { code: 'SOCKCTL_RUNTIME' },
        );
      }
      super(file, options);
    }
  }
  workerThreads.Worker = Worker;
}
