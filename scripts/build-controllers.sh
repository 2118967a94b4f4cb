#!/usr/bin/env bash
# Builds the real controllers the test platform's `controllers` option runs as plain processes
# against its kube-apiserver (packages/test-platform/README.md, "Real controllers"), from the Go
# module proxy (no images, no release downloads):
#   crossplane  Crossplane core (`crossplane core init` / `core start`), from the same module and
#               version as crank (tools/crossplane/crank)
#   argocd      Argo CD's one binary (tools/argocd); argocd-application-controller and
#               argocd-repo-server are symlinks to it: it becomes what it is started as
#   kwok        fake Nodes and pod lifecycles driven by Stages (tools/kwok)
# and copies what they need from the same module versions, so CRDs always match the binaries:
#   crds/crossplane/  Crossplane v2.2.1's CRDs (cluster/crds of the module)
#   crds/argo-cd/     Argo CD v3.3.9's Application, AppProject, ApplicationSet CRDs
#   kwok/stages/      kwok v0.7.0's own default Stages (node and pod lifecycle, the "fast" set)
#   packages/function-auto-ready-<version>/  that function's package metadata
# kube-scheduler comes from scripts/build-kube.sh (tools/kube); redis-server (Argo CD's cache)
# from Debian, installed here when missing.
# Cached in $CACHE_DIR/controllers/<versions>/ and built once per version. Each binary is built
# into a per-process temporary file and renamed, so parallel runs never see half a binary.
# Prints the bin directory on stdout (crds/ and kwok/ are beside it); logs go to stderr.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

modver() { # <go.mod> <module path>: the version a wrapper module requires
  sed -n -E "s#^(require)?[[:space:]]*$2 (v[^[:space:]]+)\$#\2#p" "$1" | head -n 1
}
CROSSPLANE_VERSION="$(modver "$ROOT/tools/crossplane/crank/go.mod" github.com/crossplane/crossplane/v2)"
ARGOCD_VERSION="$(modver "$ROOT/tools/argocd/go.mod" github.com/argoproj/argo-cd/v3)"
KWOK_VERSION="$(modver "$ROOT/tools/kwok/go.mod" sigs.k8s.io/kwok)"
[ -n "$CROSSPLANE_VERSION" ] && [ -n "$ARGOCD_VERSION" ] && [ -n "$KWOK_VERSION" ] \
  || die "cannot read versions from tools/{crossplane/crank,argocd,kwok}/go.mod"

DIR="$CACHE_DIR/controllers/crossplane-$CROSSPLANE_VERSION-argocd-$ARGOCD_VERSION-kwok-$KWOK_VERSION"
BIN="$DIR/bin"
mkdir -p "$BIN"

command -v go >/dev/null || die "Go >= 1.25 is needed to build the controllers (https://go.dev/dl)"
export GOFLAGS="-trimpath -mod=readonly"
export CGO_ENABLED=0

build() { # <name> <module dir> <package> <extra ldflags>
  local t0=$SECONDS
  (cd "$2" && go build -ldflags "-s -w $4" -o "$BIN/$1.tmp.$$" "$3")
  mv -f "$BIN/$1.tmp.$$" "$BIN/$1"
  log "built $1 in $((SECONDS - t0))s"
}

# The module folder of <module>@<version>, downloaded through the wrapper module's go.sum.
moddir() { # <wrapper module dir> <module>
  (cd "$1" && go mod download "$2" \
    && go list -m -f '{{if .Replace}}{{.Replace.Dir}}{{else}}{{.Dir}}{{end}}' "$2")
}

if [ ! -x "$BIN/crossplane" ]; then
  log "building crossplane $CROSSPLANE_VERSION (Go module proxy; first run only: a few minutes)"
  build crossplane "$ROOT/tools/crossplane/crank" github.com/crossplane/crossplane/v2/cmd/crossplane \
    "-X github.com/crossplane/crossplane/v2/internal/version.version=$CROSSPLANE_VERSION"
fi
if [ ! -x "$BIN/kwok" ]; then
  log "building kwok $KWOK_VERSION (Go module proxy; first run only: a few minutes)"
  build kwok "$ROOT/tools/kwok" sigs.k8s.io/kwok/cmd/kwok \
    "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"
fi
if [ ! -x "$BIN/argocd" ]; then
  log "building argocd $ARGOCD_VERSION (Go module proxy; first run only: 5-12 minutes on 2 cores)"
  pkg=github.com/argoproj/argo-cd/v3/common
  build argocd "$ROOT/tools/argocd" github.com/argoproj/argo-cd/v3/cmd \
    "-X $pkg.version=${ARGOCD_VERSION#v} -X $pkg.gitTag=$ARGOCD_VERSION -X $pkg.gitTreeState=clean"
fi
for name in argocd-application-controller argocd-repo-server; do
  [ -L "$BIN/$name" ] || ln -sfn argocd "$BIN/$name"
done

copy_dir() { # <source dir> <target dir> <glob>: copied whole into place, then renamed
  [ -d "$2" ] && return 0
  mkdir -p "$2.$$"
  # shellcheck disable=SC2086 # the glob is meant to expand
  cp "$1"/$3 "$2.$$/"
  chmod -R u+w "$2.$$"
  mv "$2.$$" "$2" 2>/dev/null || rm -rf "$2.$$"
}
copy_dir "$(moddir "$ROOT/tools/crossplane/crank" github.com/crossplane/crossplane/v2)/cluster/crds" \
  "$DIR/crds/crossplane" '*.yaml'
copy_dir "$(moddir "$ROOT/tools/argocd" github.com/argoproj/argo-cd/v3)/manifests/crds" \
  "$DIR/crds/argo-cd" '*-crd.yaml'
if [ ! -d "$DIR/kwok/stages" ]; then
  kwok_mod="$(moddir "$ROOT/tools/kwok" sigs.k8s.io/kwok)/kustomize/stage"
  mkdir -p "$DIR/kwok/stages.$$"
  # kwok's own defaults (what it runs without a config): node-initialize and
  # node-heartbeat-with-lease, pod-ready, pod-complete and pod-delete.
  cp "$kwok_mod"/node/fast/node-initialize.yaml \
    "$kwok_mod"/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    "$kwok_mod"/pod/fast/pod-*.yaml "$DIR/kwok/stages.$$/"
  chmod -R u+w "$DIR/kwok/stages.$$"
  mv "$DIR/kwok/stages.$$" "$DIR/kwok/stages" 2>/dev/null || rm -rf "$DIR/kwok/stages.$$"
fi

# function-auto-ready's package metadata: the test platform installs the Function from a package
# it puts into Crossplane's package cache (packages/test-platform/README.md, "Real controllers").
AUTO_READY_VERSION="$(modver "$ROOT/tools/crossplane/function-auto-ready/go.mod" github.com/crossplane/function-auto-ready)"
[ -n "$AUTO_READY_VERSION" ] || die "cannot read function-auto-ready's version from tools/crossplane/function-auto-ready/go.mod"
copy_dir "$(moddir "$ROOT/tools/crossplane/function-auto-ready" github.com/crossplane/function-auto-ready)/package" \
  "$DIR/packages/function-auto-ready-$AUTO_READY_VERSION" 'crossplane.yaml'

# Argo CD's cache. Debian's package also enables a system service on port 6379; the test
# platform runs its own redis-server on a free port and never uses that one.
command -v redis-server >/dev/null || apt_install redis-server

echo "$BIN"
