// sockctl/opentelemetry: this process's TCP connections as OpenTelemetry
// instruments on a Meter of the application's (@opentelemetry/api is its
// dependency, never sockctl's: the Meter is only called). All instruments
// are observed by one batch callback: one census per collection.
import { invalidArgType } from './errors';
import { sampler, OTEL_STATE, type MetricsOptions } from './metrics/snapshot';

/** The parts of an OpenTelemetry `Meter` used here (@opentelemetry/api 1.x). */
export interface MeterLike {
  createObservableUpDownCounter(name: string, options?: { description?: string; unit?: string }): object;
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): object;
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): object;
  addBatchObservableCallback(
    callback: (result: {
      observe(instrument: object, value: number, attributes?: Record<string, string | number>): void;
    }) => void,
    instruments: object[],
  ): void;
  removeBatchObservableCallback?(callback: unknown, instruments: object[]): void;
}

export interface SocketMetrics {
  /** Stops observing (the instruments stay registered, with no more values). */
  stop(): void;
}

/**
 * Registers on `meter`:
 * - `sockctl.tcp.connections` ({connection}): this process's TCP connections, by
 *   `network.connection.state` (the semantic conventions' values) and, for those a
 *   server accepted and its listener, `server.port`;
 * - `sockctl.tcp.connections.stuck` ({connection}): in CLOSE_WAIT for longer than
 *   `stuckAfterMs`;
 * - `sockctl.watchdog.actions` ({socket}, a counter): what `watchdog` did, by
 *   `sockctl.watchdog.action`;
 * - `sockctl.tcp.retransmits` ({segment}): retransmitted segments, summed over the
 *   open connections;
 * - `sockctl.tcp.rtt.max`, `sockctl.tcp.rtt.mean` (s): over the established ones.
 */
export function registerSocketMetrics(meter: MeterLike, options: MetricsOptions = {}): SocketMetrics {
  if (typeof meter?.addBatchObservableCallback !== 'function')
    throw invalidArgType('meter', 'an OpenTelemetry Meter', meter);
  const s = sampler(options, 'options');
  const connections = meter.createObservableUpDownCounter('sockctl.tcp.connections', {
    description: "This process's TCP connections, by state",
    unit: '{connection}',
  });
  const stuck = meter.createObservableUpDownCounter('sockctl.tcp.connections.stuck', {
    description: 'Connections in CLOSE_WAIT for longer than the threshold',
    unit: '{connection}',
  });
  const actions = meter.createObservableCounter('sockctl.watchdog.actions', {
    description: 'What the CLOSE_WAIT watchdog did to the sockets it found',
    unit: '{socket}',
  });
  const retransmits = meter.createObservableGauge('sockctl.tcp.retransmits', {
    description: 'Retransmitted segments, summed over the open connections',
    unit: '{segment}',
  });
  const rttMax = meter.createObservableGauge('sockctl.tcp.rtt.max', {
    description: 'The largest smoothed round-trip time of the established connections',
    unit: 's',
  });
  const rttMean = meter.createObservableGauge('sockctl.tcp.rtt.mean', {
    description: 'The mean smoothed round-trip time of the established connections',
    unit: 's',
  });
  const instruments = [connections, stuck, actions, retransmits, rttMax, rttMean];
  // A state (and port) seen at one collection and gone at the next is observed once more, as 0: the SDK would
  // otherwise go on exporting its last value.
  let previous = new Map<string, Record<string, string | number>>();
  const callback: Parameters<MeterLike['addBatchObservableCallback']>[0] = (result) => {
    const snap = s.take();
    const now = new Map<string, Record<string, string | number>>();
    for (const [state, port, count] of snap.connections) {
      const attributes: Record<string, string | number> = {
        'network.connection.state': OTEL_STATE[state],
        'network.transport': 'tcp',
      };
      if (port !== undefined) attributes['server.port'] = port;
      result.observe(connections, count, attributes);
      now.set(`${state} ${port ?? ''}`, attributes);
    }
    for (const [key, attributes] of previous) if (!now.has(key)) result.observe(connections, 0, attributes);
    previous = now;
    result.observe(stuck, snap.stuck);
    for (const [action, n] of s.actions) result.observe(actions, n, { 'sockctl.watchdog.action': action });
    result.observe(retransmits, snap.retransmits);
    if (snap.rttMax !== undefined) result.observe(rttMax, snap.rttMax);
    if (snap.rttMean !== undefined) result.observe(rttMean, snap.rttMean);
  };
  meter.addBatchObservableCallback(callback, instruments);
  return { stop: () => meter.removeBatchObservableCallback?.(callback, instruments) };
}
