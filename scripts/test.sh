#!/usr/bin/env bash
# Quick start, command 2: sets up and runs every test the project has.
#   scripts/test.sh                 everything, in the order below
#   scripts/test.sh unit e2e        only those stages (setup always runs)
# Stages: typecheck lint unit build image e2e
# Bootstraps what the tests need: Node 22, dependencies, a real PostgreSQL (Debian package),
# Debian's Chromium. Safe to run again; caches live in ~/.cache/idp-portal.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"

ALL_STAGES=(typecheck lint unit build image e2e)
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=("${ALL_STAGES[@]}")
for s in "${STAGES[@]}"; do
  [[ " ${ALL_STAGES[*]} " == *" $s "* ]] || die "unknown stage '$s' (stages: ${ALL_STAGES[*]})"
done
wants() { [[ " ${STAGES[*]} " == *" $1 "* ]]; }

# The built portal laid out like the container image (see packages/backend/Dockerfile).
IMAGE_DIR="$CACHE_DIR/image"

summary=()
timed() {
  local name="$1"; shift
  local t0=$SECONDS
  log "stage $name"
  "$@"
  summary+=("$(printf '%-10s %4ss' "$name" $((SECONDS - t0)))")
}

ensure_chromium() {
  if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then apt_install chromium; fi
  export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
}

# The real Kubernetes control plane the test platform starts: built once from the Go module
# proxy into the cache (several minutes the first time), reused after. Not needed when
# IDP_TEST_KUBECONFIG points the tests at an existing cluster.
ensure_kube() {
  command -v openssl >/dev/null || apt_install openssl
  command -v git >/dev/null || apt_install git
  if [ -z "${IDP_TEST_KUBECONFIG:-}" ]; then
    IDP_KUBE_BIN_DIR="$("$ROOT/scripts/build-kube.sh")"
    export IDP_KUBE_BIN_DIR
  fi
}

# The Crossplane CLI (crank) and the composition functions the render tests run, built from the
# Go module proxy once (several minutes), and the project's own function on every run.
ensure_crossplane() {
  IDP_CROSSPLANE_BIN_DIR="$("$ROOT/scripts/build-crossplane.sh")"
  export IDP_CROSSPLANE_BIN_DIR
}

# The real controllers the test platform runs with its `controllers` option (Crossplane core,
# Argo CD, kwok; kube-scheduler comes with ensure_kube): built once from the Go module proxy
# (about 15 minutes cold on 2 cores, 25 when the CPU is shared), redis-server from Debian.
ensure_controllers() {
  if [ -z "${IDP_TEST_KUBECONFIG:-}" ]; then
    IDP_CONTROLLERS_BIN_DIR="$("$ROOT/scripts/build-controllers.sh")"
    export IDP_CONTROLLERS_BIN_DIR
  fi
}

# What the golden-path template tests run on a generated service, and the portal manifests'
# test: helm, yq, kustomize and uv (Go module proxy, PyPI), the Gateway API and CloudNativePG
# CRDs, built once into the cache; rsync for gitlab-ci-local, which copies the repository into
# its build folder.
ensure_template_tools() {
  command -v rsync >/dev/null || apt_install rsync
  IDP_TEMPLATE_TOOLS_DIR="$("$ROOT/scripts/build-template-tools.sh")"
  export IDP_TEMPLATE_TOOLS_DIR
}

setup() {
  ensure_node
  ensure_deps
  ensure_postgres
  ensure_chromium
  ensure_kube
  ensure_crossplane
  ensure_template_tools
  ensure_controllers
}

# The benchmarks (bench/) have their own tsconfig: typechecked too, so they do not rot.
stage_typecheck() { (cd "$ROOT" && yarn tsc && yarn tsc -p bench); }

stage_lint() {
  (cd "$ROOT" && yarn backstage-cli repo lint && yarn prettier --check . >/dev/null) \
    || die "lint failed (yarn fix / yarn prettier --write . fixes most of it)"
}

# Test counts of every runner, for the closing "N passed, N failed" line.
PASSED=0
FAILED=0
count_jest() {
  local line
  line="$(grep -E '^Tests: ' "$1" | tail -n 1 || true)"
  PASSED=$((PASSED + $(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$line" | head -n 1 | grep . || echo 0)))
  FAILED=$((FAILED + $(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line" | head -n 1 | grep . || echo 0)))
}
count_playwright() {
  PASSED=$((PASSED + $(sed -nE 's/^ +([0-9]+) passed.*/\1/p' "$1" | tail -n 1 | grep . || echo 0)))
  FAILED=$((FAILED + $(sed -nE 's/^ +([0-9]+) failed.*/\1/p' "$1" | tail -n 1 | grep . || echo 0)))
}

stage_unit() {
  # Jest through the Backstage CLI: every package's unit tests, the backend tests that touch a
  # database (once on SQLite, once on the PostgreSQL started above), and the test platform's
  # tests against the real control plane and the GitLab double.
  local out="$CACHE_DIR/unit.log" rc=0
  (cd "$ROOT" && CI=true yarn backstage-cli repo test --ci) 2>&1 | tee "$out" || rc=$?
  count_jest "$out"
  return $rc
}

stage_build() { (cd "$ROOT" && yarn build:backend >"$CACHE_DIR/build.log" 2>&1) || { tail -40 "$CACHE_DIR/build.log"; die "yarn build:backend failed"; }; }

# The "deps" and final stages of packages/backend/Dockerfile, without Docker.
stage_image() {
  local dist="$ROOT/packages/backend/dist"
  [ -f "$dist/bundle.tar.gz" ] || die "no backend bundle: run the build stage first"
  mkdir -p "$IMAGE_DIR"
  # Reuse node_modules between runs (yarn makes it match the new skeleton); replace the rest.
  find "$IMAGE_DIR" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
  mkdir -p "$IMAGE_DIR/.yarn"
  cp -a "$ROOT/.yarn/releases" "$IMAGE_DIR/.yarn/"
  cp "$ROOT"/{.yarnrc.yml,backstage.json,yarn.lock,package.json} "$IMAGE_DIR/"
  tar xzf "$dist/skeleton.tar.gz" -C "$IMAGE_DIR"
  (cd "$IMAGE_DIR" && NODE_ENV=production yarn workspaces focus --all --production >"$CACHE_DIR/image-install.log" 2>&1) \
    || { tail -40 "$CACHE_DIR/image-install.log"; die "production install failed"; }
  tar xzf "$dist/bundle.tar.gz" -C "$IMAGE_DIR"
  cp "$ROOT"/app-config.yaml "$ROOT"/app-config.production.yaml "$ROOT"/app-config.gitlab-discovery.yaml "$IMAGE_DIR/"
  cp -a "$ROOT/catalog-info" "$ROOT/templates" "$IMAGE_DIR/"
  # As the Dockerfile's build stage does: the image ships no sample organisation (org.yaml is for
  # local mode and the sandbox; production's users and groups come from GitLab or a site's file).
  rm "$IMAGE_DIR/catalog-info/org.yaml"
}

stage_e2e() {
  [ -f "$IMAGE_DIR/packages/backend/dist/index.cjs.js" ] || die "no image layout: run the build and image stages first"
  # Playwright tests in Debian's Chromium against the built portal (smoke: sign in, home page,
  # catalog lists the sample entities) and the production configuration on PostgreSQL.
  local out="$CACHE_DIR/e2e.log" rc=0
  (cd "$ROOT" && PORTAL_IMAGE_DIR="$IMAGE_DIR" CI=true yarn playwright test) 2>&1 | tee "$out" || rc=$?
  count_playwright "$out"
  return $rc
}

trap stop_postgres EXIT
t_all=$SECONDS
timed setup setup
for s in "${ALL_STAGES[@]}"; do
  if wants "$s"; then timed "$s" "stage_$s"; fi
done

log "all stages passed"
printf '%s\n' "${summary[@]}" "$(printf '%-10s %4ss' total $((SECONDS - t_all)))" >&2
echo "tests: $PASSED passed, $FAILED failed"
