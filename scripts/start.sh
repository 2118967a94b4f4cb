#!/usr/bin/env bash
# Quick start, command 1: sets up what the portal needs and starts it locally.
#   frontend http://localhost:3000, backend http://localhost:7007,
#   embedded SQLite (in memory), guest sign-in, the sample catalog from catalog-info/.
# Safe to run again: it reuses the Node runtime and dependencies it already set up.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ensure_node
ensure_deps

log "starting the portal: http://localhost:3000 (backend http://localhost:7007); Ctrl-C stops it"
cd "$ROOT"
exec node "$YARN_RELEASE" start "$@"
