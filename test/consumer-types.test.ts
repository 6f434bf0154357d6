// The shipped declarations as a user's project sees them: test/consumer,
// type-checked against the package's own package.json and dist/*.d.ts (what
// the tarball carries), with the library check on, under the module settings
// users compile with. A classic CommonJS project without esModuleInterop
// rejects a default import of a Node builtin in our .d.ts files.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { under } from './helpers/platform';

const root = path.join(__dirname, '..');
let project: string;

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-consumer-'));
  fs.cpSync(path.join(__dirname, 'consumer'), project, { recursive: true });
  const pkg = path.join(project, 'node_modules', 'sockctl');
  fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  const declarations = (fs.readdirSync(path.join(root, 'dist'), { recursive: true }) as string[]).filter((f) =>
    f.endsWith('.d.ts'),
  );
  expect(declarations).toContain('index.d.ts');
  for (const f of declarations) {
    fs.mkdirSync(path.dirname(path.join(pkg, 'dist', f)), { recursive: true });
    fs.copyFileSync(path.join(root, 'dist', f), path.join(pkg, 'dist', f));
  }
});

afterAll(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

/** tsc's diagnostics for one config ('' when it passes). */
function tsc(config: string): Promise<string> {
  // Node's types from this repository: a link would need privileges on Windows.
  const types = path.join(root, 'node_modules', '@types');
  const args = [require.resolve('typescript/bin/tsc'), '-p', config, '--typeRoots', types, '--pretty', 'false'];
  return new Promise((resolve) => {
    const options = { cwd: project, encoding: 'utf8' as const, timeout: 110_000 };
    execFile(process.execPath, args, options, (err, stdout, stderr) => {
      resolve((stdout + stderr).trim() || (err ? String(err) : ''));
    });
  });
}

// With the library check on, each run checks all of @types/node (about 10 s
// of CPU): the two run side by side, with room for a busy machine.
const slow = under('qemu', 'tsc under qemu-user takes over 2 minutes; the declarations are the same on every CPU');

describe.skipIf(slow).concurrent('the declarations in a user project', () => {
  it.each([
    ['commonjs + node10, no esModuleInterop', 'tsconfig.commonjs.json'],
    ['nodenext, esModuleInterop', 'tsconfig.nodenext.json'],
  ])(
    'type-check under %s',
    async (_, config) => {
      expect(await tsc(config)).toBe('');
    },
    120_000,
  );
});
