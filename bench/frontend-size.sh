#!/usr/bin/env bash
# The JavaScript (gzip) a browser downloads to show the catalog page and an entity page, ours
# (the built frontend in the image layout, ~/.cache/idp-portal/image, from
# `CI=true scripts/test.sh build image`) against the stock create-app frontend of the same
# release (bench/stock-app.sh, cached), each served by its own built backend, measured in
# Debian's Chromium (bench/frontend-size.ts). Usage: bench/frontend-size.sh [--ours DIR] [--stock DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
ensure_node 2>/dev/null || ensure_node
[ -x /usr/bin/chromium ] || apt_install chromium
"$ROOT/bench/stock-app.sh" >/dev/null
cd "$ROOT"
exec node --require @backstage/cli/config/nodeTransform.cjs bench/frontend-size.ts "$@"
