# The local platform's tools, shared by scripts/start.sh, scripts/sandbox.sh and scripts/test.sh.
# Sourced after common.sh. Each build runs once per version into $CACHE_DIR and takes seconds
# after that; the first run builds from the Go module proxy and PyPI (about 20 minutes on
# 2 cores for everything, Argo CD most of it), so each step says what it builds and, while it
# runs, how long it has been going.

# Runs "$@" with a line on stderr every 30 s while it runs, so a first build that takes minutes
# does not look hung. Its stdout is the command's (the build scripts print the folder they made).
with_progress() { # <what> <command...>
  local what="$1"; shift
  local t0=$SECONDS out rc=0
  out="$(mktemp)"
  "$@" >"$out" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if kill -0 "$pid" 2>/dev/null && (( (SECONDS - t0) % 30 < 5 && SECONDS - t0 >= 30 )); then
      log "… $what: still building ($(( (SECONDS - t0) / 60 ))m$(( (SECONDS - t0) % 60 ))s)"
    fi
  done
  wait "$pid" || rc=$?
  cat "$out"; rm -f "$out"
  if (( SECONDS - t0 >= 30 )); then log "$what: ready after $(( SECONDS - t0 ))s"; fi
  return $rc
}

# The real Kubernetes control plane the test platform starts (kube-apiserver, etcd,
# kube-scheduler). Not needed when IDP_TEST_KUBECONFIG points at an existing cluster.
ensure_kube() {
  command -v openssl >/dev/null || apt_install openssl
  command -v git >/dev/null || apt_install git
  if [ -z "${IDP_TEST_KUBECONFIG:-}" ]; then
    IDP_KUBE_BIN_DIR="$(with_progress "Kubernetes control plane" "$ROOT/scripts/build-kube.sh")"
    export IDP_KUBE_BIN_DIR
  fi
}

# The Crossplane CLI (crank) and the composition functions, and the project's own function on
# every run (a second when unchanged).
ensure_crossplane() {
  IDP_CROSSPLANE_BIN_DIR="$(with_progress "Crossplane functions" "$ROOT/scripts/build-crossplane.sh")"
  export IDP_CROSSPLANE_BIN_DIR
}

# The real controllers (Crossplane core, Argo CD, kwok), redis-server from Debian.
ensure_controllers() {
  if [ -z "${IDP_TEST_KUBECONFIG:-}" ]; then
    IDP_CONTROLLERS_BIN_DIR="$(with_progress "Crossplane, Argo CD and kwok" "$ROOT/scripts/build-controllers.sh")"
    export IDP_CONTROLLERS_BIN_DIR
  fi
}

# helm, yq, kustomize and uv, the Gateway API and CloudNativePG CRDs; rsync for gitlab-ci-local.
ensure_template_tools() {
  command -v rsync >/dev/null || apt_install rsync
  IDP_TEMPLATE_TOOLS_DIR="$(with_progress "template tools" "$ROOT/scripts/build-template-tools.sh")"
  export IDP_TEMPLATE_TOOLS_DIR
}

# mkdocs with mkdocs-techdocs-core, which the TechDocs backend runs (techdocs.generator.runIn:
# local): on PATH for the portal and the tests.
ensure_techdocs() {
  IDP_TECHDOCS_BIN_DIR="$(with_progress "TechDocs generator" "$ROOT/scripts/build-techdocs.sh")"
  export IDP_TECHDOCS_BIN_DIR
  export PATH="$IDP_TECHDOCS_BIN_DIR:$PATH"
}

# Everything the local platform (GitLab double, control plane, controllers) needs.
ensure_platform() {
  ensure_kube
  ensure_crossplane
  ensure_template_tools
  ensure_controllers
}
