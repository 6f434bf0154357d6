#!/usr/bin/env bash
# Proves the shipped package installs and works with no compiler: packs the
# tree (with the prebuilds already built by `npm run prebuild`), installs the
# tarball into an empty project with a PATH that holds only node, npm and sh,
# and runs a loopback smoke test from it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/.tmp/pack-test
rm -rf "$work" && mkdir -p "$work/bin" "$work/app"

# npm pack runs scripts/prepack.js, which refuses (and names what is
# missing) unless every prebuilt binary is there.
tarball=$(npm pack --silent --pack-destination "$work")
tar -tzf "$work/$tarball" | sort > "$work/contents.txt"
grep -q 'package/prebuilds/win32-x64/sockctl.napi.node' "$work/contents.txt"
grep -q 'package/dist/index.d.ts' "$work/contents.txt"
if grep -qE 'package/(build|test|\.tmp)/' "$work/contents.txt"; then
  echo "the tarball carries build or test files" >&2
  exit 1
fi

# No compiler, make or python: if the loader fell back to a source build,
# the install would fail here.
ln -s "$(command -v node)" "$work/bin/node"
ln -s "$(command -v npm)" "$work/bin/npm"
ln -s "$(command -v sh)" "$work/bin/sh"
cd "$work/app"
echo '{ "name": "app", "version": "1.0.0", "private": true }' > package.json
PATH=$work/bin npm install --no-audit --no-fund "$work/$tarball" > install.log 2>&1 || {
  cat install.log
  exit 1
}
[ ! -e node_modules/sockctl/build ] || { echo "a source build ran during install" >&2; exit 1; }

cat > smoke.js <<'JS'
const net = require('node:net');
const sockctl = require('sockctl');
const binary = require('node-gyp-build').resolve(require.resolve('sockctl/package.json').replace(/package\.json$/, ''));
const server = net.createServer((s) => s.on('error', () => {}).resume()).listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () => {
    sockctl.setLinger(c, 0);
    const info = sockctl.getTcpInfo(c);
    console.log(`loaded ${binary.split('node_modules/sockctl/')[1]}: linger ${JSON.stringify(sockctl.getLinger(c))}, state ${info.state}`);
    if (info.state !== 'ESTABLISHED' || !sockctl.getLinger(c).enabled) process.exitCode = 1;
    sockctl.abort(c);
    server.close();
  });
});
JS
PATH=$work/bin node smoke.js
# The register hook, by its package name, and the sockctl command npm linked.
PATH=$work/bin node --require sockctl/register -e 'process.exitCode = require("node:net") ? 0 : 1'
PATH=$work/bin node --import sockctl/register -e 'process.exitCode = 0'
# The metrics entry points load without their optional peers installed.
PATH=$work/bin node -e 'require("sockctl/opentelemetry"); require("sockctl/prometheus")'
PATH=$work/bin ./node_modules/.bin/sockctl features | grep -q '^keepAlive  *yes$' || {
  echo "npx sockctl features failed" >&2
  exit 1
}
echo "pack test passed: $tarball ($(wc -l < "$work/contents.txt") files)"
