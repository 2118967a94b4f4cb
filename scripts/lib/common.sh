# Shared bootstrap for scripts/start.sh and scripts/test.sh. Sourced, not executed.
# Everything here is idempotent: a second run finds what the first one set up and reuses it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT
# Downloads and builds are cached outside the repository so a fresh clone (or CI on the same
# machine) reuses them: the Node tarball, Yarn's package cache, the control-plane binaries.
CACHE_DIR="${IDP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/idp-portal}"
export CACHE_DIR
mkdir -p "$CACHE_DIR"

# Node 22: Backstage 1.55 needs 22 or 24, and Node 24 crashed better-sqlite3 on these machines
# (shared/notes/toolchain.md). Bump together with the engines field in package.json.
NODE_VERSION="${IDP_NODE_VERSION:-22.23.3}"
YARN_RELEASE="$ROOT/.yarn/releases/yarn-4.13.0.cjs"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null; then sudo "$@";
  else die "need root to run: $* (install it yourself or run as root)"; fi
}

apt_updated=""
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Puts a Node 22 on PATH: the machine's own if it is 22, else the npm registry's node-linux-*
# package (binary and headers, no npm) unpacked into the git-ignored .toolchain/ folder.
ensure_node() {
  local current
  current="$(node --version 2>/dev/null || true)"
  if [[ "$current" == v22.* ]]; then
    NODE_HOME="$(cd "$(dirname "$(command -v node)")/.." && pwd)"
  else
    local arch
    case "$(uname -m)" in
      x86_64) arch=x64 ;;
      aarch64|arm64) arch=arm64 ;;
      *) die "no node-linux package for $(uname -m)" ;;
    esac
    NODE_HOME="$ROOT/.toolchain/node-v$NODE_VERSION-linux-$arch"
    if [ ! -x "$NODE_HOME/bin/node" ]; then
      command -v npm >/dev/null || die "npm is needed once to fetch Node $NODE_VERSION"
      local tgz="$CACHE_DIR/node-linux-$arch-$NODE_VERSION.tgz"
      if [ ! -s "$tgz" ]; then
        log "fetching Node $NODE_VERSION (npm package node-linux-$arch) into the cache"
        local tmp; tmp="$(mktemp -d)"
        (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null 2>&1) \
          || die "npm pack node-linux-$arch@$NODE_VERSION failed"
        mv "$tmp"/node-linux-*.tgz "$tgz"; rm -rf "$tmp"
      fi
      mkdir -p "$NODE_HOME.tmp" && tar xzf "$tgz" -C "$NODE_HOME.tmp" --strip-components=1
      rm -rf "$NODE_HOME" && mv "$NODE_HOME.tmp" "$NODE_HOME"
    fi
    export PATH="$NODE_HOME/bin:$PATH"
  fi
  # node-gyp would download headers from the internet (unreachable here); point it at the ones
  # shipped with the Node in use so better-sqlite3 builds from source.
  export npm_config_nodedir="$NODE_HOME"
  export NODE_HOME
  # A `yarn` on PATH for child processes too (Playwright's web server, backstage-cli), without
  # a global install: the repository's own release.
  mkdir -p "$ROOT/.toolchain/bin"
  printf '#!/bin/sh\nexec node "%s" "$@"\n' "$YARN_RELEASE" > "$ROOT/.toolchain/bin/yarn"
  chmod +x "$ROOT/.toolchain/bin/yarn"
  export PATH="$ROOT/.toolchain/bin:$PATH"
  log "node $(node --version) from $NODE_HOME"
}

# The repository's own Yarn release, so no global yarn is needed.
yarn() { node "$YARN_RELEASE" "$@"; }

ensure_deps() {
  local flags=() logf="$CACHE_DIR/yarn-install.log"
  # CI must use exactly the committed lockfile; locally a changed package.json may update it.
  if [ -n "${CI:-}" ]; then flags+=(--immutable); fi
  log "yarn install ${flags[*]:-} (log: $logf)"
  if ! (cd "$ROOT" && yarn install "${flags[@]}") >"$logf" 2>&1; then
    tail -40 "$logf" >&2
    die "yarn install failed (full log: $logf)"
  fi
  grep -E 'YN0000: · Done' "$logf" >&2 || true
}
