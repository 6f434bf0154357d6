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

const root = path.join(__dirname, '..');
let project: string;

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-consumer-'));
  fs.cpSync(path.join(__dirname, 'consumer'), project, { recursive: true });
  const pkg = path.join(project, 'node_modules', 'sockctl');
  fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  const declarations = fs.readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.d.ts'));
  expect(declarations).toContain('index.d.ts');
  for (const f of declarations) fs.copyFileSync(path.join(root, 'dist', f), path.join(pkg, 'dist', f));
  fs.symlinkSync(path.join(root, 'node_modules', '@types'), path.join(project, 'node_modules', '@types'));
});

afterAll(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

/** tsc's diagnostics for one config ('' when it passes). */
function tsc(config: string): Promise<string> {
  const args = [require.resolve('typescript/bin/tsc'), '-p', config, '--pretty', 'false'];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: project, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve((stdout + stderr).trim() || (err ? String(err) : ''));
    });
  });
}

// With the library check on, each run checks all of @types/node (seconds):
// the three run side by side.
describe.concurrent('the declarations in a user project', () => {
  it.each([
    ['commonjs + node10, no esModuleInterop', 'tsconfig.commonjs.json'],
    ['node16, esModuleInterop', 'tsconfig.node16.json'],
    ['nodenext, esModuleInterop', 'tsconfig.nodenext.json'],
  ])(
    'type-check under %s',
    async (_, config) => {
      expect(await tsc(config)).toBe('');
    },
    60_000,
  );
});
