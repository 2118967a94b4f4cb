#!/usr/bin/env bash
# One golden path on the real controllers (Crossplane, Argo CD, kwok) against the same path on
# the status simulator, in one run: time to the finished task, and on the real controllers time
# until the service runs (bench/golden-path-controllers.ts).
# Usage: bench/golden-path-controllers.sh [--runs N] [--warmup N]
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/run.sh node --require @backstage/cli/config/nodeTransform.cjs bench/golden-path-controllers.ts "$@"
