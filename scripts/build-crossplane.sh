#!/usr/bin/env bash
# Builds the Crossplane tooling the render tests use, from Go sources:
#   crank                            the Crossplane CLI (v2.2.x renders Compositions in-process)
#   function-applicationenvironment  the platform's own composition function
#                                    (platform/crossplane/function-applicationenvironment)
#   function-auto-ready              marks the XR ready when its composed resources are
# Binaries are cached in $CACHE_DIR/crossplane/<versions>/bin. crank and function-auto-ready are
# built once per version; our function is rebuilt on every run (Go's build cache makes that
# about a second when nothing changed), so tests never run a stale copy of it.
# Prints the bin directory on stdout; logs go to stderr.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# Versions. crank v2.2.1 is the newest v2.2 the Go module proxy serves here (v2.2.3 and v2.2.4
# answer 403); the v2.3+ CLI moved to another module and delegates rendering to a core binary.
CRANK_VERSION="v2.2.1"      # wrapper module: tools/crossplane/crank/go.mod
AUTO_READY_VERSION="v0.5.0" # wrapper module: tools/crossplane/function-auto-ready/go.mod
# Keep in step with the package tags in platform/crossplane/functions.yaml.

VERSION="crank-$CRANK_VERSION-autoready-$AUTO_READY_VERSION"
BIN="$CACHE_DIR/crossplane/$VERSION/bin"
mkdir -p "$BIN"

command -v go >/dev/null || die "Go >= 1.24 is needed to build the Crossplane tooling (https://go.dev/dl)"
export GOFLAGS="-trimpath -mod=readonly"
export CGO_ENABLED=0
TOOLS="$ROOT/tools/crossplane"
FUNCTION="$ROOT/platform/crossplane/function-applicationenvironment"

# Builds into a per-process temporary file and renames it, so concurrent runs (parallel test
# workers) never see a half-written binary.
build() { # <name> <module dir> <package>
  (cd "$2" && go build -ldflags "-s -w" -o "$BIN/$1.tmp.$$" "$3")
  mv -f "$BIN/$1.tmp.$$" "$BIN/$1"
}

if [ ! -x "$BIN/crank" ]; then
  log "building crank $CRANK_VERSION (Go module proxy; first run only)"
  grep -q "crossplane/crossplane/v2 $CRANK_VERSION\$" "$TOOLS/crank/go.mod" \
    || die "tools/crossplane/crank/go.mod does not require crossplane/v2 $CRANK_VERSION"
  build crank "$TOOLS/crank" github.com/crossplane/crossplane/v2/cmd/crank
fi
if [ ! -x "$BIN/function-auto-ready" ]; then
  log "building function-auto-ready $AUTO_READY_VERSION (Go module proxy; first run only)"
  build function-auto-ready "$TOOLS/function-auto-ready" github.com/crossplane/function-auto-ready
fi
log "building function-applicationenvironment (platform/crossplane/function-applicationenvironment)"
build function-applicationenvironment "$FUNCTION" .
echo "$BIN"
