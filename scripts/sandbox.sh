#!/usr/bin/env bash
# The sandbox is what scripts/start.sh starts by default (the portal on the local platform: the
# GitLab test double, a real Kubernetes control plane, Crossplane, Argo CD and kwok). Kept as a
# name for it; arguments go to packages/test-platform/src/sandbox/main.ts.
exec "$(dirname "${BASH_SOURCE[0]}")/start.sh" "$@"
