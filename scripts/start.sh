#!/usr/bin/env bash
# Quick start, command 1: sets up what the portal needs and starts it, with the local platform
# a golden path runs on, so Create works from a fresh clone:
#   scripts/start.sh                  the portal + GitLab test double + Kubernetes control plane
#                                     + Crossplane, Argo CD and kwok (the sandbox)
#   scripts/start.sh --catalog-only   the portal alone: catalog, docs and templates to browse;
#                                     Create fails at its first GitLab step (no GitLab configured)
# Frontend http://localhost:3000, backend http://localhost:7007, embedded SQLite (in memory),
# sign-in as any sample user, the sample catalog from catalog-info/. Nothing persists after
# Ctrl-C. The first run builds the platform's programs from the Go module proxy (about 20
# minutes on 2 cores; progress is printed); later starts take about a minute.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/platform.sh"

mode=platform
args=()
for a in "$@"; do
  case "$a" in
    --catalog-only) mode=catalog ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done

t0=$SECONDS
ensure_node
ensure_deps
ensure_techdocs
cd "$ROOT"
if [ "$mode" = catalog ]; then
  log "starting the portal (catalog only): http://localhost:3000 (backend :7007); Ctrl-C stops it"
  exec node "$YARN_RELEASE" start "${args[@]}"
fi
ensure_platform
log "platform tools ready after $((SECONDS - t0))s; starting the GitLab double, the control plane, the controllers and the portal"
exec node --require @backstage/cli/config/nodeTransform.cjs packages/test-platform/src/sandbox/main.ts "${args[@]}"
