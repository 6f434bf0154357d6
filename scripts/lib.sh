# Shared by the emulator runners (test-wine.sh, test-qemu-arm64.sh); sourced.

# Installs the Debian packages that are missing.
ensure_packages() {
  local missing=() p sudo=
  for p in "$@"; do
    dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

# unpack PACKAGE VERSION DESTINATION: an npm package for another OS or CPU,
# unpacked as is (npm pack, not npm install: install refuses it). Kept while
# the version matches.
unpack() {
  if [ ! -f "$3/package.json" ] || [ "$(node -p "require('$3/package.json').version")" != "$2" ]; then
    rm -rf "$3" && mkdir -p "$3"
    local tgz
    tgz=$(npm pack --silent --pack-destination "$(dirname "$3")" "$1@$2")
    tar xzf "$(dirname "$3")/$tgz" -C "$3" --strip-components=1 && rm "$(dirname "$3")/$tgz"
  fi
}
