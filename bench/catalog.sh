#!/usr/bin/env bash
# The catalog at 5,000 entities on PostgreSQL against the same requests at 500 entities, in one
# run (bench/catalog.ts). Starts the test PostgreSQL of scripts/lib/postgres.sh if it is not
# running (and stops it again afterwards).
# Usage: bench/catalog.sh [--runs N] [--warmup N] [--sizes 500,5000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"
ensure_node 2>/dev/null || ensure_node
ensure_postgres
trap stop_postgres EXIT
cd "$ROOT"
node --require @backstage/cli/config/nodeTransform.cjs bench/catalog.ts "$@"
