// State numbering differs per OS; the names must not. Pure tables: runs everywhere.
import { describe, expect, it } from 'vitest';
import { TCP_STATES, tcpStateName, type StateNumbering } from '../../lib';

describe.each<StateNumbering>(['linux', 'bsd', 'windows'])('%s state numbering', (numbering) => {
  it('names every state, each once', () => {
    const names = new Set<string>();
    for (let raw = 0; raw <= 12; raw++) {
      const name = tcpStateName(numbering, raw);
      if (name !== undefined) names.add(name);
    }
    expect([...names].sort()).toEqual([...TCP_STATES].sort());
  });

  it('returns undefined for numbers it does not know', () => {
    expect(tcpStateName(numbering, 99)).toBeUndefined();
    expect(tcpStateName(numbering, -1)).toBeUndefined();
  });
});

describe('state numbers from each OS', () => {
  it('Linux <netinet/tcp.h>', () => {
    expect(tcpStateName('linux', 1)).toBe('ESTABLISHED');
    expect(tcpStateName('linux', 6)).toBe('TIME_WAIT');
    expect(tcpStateName('linux', 7)).toBe('CLOSED');
    expect(tcpStateName('linux', 8)).toBe('CLOSE_WAIT');
    expect(tcpStateName('linux', 10)).toBe('LISTEN');
    expect(tcpStateName('linux', 12)).toBe('SYN_RECEIVED'); // TCP_NEW_SYN_RECV
  });

  it('BSD TCPS_* (macOS)', () => {
    expect(tcpStateName('bsd', 0)).toBe('CLOSED');
    expect(tcpStateName('bsd', 4)).toBe('ESTABLISHED');
    expect(tcpStateName('bsd', 5)).toBe('CLOSE_WAIT');
    expect(tcpStateName('bsd', 9)).toBe('FIN_WAIT_2');
    expect(tcpStateName('bsd', 10)).toBe('TIME_WAIT');
  });

  it('Windows TCPSTATE', () => {
    expect(tcpStateName('windows', 4)).toBe('ESTABLISHED');
    expect(tcpStateName('windows', 5)).toBe('FIN_WAIT_1');
    expect(tcpStateName('windows', 7)).toBe('CLOSE_WAIT');
    expect(tcpStateName('windows', 10)).toBe('TIME_WAIT');
  });
});
