// The phases on a UDP socket, whose connect only names a default peer.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { apply, features, getOption } from '../../lib';
import { onCleanup } from '../helpers/cleanup';
import { linux } from './fixtures';

describe('a connected UDP socket', () => {
  it('still takes what must precede connect: its connect only names a default peer', async () => {
    const dgram = await import('node:dgram');
    const peer = dgram.createSocket('udp4');
    onCleanup(() => peer.close());
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    const socket = dgram.createSocket('udp4');
    onCleanup(() => socket.close());
    socket.connect(peer.address().port, '127.0.0.1');
    await once(socket, 'connect');
    const result = apply(socket, {
      recvBufferBytes: 40000,
      ...(features.bindAddressNoPort ? { bindAddressNoPort: true } : {}),
    });
    expect(result.applied).toEqual(['recvBufferBytes']);
    // Bound, though: what must precede bind is too late.
    expect(result.skipped).toEqual(
      features.bindAddressNoPort ? [{ name: 'bindAddressNoPort', reason: 'too-late' }] : [],
    );
    if (linux) expect(getOption(socket, 'recvBufferBytes')).toBe(80000);
  });
});
