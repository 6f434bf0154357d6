// What a packager and an installer see when a binary or a tool is missing:
// npm pack refuses a package without every prebuilt binary, a failed load
// says how to get a binary, and prebuild names the Debian package it lacks.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onCleanup } from './helpers/cleanup';

const root = path.join(__dirname, '..');

/** The layout node-gyp-build searches: one binary per shipped target. */
const PREBUILDS = [
  'prebuilds/linux-x64/sockctl.napi.glibc.node',
  'prebuilds/linux-x64/sockctl.napi.musl.node',
  'prebuilds/linux-arm64/sockctl.napi.glibc.node',
  'prebuilds/darwin-x64/sockctl.napi.node',
  'prebuilds/darwin-arm64/sockctl.napi.node',
  'prebuilds/win32-x64/sockctl.napi.node',
];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-pack-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function node(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', ...options });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/** The environment without its PATH (Windows spells it Path). */
function withoutPath(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key.toUpperCase() !== 'PATH'));
}

describe('prepack', () => {
  const prepack = path.join(root, 'scripts', 'prepack.js');

  it('refuses a package without the prebuilt binaries, naming each', () => {
    const pkg = tempDir();
    const r = node([prepack, pkg]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^sockctl: refusing to pack: 6 of the 6 prebuilt binaries are missing/);
    for (const file of PREBUILDS) expect(r.stderr).toContain(path.normalize(file));
    expect(r.stderr).toContain('npm run prebuild');
  });

  it('refuses while one is missing or empty, and passes with all six', () => {
    const pkg = tempDir();
    for (const file of PREBUILDS) {
      fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
      fs.writeFileSync(path.join(pkg, file), 'binary');
    }
    fs.writeFileSync(path.join(pkg, PREBUILDS[5]), '');
    fs.rmSync(path.join(pkg, PREBUILDS[2]));
    const r = node([prepack, pkg]);
    expect(r.status).toBe(1);
    const named = [PREBUILDS[2], PREBUILDS[5]].map((file) => path.normalize(file)).join(', ');
    expect(r.stderr).toContain(`2 of the 6 prebuilt binaries are missing (${named})`);
    fs.writeFileSync(path.join(pkg, PREBUILDS[5]), 'binary');
    fs.writeFileSync(path.join(pkg, PREBUILDS[2]), 'binary');
    expect(node([prepack, pkg])).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});

describe('a package with no binary for this machine', () => {
  it('fails to load with what to do, and the loader error as the cause', () => {
    // The package as a registry install without prebuilds/ or build/ leaves it.
    const app = tempDir();
    const pkg = path.join(app, 'node_modules', 'sockctl');
    fs.mkdirSync(pkg, { recursive: true });
    fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    const loader = path.dirname(require.resolve('node-gyp-build/package.json'));
    fs.cpSync(loader, path.join(app, 'node_modules', 'node-gyp-build'), { recursive: true });
    const script = `try { require('sockctl') } catch (e) { console.log(JSON.stringify([e.message, e.cause && e.cause.message])) }`;
    const r = node(['-e', script], { cwd: app });
    expect(r.stderr).toBe('');
    const [message, cause] = JSON.parse(r.stdout) as [string, string];
    const libc = process.platform !== 'linux' ? '' : fs.existsSync('/etc/alpine-release') ? '-musl' : '-glibc';
    expect(message).toContain(
      `sockctl: no native binary for ${process.platform}-${process.arch}${libc} could be loaded`,
    );
    expect(message).toContain('Run `npm rebuild sockctl` to build one on this machine; that needs Python 3');
    expect(cause).toMatch(/^No native build was found for platform=/);
  });
});

describe('npm run prebuild', () => {
  it('without mingw-w64 names the Debian packages in one line, with no stack', () => {
    const emptyPath = tempDir();
    const r = node([path.join(root, 'scripts', 'prebuild.js'), 'win32-x64'], {
      env: { ...withoutPath(process.env), PATH: emptyPath },
    });
    expect(r).toEqual({
      status: 1,
      stdout: '',
      stderr:
        'prebuild: x86_64-w64-mingw32-dlltool, x86_64-w64-mingw32-g++-posix not found on PATH; install the ' +
        'Debian packages that have them: apt-get install binutils-mingw-w64-x86-64 g++-mingw-w64-x86-64-posix',
    });
  });
});

describe.runIf(process.platform === 'linux')('the Linux binaries', () => {
  // Bun (1.4) exports every uv_* function as a stub that panics on POSIX: a
  // binary that imported one would abort there the first time it ran.
  it('import Node-API and the C library only, no libuv', () => {
    const binaries = ['build/Release/sockctl.node', ...PREBUILDS.filter((p) => p.startsWith('prebuilds/linux-'))]
      .map((p) => path.join(root, p))
      .filter((p) => fs.existsSync(p));
    expect(binaries.length).toBeGreaterThan(0);
    for (const binary of binaries) {
      const nm = spawnSync('nm', ['-D', '--undefined-only', binary], { encoding: 'utf8' });
      expect(nm.status, nm.stderr).toBe(0);
      const imported = nm.stdout.split('\n').flatMap((l) => /^\s+U (\S+)/.exec(l)?.[1] ?? []);
      expect(imported.filter((s) => s.startsWith('napi_')).length, binary).toBeGreaterThan(10);
      expect(
        imported.filter((s) => /^uv_/.test(s)),
        binary,
      ).toEqual([]);
    }
  });
});
