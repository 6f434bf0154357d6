// The socket report: a file an operator reads later, with the sockets in
// closing states grouped by the line that made them. A real leak on
// loopback: a server that never ends the connections its clients closed.
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackSockets, writeSocketReport, type SocketReport } from '../../lib';
import { tempDir, track } from '../helpers/cleanup';
import { QEMU_CENSUS, under, windows } from '../helpers/platform';
import { portOf, waitFor } from '../helpers/sockets';
import { here } from './fixtures';

/** `n` connections whose clients have ended them and whose server never does: CLOSE_WAIT on the server's side. */
async function leak(n: number): Promise<{ server: net.Server; listenedAt: string }> {
  trackSockets({ stacks: true });
  const server = track(net.createServer({ allowHalfOpen: true }));
  let ended = 0;
  server.on('connection', (s) => {
    s.resume();
    s.on('end', () => ended++);
    track(s);
  });
  const [, listenedAt] = [server.listen(0, '127.0.0.1'), here()];
  await once(server, 'listening');
  for (let i = 0; i < n; i++) {
    const c = track(net.connect(portOf(server), '127.0.0.1'));
    c.resume();
    await once(c, 'connect');
    c.end();
  }
  await waitFor('every client FIN read', () => ended === n);
  return { server, listenedAt };
}

describe.skipIf(under('qemu', QEMU_CENSUS))('writeSocketReport', () => {
  it('writes the leak grouped by the line that made it, to a new file only its owner can read', async () => {
    const { server, listenedAt } = await leak(3);
    const dir = tempDir('sockctl-report-');
    const file = writeSocketReport({ directory: dir });
    expect(path.dirname(file)).toBe(path.resolve(dir));
    expect(path.basename(file)).toMatch(
      new RegExp(`^sockctl-report\\.\\d{8}\\.\\d{6}\\.${process.pid}\\.0\\.\\d{3}\\.json$`),
    );
    if (!windows) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const report = JSON.parse(fs.readFileSync(file, 'utf8')) as SocketReport;
    expect(report.header).toMatchObject({ reportVersion: 1, pid: process.pid, nodeVersion: process.version });
    // Which runtime wrote it: Bun and Deno report a Node version too.
    const versions = process.versions as Record<string, string | undefined>;
    const other = ['bun', 'deno'].find((r) => versions[r] !== undefined);
    expect(report.header.runtime).toBe(other === undefined ? 'node' : `${other} ${versions[other]}`);
    expect(report.counts.CLOSE_WAIT).toBeGreaterThanOrEqual(3);
    const [top] = report.groups.bySite.filter((g) => g.state === 'CLOSE_WAIT');
    expect(top.count).toBe(3);
    expect(top.key).toMatch(new RegExp(`${listenedAt.replace(/[.\\]/g, '\\$&')}:\\d+$`));
    const { port } = server.address() as net.AddressInfo;
    expect(report.groups.byServer).toContainEqual(
      expect.objectContaining({ state: 'CLOSE_WAIT', key: `127.0.0.1:${port}`, count: 3 }),
    );
    expect(report.summary).toMatch(
      /\b3 sockets in CLOSE_WAIT, 3 of them created at \S*report\.test\.ts:\d+:\d+, oldest \d+ (ms|s)\b/,
    );
    const leaked = report.sockets.filter((s) => s.state === 'CLOSE_WAIT' && s.localPort === port);
    expect(leaked).toHaveLength(3);
    for (const s of leaked) expect(s).toMatchObject({ server: `127.0.0.1:${port}`, site: top.key });
    expect(report.oldest.length).toBeGreaterThan(0);
    // A second report is a second file.
    expect(writeSocketReport({ directory: dir })).not.toBe(file);
  });

  it('refuses bad options, and a directory it cannot write to throws the system error', () => {
    expect(() => writeSocketReport({ directory: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => writeSocketReport({ dir: '.' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(() => writeSocketReport({ directory: path.join(tempDir('sockctl-report-'), 'missing') })).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'open' }),
    );
  });
});
