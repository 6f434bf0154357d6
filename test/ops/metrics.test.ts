// Metrics in the monitoring people run: the real OpenTelemetry SDK with its
// Prometheus exporter, and a prom-client registry, each served over HTTP on
// loopback and scraped by the test while this process holds known sockets
// in known states — three in CLOSE_WAIT, which a watchdog then aborts.
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { trackSockets, watchCloseWait } from '../../lib';
import * as snapshot from '../../lib/metrics/snapshot';
import { registerSocketMetrics as otel } from '../../lib/opentelemetry';
import { registerSocketMetrics as prom } from '../../lib/prometheus';
import { onCleanup, track } from '../helpers/cleanup';
import { emulator, QEMU_CENSUS, under } from '../helpers/platform';
import { portOf, waitFor } from '../helpers/sockets';

/** Three connections whose clients ended them and whose server never does: CLOSE_WAIT on the server's side. */
async function leak(): Promise<number> {
  trackSockets();
  const server = track(net.createServer({ allowHalfOpen: true }));
  let ended = 0;
  server.on('connection', (s) => {
    s.resume();
    s.on('end', () => ended++);
    s.on('error', () => {});
    track(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  for (let i = 0; i < 3; i++) {
    const c = track(net.connect(portOf(server), '127.0.0.1'));
    c.on('error', () => {});
    c.resume();
    await once(c, 'connect');
    c.end();
  }
  await waitFor('every client FIN read', () => ended === 3);
  return portOf(server);
}

/** An HTTP server on loopback answering with `body()`; its scrape URL. */
async function serve(handler: http.RequestListener): Promise<string> {
  const server = track(http.createServer(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${portOf(server)}/metrics`;
}

/** Polls `check` (async) until it gives a value, for at most `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** GET over node:http (undici's fetch cannot connect under Wine 8). */
function scrape(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        expect(res.statusCode).toBe(200);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

/** The value of the sample of `name` whose labels include `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe.skipIf(under('qemu', QEMU_CENSUS))('metrics', () => {
  it('OpenTelemetry: connections by state and server port, stuck ones, the watchdog’s aborts — one census a scrape', async () => {
    const port = await leak();
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    onCleanup(() => void provider.shutdown());
    // It aborts what stays in CLOSE_WAIT 1.5 s: after the first scrape, even on a loaded Wine.
    const aborter = watchCloseWait({ after: 1500, interval: 20, action: 'abort' });
    onCleanup(() => aborter.stop());
    otel(provider.getMeter('sockctl-test'), { stuckAfterMs: 0, watchdog: aborter });
    const url = await serve((req, res) => exporter.getMetricsRequestHandler(req, res));

    const before = snapshot.censusesTaken;
    const text = await scrape(url);
    expect(snapshot.censusesTaken - before).toBe(1);
    const closeWait = { network_connection_state: 'close_wait', network_transport: 'tcp', server_port: String(port) };
    expect(sample(text, 'sockctl_tcp_connections', closeWait)).toBe(3);
    expect(
      sample(text, 'sockctl_tcp_connections', { network_connection_state: 'listen', server_port: String(port) }),
    ).toBe(1);
    expect(sample(text, 'sockctl_tcp_connections', { network_connection_state: 'fin_wait_2' })).toBeGreaterThanOrEqual(
      3,
    );
    expect(sample(text, 'sockctl_tcp_connections_stuck')).toBeGreaterThanOrEqual(3);
    // Wine's SIO_TCP_INFO reports no round-trip time, and an instrument with no value is not exported.
    if (emulator !== 'wine') {
      expect(text).toMatch(/^# UNIT sockctl_tcp_rtt_max s$/m);
      expect(sample(text, 'sockctl_tcp_rtt_max')).toBeGreaterThan(0);
    }

    const later = await until('the aborts counted', async () => {
      const t = await scrape(url);
      return (sample(t, 'sockctl_watchdog_actions_total', { sockctl_watchdog_action: 'abort' }) ?? 0) >= 3
        ? t
        : undefined;
    });
    expect(sample(later, 'sockctl_tcp_connections', closeWait) ?? 0).toBe(0);
  });

  it('prom-client: the same figures in Prometheus naming — one census a scrape', async () => {
    const port = await leak();
    const registry = new Registry();
    const aborter = watchCloseWait({ after: 1500, interval: 20, action: 'abort' });
    onCleanup(() => aborter.stop());
    prom({ registry, stuckAfterMs: 0, watchdog: aborter });
    const url = await serve(async (_req, res) => {
      res.setHeader('content-type', registry.contentType);
      res.end(await registry.metrics());
    });
    const before = snapshot.censusesTaken;
    const text = await scrape(url);
    expect(snapshot.censusesTaken - before).toBe(1);
    expect(sample(text, 'sockctl_tcp_connections', { state: 'close_wait', server_port: String(port) })).toBe(3);
    expect(sample(text, 'sockctl_tcp_connections_stuck')).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/^# TYPE sockctl_watchdog_actions_total counter$/m);
    // The watchdog aborts them after half a second: the count falls to none, the aborts are counted.
    const later = await until('the aborts counted', async () => {
      const t = await scrape(url);
      return (sample(t, 'sockctl_watchdog_actions_total', { action: 'abort' }) ?? 0) >= 3 ? t : undefined;
    });
    expect(sample(later, 'sockctl_tcp_connections', { state: 'close_wait', server_port: String(port) }) ?? 0).toBe(0);
  });

  it('refuses what is no Meter, and bad options', () => {
    expect(() => otel({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const meter = new MeterProvider().getMeter('x');
    expect(() => otel(meter, { stuckAfterMs: -1 })).toThrow(RangeError);
    expect(() => otel(meter, { nope: 1 } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => prom({ registry: new Registry(), prefix: 'bad prefix' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });
});
