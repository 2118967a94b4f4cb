#!/usr/bin/env bash
# The Python golden path through the portal, N times, on the test platform (a real
# kube-apiserver, the status simulator, the GitLab double): wall time, the portal's overhead over
# the simulated Crossplane delay, and GitLab requests per path (bench/golden-path.ts).
# Usage: bench/golden-path.sh [--runs N] [--warmup N] [--delay MS]
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/run.sh node --require @backstage/cli/config/nodeTransform.cjs bench/golden-path.ts "$@"
