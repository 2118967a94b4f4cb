#!/usr/bin/env bash
# The deployment view's data load for one service with 200 pods on three real kube-apiservers,
# against Backstage's own Kubernetes tab on the same data, in one run (bench/deployment-view.ts).
# Usage: bench/deployment-view.sh [--runs N] [--warmup N] [--pods N]
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/run.sh node --require @backstage/cli/config/nodeTransform.cjs bench/deployment-view.ts "$@"
