#!/usr/bin/env bash
# Runs one command in the project's environment (Node 22, the repo's yarn, and with
# --postgres the test PostgreSQL and Backstage's TestDatabases variables). For single tests:
#   scripts/run.sh yarn backstage-cli repo test packages/backend/src/requiredEnvironment.test.ts
#   scripts/run.sh --postgres yarn backstage-cli repo test packages/backend/src/sampleCatalog.test.ts
#   scripts/run.sh yarn playwright test packages/app/e2e-tests   (starts or reuses yarn start)
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"
ensure_node 2>/dev/null || ensure_node
if [ "${1:-}" = "--postgres" ]; then shift; ensure_postgres; fi
[ $# -gt 0 ] || die "usage: scripts/run.sh [--postgres] <command> [args...]"
cd "$ROOT"
exec "$@"
