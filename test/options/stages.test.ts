// Linux: the socket's stage (unbound, bound, listening, connected) decides
// too-late: what is still in time is set and held, the rest refused.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  apply,
  constants,
  getOption,
  optionNames,
  setOption,
  setsockopt,
  type OptionName,
  type Phase,
  type Policy,
  type TooLateError,
} from '../../lib';
import { PHASES } from '../../lib/options/table';
import { expectCode } from '../helpers/errors';
import { pair, type Host } from '../helpers/sockets';
import { bindOnDup } from '../witness/dup';
import {
  boundTcp,
  cannotSet,
  hosts,
  linux,
  readable,
  rowOf,
  samples,
  server,
  settable,
  supported,
  TOO_LATE,
  unavailable,
  unboundTcp,
} from './fixtures';

type Stage = 'unbound' | 'bound' | 'listening' | 'connected';
const stages: Stage[] = ['unbound', 'bound', 'listening', 'connected'];

/** Whether an option of this phase still has its effect at this stage, as the table's PHASES record says (native/ops.cc checks the same bits). */
function inTime(phase: Phase, stage: Stage): boolean {
  return (PHASES[phase].inTimeAt as readonly Stage[]).includes(stage);
}

async function socketAt(stage: Stage, host: Host): Promise<number | net.Server | net.Socket> {
  switch (stage) {
    case 'unbound':
      return unboundTcp(host);
    case 'bound':
      return boundTcp(host);
    case 'listening':
      return server(host);
    default:
      return (await pair(host)).client;
  }
}

/**
 * The kernel holds the sample just set for `name`: Linux doubles buffer
 * sizes and rounds deferAccept up; quickAck is not sticky.
 */
function expectHolds(target: net.Socket | net.Server | number, name: OptionName): void {
  if (name === 'quickAck' || !readable.includes(name)) return;
  const value = samples[name];
  const got = getOption(target, name);
  if (name === 'recvBufferBytes' || name === 'sendBufferBytes') expect(got, name).toBe((value as number) * 2);
  else if (name === 'deferAcceptSecs') expect(got, name).toBeGreaterThanOrEqual(value as number);
  else expect(got, name).toEqual(value);
}

describe.runIf(linux).each(hosts)('phases on %s', (host) => {
  const v6 = host === '::1';
  // An IPv6 option on an IPv4 socket is in time but refused by the kernel.
  const refused = (name: OptionName): boolean => name === 'ipv6Only' && !v6;

  it.each(stages)('at stage %s: setOption sets what is in time and throws too-late for the rest', async (stage) => {
    const target = await socketAt(stage, host);
    for (const name of supported) {
      const { phase } = rowOf(name);
      const set = () => setOption(target, name, samples[name] as never);
      if (!inTime(phase, stage)) {
        // Refused before any system call, privileged or not.
        const err = expectCode(set, TOO_LATE) as TooLateError;
        expect(err.option, name).toBe(name);
        expect(err.phase, name).toBe(phase);
        expect(err.message, name).toContain(name);
      } else if (refused(name)) {
        expectCode(set, 'ENOPROTOOPT');
      } else if (cannotSet.has(name)) {
        expectCode(set, cannotSet.get(name)!);
      } else {
        set();
        expectHolds(target, name);
      }
    }
  });

  it.each(stages)(
    'at stage %s: apply reports each option applied or skipped too-late, in table order',
    async (stage) => {
      const target = await socketAt(stage, host);
      const policy = Object.fromEntries(settable.filter((n) => !refused(n)).map((n) => [n, samples[n]])) as Policy;
      const names = optionNames.filter((name) => name in policy);
      const result = apply(target, policy);
      expect(result.applied).toEqual(names.filter((name) => inTime(rowOf(name).phase, stage)));
      expect(result.skipped).toEqual(
        names.filter((name) => !inTime(rowOf(name).phase, stage)).map((name) => ({ name, reason: 'too-late' })),
      );
      // What was applied is what the kernel now holds.
      for (const name of result.applied) expectHolds(target, name);
    },
  );

  it('bindAddressNoPort on a connected socket: Linux would take it, the phase check refuses it', async () => {
    if (unavailable('bindAddressNoPort')) return;
    const { client } = await pair(host);
    // The kernel itself accepts IP_BIND_ADDRESS_NO_PORT at any stage...
    setsockopt(client, constants.IPPROTO_IP, constants.IP_BIND_ADDRESS_NO_PORT!, 0);
    // ...but it only matters at bind, so sockctl reports it too late.
    const err = expectCode(() => setOption(client, 'bindAddressNoPort', true), TOO_LATE) as TooLateError;
    expect(err.phase).toBe('bind');
    expect(apply(client, { bindAddressNoPort: true })).toEqual({
      applied: [],
      skipped: [{ name: 'bindAddressNoPort', reason: 'too-late' }],
    });
    expect(getOption(client, 'bindAddressNoPort')).toBe(false);
  });

  it('a socket bound to an address without a port is bound: pre-bind options are too late', () => {
    const fd = unboundTcp(host);
    // IP_BIND_ADDRESS_NO_PORT: bind takes the address and leaves the port to connect.
    if (!unavailable('bindAddressNoPort')) setOption(fd, 'bindAddressNoPort', true);
    expect(bindOnDup(fd, host)).toBe('ok');
    // The phase is checked first, so ipv6Only is too late on an IPv4 socket as
    // well. A bind to ::1 made the IPv6 one v6-only, and so it stays.
    const err = expectCode(() => setOption(fd, 'ipv6Only', false), TOO_LATE) as TooLateError;
    expect(err.phase).toBe('bind');
    if (v6) expect(getOption(fd, 'ipv6Only')).toBe(true);
    setOption(fd, 'maxSegBytes', 1000);
  });
});
