#!/usr/bin/env bash
# Quick start, command 2: sets up and runs every test the project has.
#   scripts/test.sh                 everything, in the order below
#   scripts/test.sh unit e2e        only those stages (setup always runs)
# Stages: typecheck lint unit build image e2e
# Bootstraps what the tests need: Node 22, dependencies, a real PostgreSQL (Debian package),
# Debian's Chromium. Safe to run again; caches live in ~/.cache/idp-portal.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"
source "$ROOT/scripts/lib/platform.sh"

ALL_STAGES=(typecheck lint unit build image e2e)
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=("${ALL_STAGES[@]}")
for s in "${STAGES[@]}"; do
  [[ " ${ALL_STAGES[*]} " == *" $s "* ]] || die "unknown stage '$s' (stages: ${ALL_STAGES[*]})"
done
wants() { [[ " ${STAGES[*]} " == *" $1 "* ]]; }

# The built portal laid out like the container image (the root Dockerfile).
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

setup() {
  ensure_node
  ensure_deps
  ensure_postgres
  ensure_chromium
  ensure_techdocs
  ensure_platform
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

# The "deps" and final stages of the root Dockerfile, without Docker: its own instructions, run
# by scripts/lib/dockerfile-run.py into $IMAGE_DIR, with the build stage's /build being this
# checkout (the build stage above ran yarn build:backend in it).
stage_image() {
  local dist="$ROOT/packages/backend/dist"
  [ -f "$dist/bundle.tar.gz" ] || die "no backend bundle: run the build stage first"
  mkdir -p "$IMAGE_DIR"
  # Reuse node_modules between runs (yarn makes it match the new skeleton); replace the rest.
  find "$IMAGE_DIR" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
  python3 "$ROOT/scripts/lib/dockerfile-run.py" --dockerfile "$ROOT/Dockerfile" --context "$ROOT" \
    --stage deps --stage final --root "/app=$IMAGE_DIR" --from "build:/build=$ROOT" \
    --env "npm_config_nodedir=$NODE_HOME" >"$CACHE_DIR/image.log" 2>&1 \
    || { tail -40 "$CACHE_DIR/image.log"; die "the Dockerfile's deps and final stages failed (log: $CACHE_DIR/image.log)"; }
  # What .dockerignore keeps out of the image must not be in it.
  [ ! -e "$IMAGE_DIR/catalog-info/org.yaml" ] || die "the image layout holds catalog-info/org.yaml"
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
