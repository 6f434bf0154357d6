'use strict';
// npm pack and npm publish run this first. A package without a prebuilt
// binary for some platform installs there only with a compiler, so refuse to
// pack unless every target of scripts/prebuild.js has its binary (prebuild
// checked each one's header when it built it). npm install in a clone and
// installs from git run `prepare`, not this.
//   node scripts/prepack.js [package root]      (default: this package)
const fs = require('node:fs');
const path = require('node:path');
const { targets, outputOf } = require('./prebuild');

const root = path.resolve(process.argv[2] || path.join(__dirname, '..'));
const names = Object.keys(targets);
const missing = names
  .map((name) => outputOf(name, root))
  .filter((file) => !fs.existsSync(file) || fs.statSync(file).size === 0)
  .map((file) => path.relative(root, file));

if (missing.length) {
  console.error(
    `sockctl: refusing to pack: ${missing.length} of the ${names.length} prebuilt binaries are missing ` +
      `(${missing.join(', ')}), and where one is missing installing needs a compiler. ` +
      'Run `npm run prebuild` first.',
  );
  process.exit(1);
}
