#!/usr/bin/env bash
# GitLab API calls and wall time of one golden path's GitLab part, built-in actions vs ours,
# on the GitLab test double. Usage: bench/gitlab-api-calls.sh [--runs N] [--warmup N]
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/run.sh node --require @backstage/cli/config/nodeTransform.cjs bench/gitlab-api-calls.ts "$@"
