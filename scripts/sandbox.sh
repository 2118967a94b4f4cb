#!/usr/bin/env bash
# Local sandbox: a real Kubernetes control plane, the GitLab test double (under /gitlab) and the
# portal wired to both, with Crossplane and Argo CD simulated, so a golden path can be run end
# to end on a laptop and the deployment view fills in. For trying and testing the portal only:
# nothing here is a real GitLab, and nothing persists after Ctrl-C.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ensure_node
ensure_deps
command -v openssl >/dev/null || apt_install openssl
command -v git >/dev/null || apt_install git
if [ -z "${IDP_TEST_KUBECONFIG:-}" ]; then
  IDP_KUBE_BIN_DIR="$("$ROOT/scripts/build-kube.sh")"
  export IDP_KUBE_BIN_DIR
fi
cd "$ROOT"
exec node --require @backstage/cli/config/nodeTransform.cjs packages/test-platform/src/sandbox/main.ts
