#!/usr/bin/env bash
# Builds what the golden-path template tests run on a generated service, from the registries this
# machine reaches (no release-page downloads):
#   helm      renders the deployment skeleton's chart (Go module proxy)
#   yq        the YAML editor the generated CI's deploy job runs (Go module proxy; Debian's yq
#             is a different program with another syntax)
#   uv        the Python package manager the generated FastAPI service uses (PyPI)
#   gateway-api CRDs  HTTPRoute and friends, so the chart's route is validated by the apiserver
#             (from the sigs.k8s.io/gateway-api module, which carries them)
#   kustomize renders the portal's own manifests (platform/portal), as `kubectl apply -k` and
#             Argo CD do (Go module proxy)
#   CloudNativePG CRD  postgresql.cnpg.io Cluster, so the portal's database overlay is validated
#             by the apiserver (from the github.com/cloudnative-pg/cloudnative-pg module)
# Everything is cached in $CACHE_DIR/template-tools/<versions>/ and built once per version
# (kustomize and the CloudNativePG CRD are versioned inside it: bin/kustomize is rebuilt when it
# reports another version, crds/cloudnative-pg-<version>/ is per version).
# Prints that directory on stdout (bin/ and crds/ below it); logs go to stderr.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

HELM_VERSION="v3.22.0"
YQ_VERSION="v4.47.2"
UV_VERSION="0.13.9"
GATEWAY_API_VERSION="v1.4.1"
KUSTOMIZE_VERSION="v5.7.1"
CLOUDNATIVE_PG_VERSION="v1.28.0"

DIR="$CACHE_DIR/template-tools/helm-$HELM_VERSION-yq-$YQ_VERSION-uv-$UV_VERSION-gwapi-$GATEWAY_API_VERSION"
BIN="$DIR/bin"
mkdir -p "$BIN" "$DIR/crds"

command -v go >/dev/null || die "Go >= 1.24 is needed to build helm and yq (https://go.dev/dl)"
command -v python3 >/dev/null || die "python3 is needed for uv"

# go install into a per-process directory, then rename, so parallel test workers never see a
# half-written binary. Neither module has replace directives, so go install <module>@<version>
# works here.
go_install() { # <name> <package@version>
  local tmp="$DIR/.gobin.$$"
  mkdir -p "$tmp"
  GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" go install -ldflags "-s -w" "$2" >&2
  mv -f "$tmp/$1" "$BIN/$1"
  rmdir "$tmp"
}

if [ ! -x "$BIN/helm" ]; then
  log "building helm $HELM_VERSION (Go module proxy; first run only)"
  go_install helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
if [ ! -x "$BIN/yq" ]; then
  log "building yq $YQ_VERSION (Go module proxy; first run only)"
  go_install yq "github.com/mikefarah/yq/v4@$YQ_VERSION"
fi
if [ ! -x "$BIN/uv" ]; then
  log "installing uv $UV_VERSION (PyPI; first run only)"
  rm -rf "$DIR/uv-venv.$$"
  python3 -m venv "$DIR/uv-venv.$$" >&2
  "$DIR/uv-venv.$$/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION" >&2
  rm -rf "$DIR/uv-venv"
  mv "$DIR/uv-venv.$$" "$DIR/uv-venv"
  # A venv's scripts point at its own path, so the venv is moved before linking.
  ln -sf "$DIR/uv-venv/bin/uv" "$BIN/uv"
fi
if [ ! -f "$DIR/crds/gateway.networking.k8s.io_httproutes.yaml" ]; then
  log "fetching the Gateway API $GATEWAY_API_VERSION CRDs (Go module proxy; first run only)"
  mod="$(cd "$DIR" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  cp "$mod"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$DIR/crds/"
  chmod u+w "$DIR"/crds/*.yaml
fi
if ! "$BIN/kustomize" version 2>/dev/null | grep -qx "$KUSTOMIZE_VERSION"; then
  log "building kustomize $KUSTOMIZE_VERSION (Go module proxy; first run only)"
  go_install kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi
CNPG_CRDS="$DIR/crds/cloudnative-pg-$CLOUDNATIVE_PG_VERSION"
if [ ! -f "$CNPG_CRDS/postgresql.cnpg.io_clusters.yaml" ]; then
  log "fetching the CloudNativePG $CLOUDNATIVE_PG_VERSION Cluster CRD (Go module proxy; first run only)"
  # The proxy refuses this module's @v/list (403) but serves pinned versions.
  mod="$(cd "$DIR" && GOFLAGS=-mod=mod go mod download -json "github.com/cloudnative-pg/cloudnative-pg@$CLOUDNATIVE_PG_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  mkdir -p "$CNPG_CRDS.$$"
  cp "$mod/config/crd/bases/postgresql.cnpg.io_clusters.yaml" "$CNPG_CRDS.$$/"
  chmod u+w "$CNPG_CRDS.$$"/*.yaml
  rm -rf "$CNPG_CRDS"
  mv "$CNPG_CRDS.$$" "$CNPG_CRDS"
fi
echo "$DIR"
