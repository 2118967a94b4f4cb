#!/usr/bin/env bash
# Builds the real Kubernetes control plane the tests run against, from the Go module proxy:
#   kine (etcd API over SQLite), kube-apiserver, kube-controller-manager and kube-scheduler
#   v1.34.x (the scheduler only runs with the test platform's `controllers` option).
# No Docker, kind or release downloads on these machines; see shared notes control-plane.md.
# Binaries are cached in $CACHE_DIR/kube/<version>/bin so only the first run pays.
# Prints the bin directory on stdout.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

KUBE_VERSION="$(sed -n -E 's/^(require)?[[:space:]]*k8s.io\/kubernetes v([0-9.]+)$/\2/p' "$ROOT/tools/kube/go.mod")"
KINE_VERSION="$(sed -n 's/^\/\/ kine: //p' "$ROOT/tools/kube/go.mod")"
[ -n "$KUBE_VERSION" ] && [ -n "$KINE_VERSION" ] || die "cannot read versions from tools/kube/go.mod"
BIN="$CACHE_DIR/kube/v$KUBE_VERSION-kine$KINE_VERSION/bin"
mkdir -p "$BIN"

# Go >= 1.21 fetches the toolchain tools/kube/go.mod asks for (go 1.24) from the module proxy
# by itself; Debian bookworm's golang-go (1.19) is too old, so we do not install that.
command -v go >/dev/null || die "Go >= 1.21 is needed to build the control plane (https://go.dev/dl), or set IDP_TEST_KUBECONFIG to use an existing cluster"
export GOFLAGS="-trimpath -mod=readonly"
export CGO_ENABLED="${CGO_ENABLED:-1}"

if [ ! -x "$BIN/kine" ]; then
  log "building kine v$KINE_VERSION (Go module proxy)"
  GOBIN="$BIN" go install "github.com/k3s-io/kine@v$KINE_VERSION"
fi

minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION"
ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
  if [ ! -x "$BIN/$cmd" ]; then
    log "building $cmd v$KUBE_VERSION (first run only: several minutes on 2 cores)"
    # A per-process temporary file, renamed: parallel runs never see half a binary.
    (cd "$ROOT/tools/kube" && CGO_ENABLED=0 go build -ldflags "$ldflags" -o "$BIN/$cmd.tmp.$$" "k8s.io/kubernetes/cmd/$cmd")
    mv -f "$BIN/$cmd.tmp.$$" "$BIN/$cmd"
  fi
done
echo "$BIN"
