// `node --import sockctl/register app.js` (or --require, or NODE_OPTIONS):
// tracking on, and what the SOCKCTL_* variables ask for — a policy, a
// CLOSE_WAIT watchdog, creation stacks, a report on a signal, a log. Never
// stops the application: a bad value is one warning at start-up; a failure
// later is a line in the log.
import * as fs from 'node:fs';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import { startTracking } from './census/registry';
import { buildSocketReport, humanDuration, writeReport } from './census/report';
import { watchCloseWait, type CloseWaitWatchdog } from './census/watchdog';
import { registerSocketMetrics as registerOpenTelemetry, type MeterLike } from './opentelemetry';
import { registerSocketMetrics as registerPrometheus } from './prometheus';
import { readConfig } from './ops/config';
import { leaveMarker } from './ops/marker';
import { installPolicy } from './routes/install-policy';

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
// After the application's main module has run: that is where it sets up its MeterProvider.
if (config.metrics !== undefined) setImmediate(registerMetrics);
function registerMetrics(): void {
  try {
    if (config.metrics === 'prometheus') {
      registerPrometheus({ watchdog, stuckAfterMs: config.watch?.after });
    } else {
      const api = require(require.resolve('@opentelemetry/api', { paths: [process.cwd(), __dirname] })) as {
        metrics: { getMeter(name: string): MeterLike };
      };
      registerOpenTelemetry(api.metrics.getMeter('sockctl'), { watchdog, stuckAfterMs: config.watch?.after });
    }
  } catch (err) {
    process.emitWarning(`SOCKCTL_METRICS: ${(err as Error).message}; no metrics`, { code: 'SOCKCTL_CONFIG' });
  }
}

// A signal reaches the main thread only. It writes the process's report and passes the request on to the worker
// threads that run the hook (NODE_OPTIONS and execArgv reach them), each of which writes a report of its own sockets.
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
  let removeMarker: (() => void) | undefined;
  try {
    removeMarker = leaveMarker(signal, config.reportDir);
  } catch (err) {
    log('marker-error', `${(err as Error).message}: sockctl report <pid> will not find this process`);
  }
  process.on('exit', () => removeMarker?.());
  const workers = new BroadcastChannel(REPORTS);
  workers.unref();
  process.on(signal, () => {
    report(signal);
    workers.postMessage(signal);
  });
} else if (config.reportSignal !== undefined) {
  const main = new BroadcastChannel(REPORTS);
  main.unref(); // never what keeps a worker alive
  main.onmessage = (event) => report(String((event as { data: unknown }).data));
}
