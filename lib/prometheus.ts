// sockctl/prometheus: the same figures as sockctl/opentelemetry, as
// prom-client metrics in Prometheus naming (base units, `_total`). prom-client
// is the application's: it is loaded from there when this is called. One
// census per scrape, however many of these metrics the scrape reads.
import { invalidArgValue } from './errors';
import { sampler, OTEL_STATE, type MetricsOptions, type Snapshot } from './metrics/snapshot';

export interface PrometheusOptions extends MetricsOptions {
  /** The prom-client registry. Default: prom-client's global `register`. */
  registry?: unknown;
  /** Default 'sockctl_'. */
  prefix?: string;
}

interface PromClient {
  Gauge: new (config: object) => { set(labels: object, value: number): void; reset(): void };
  Counter: new (config: object) => { inc(labels: object, value: number): void; reset(): void };
  register: unknown;
}

/** The application's prom-client (its global registry is the one it serves), else one beside sockctl. */
function promClient(): PromClient {
  try {
    return require(require.resolve('prom-client', { paths: [process.cwd(), __dirname] })) as PromClient;
  } catch {
    throw Object.assign(new Error('sockctl/prometheus needs prom-client: npm install prom-client'), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
  }
}

/**
 * Registers these prom-client metrics (names with `prefix`, default `sockctl_`):
 * `tcp_connections{state, server_port}`, `tcp_connections_stuck`,
 * `watchdog_actions_total{action}`, `tcp_retransmitted_segments`,
 * `tcp_rtt_max_seconds`, `tcp_rtt_mean_seconds`. States are spelled as
 * OpenTelemetry's `network.connection.state` values (`close_wait`, ...).
 */
export function registerSocketMetrics(options: PrometheusOptions = {}): void {
  const { registry, prefix = 'sockctl_', ...rest } = options;
  if (typeof prefix !== 'string' || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
    throw invalidArgValue('options.prefix', 'must be a Prometheus metric name prefix', prefix);
  }
  const s = sampler(rest, 'options');
  const client = promClient();
  const registers = [registry ?? client.register];
  // The first collect of a scrape takes the census; the others of the same scrape (same turn of the loop) reuse it.
  let snap: Snapshot | undefined;
  const current = (): Snapshot => {
    if (snap === undefined) {
      snap = s.take();
      setImmediate(() => (snap = undefined));
    }
    return snap;
  };
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (g: InstanceType<PromClient['Gauge']>, x: Snapshot) => void,
  ) =>
    new client.Gauge({
      name: prefix + name,
      help,
      labelNames,
      registers,
      collect(this: InstanceType<PromClient['Gauge']>) {
        this.reset();
        fill(this, current());
      },
    });
  gauge('tcp_connections', "This process's TCP connections, by state", ['state', 'server_port'], (g, x) => {
    for (const [state, port, n] of x.connections)
      g.set({ state: OTEL_STATE[state], server_port: port === undefined ? '' : String(port) }, n);
  });
  gauge('tcp_connections_stuck', 'Connections in CLOSE_WAIT for longer than the threshold', [], (g, x) =>
    g.set({}, x.stuck),
  );
  gauge('tcp_retransmitted_segments', 'Retransmitted segments, summed over the open connections', [], (g, x) =>
    g.set({}, x.retransmits),
  );
  gauge('tcp_rtt_max_seconds', 'The largest smoothed round-trip time of the established connections', [], (g, x) => {
    if (x.rttMax !== undefined) g.set({}, x.rttMax);
  });
  gauge('tcp_rtt_mean_seconds', 'The mean smoothed round-trip time of the established connections', [], (g, x) => {
    if (x.rttMean !== undefined) g.set({}, x.rttMean);
  });
  new client.Counter({
    name: `${prefix}watchdog_actions_total`,
    help: 'What the CLOSE_WAIT watchdog did to the sockets it found',
    labelNames: ['action'],
    registers,
    collect(this: InstanceType<PromClient['Counter']>) {
      this.reset();
      for (const [action, n] of s.actions) this.inc({ action }, n);
    },
  });
}
