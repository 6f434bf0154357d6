'use strict';
// npm run bench: builds the yardsticks (the reference addon and the C
// floor), then runs the per-call benchmark, the census benchmark and the
// cost of the policy routes and of tracking per connection.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const run = (cmd, args) => execFileSync(cmd, args, { cwd: path.join(here, '..'), stdio: 'inherit' });

run('npm', ['exec', '--', 'node-gyp', 'rebuild', '--silent', '--directory', path.join(here, 'reference')]);
fs.mkdirSync(path.join(here, 'build'), { recursive: true });
run('cc', ['-O2', '-Wall', '-o', path.join(here, 'build', 'floor'), path.join(here, 'floor.c')]);
run(process.execPath, [path.join(here, 'ops.js')]);
run(process.execPath, [path.join(here, 'census.js')]);
run(process.execPath, [path.join(here, 'connect.js')]);
run(process.execPath, [path.join(here, 'tracking.js')]);
