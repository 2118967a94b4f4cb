#!/usr/bin/env bash
# Local sandbox: a real Kubernetes control plane with the real controllers (Crossplane, Argo CD,
# kube-scheduler and kwok), the GitLab test double (under /gitlab) and the portal wired to both,
# so a golden path can be run end to end on a laptop and the deployment view fills in. For trying and testing the portal only:
# nothing here is a real GitLab, and nothing persists after Ctrl-C.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ensure_node
ensure_deps
command -v openssl >/dev/null || apt_install openssl
command -v git >/dev/null || apt_install git
if [ -z "${IDP_TEST_KUBECONFIG:-}" ]; then
  # Built from the Go module proxy the first time (about 30 minutes on 2 cores for everything,
  # Argo CD being most of it), cached in ~/.cache/idp-portal after: seconds.
  IDP_KUBE_BIN_DIR="$("$ROOT/scripts/build-kube.sh")"
  export IDP_KUBE_BIN_DIR
  IDP_CROSSPLANE_BIN_DIR="$("$ROOT/scripts/build-crossplane.sh")"
  IDP_TEMPLATE_TOOLS_DIR="$("$ROOT/scripts/build-template-tools.sh")"
  IDP_CONTROLLERS_BIN_DIR="$("$ROOT/scripts/build-controllers.sh")"
  export IDP_CROSSPLANE_BIN_DIR IDP_TEMPLATE_TOOLS_DIR IDP_CONTROLLERS_BIN_DIR
fi
cd "$ROOT"
exec node --require @backstage/cli/config/nodeTransform.cjs packages/test-platform/src/sandbox/main.ts
