#!/usr/bin/env bash
# Runs the test suite on Bun or Deno, which load Node-API addons and give
# their own node:net, against the shipped linux-x64 prebuild:
#   scripts/test-runtime.sh bun|deno [vitest args]
# A script on the runtime:   scripts/test-runtime.sh bun --run script.js [args]
# What a runtime lacks is skipped by name where the test is, with the reason
# (test/helpers/platform.ts, under()).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
BUN_VERSION=1.4.5
DENO_VERSION=2.9.6
dir=$root/.tmp/runtimes

. scripts/lib.sh
case "${1-}" in
  bun)
    unpack @oven/bun-linux-x64 "$BUN_VERSION" "$dir/bun"
    run=("$dir/bun/bin/bun" --bun) # --bun: vitest's workers run on Bun too, not on a node from PATH
    version="bun $BUN_VERSION"
    ;;
  deno)
    unpack @deno/linux-x64-glibc "$DENO_VERSION" "$dir/deno"
    chmod +x "$dir/deno/deno"
    run=("$dir/deno/deno" run -A) # -A: the addon needs --allow-ffi, the tests the network, files and children
    version="deno $DENO_VERSION"
    ;;
  *)
    echo "usage: scripts/test-runtime.sh bun|deno [vitest args | --run script.js args]" >&2
    exit 2
    ;;
esac
shift

node scripts/prebuild.js linux-x64-glibc
npm run --silent build:ts # tests that start children load the built package

# Not test/clients: those start PostgreSQL, MariaDB and Redis and record the
# client matrix for Node; the routes the clients use are tested in test/routes.
start=$SECONDS
status=0
if [ "${1-}" = --run ]; then
  shift
  PREBUILDS_ONLY=1 "${run[@]}" "$@" || status=$?
else
  PREBUILDS_ONLY=1 "${run[@]}" node_modules/vitest/vitest.mjs run --exclude 'test/clients/**' "$@" || status=$?
fi
echo "$version: $([ $status = 0 ] && echo ok || echo FAILED) in $((SECONDS - start)) s"
exit $status
