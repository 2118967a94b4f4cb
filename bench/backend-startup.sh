#!/usr/bin/env bash
# Backend start-up time and memory, ours (the image layout in ~/.cache/idp-portal/image, from
# `CI=true scripts/test.sh build image`) against the stock create-app backend of the same release
# (bench/stock-app.sh creates, builds and lays it out once, cached), in one run
# (bench/backend-startup.ts). Usage: bench/backend-startup.sh [--runs N] [--settle S]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
ensure_node 2>/dev/null || ensure_node
[ -f "$CACHE_DIR/image/packages/backend/dist/index.cjs.js" ] \
  || die "no image layout in $CACHE_DIR/image: run \`CI=true scripts/test.sh build image\` first"
"$ROOT/bench/stock-app.sh" >/dev/null
cd "$ROOT"
exec node --require @backstage/cli/config/nodeTransform.cjs bench/backend-startup.ts "$@"
