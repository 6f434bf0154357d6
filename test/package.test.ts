// The built package loads from both module systems, as a user would load it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TCP_INFO_FIELDS } from '../lib/tcp/fields';
import { native } from '../lib/native/binding';
import { QEMU_TCP_INFO, under } from './helpers/platform';

const root = path.join(__dirname, '..');
const script = `
  const net = require('node:net');
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    console.log(sockctl.getTcpInfo(s).state, typeof sockctl.setLinger, Object.keys(sockctl).length > 20);
    s.close();
  });`;

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

const noTcpInfo = under('qemu', QEMU_TCP_INFO);

describe('package', () => {
  it.skipIf(noTcpInfo)('works from require()', () => {
    expect(run(['-e', `const sockctl = require('sockctl');${script}`])).toBe('LISTEN function true');
  });

  it.skipIf(noTcpInfo || under('Deno', "Deno's node CLI emulation has no --input-type=module for -e"))(
    'works from import, with named exports',
    () => {
      const esm = `import * as sockctl from 'sockctl'; import { getTcpInfo } from 'sockctl'; import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); if (typeof getTcpInfo !== 'function') throw new Error('no named export');${script}`;
      expect(run(['--input-type=module', '-e', esm])).toBe('LISTEN function true');
    },
  );

  it('native binary and TypeScript agree on the TCP info slots', () => {
    expect(native.tcpInfoFields).toEqual([...TCP_INFO_FIELDS]);
  });
});
