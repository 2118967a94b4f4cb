#!/usr/bin/env bash
# The stock Backstage app of our release, for the benchmarks that compare against it
# (bench/backend-startup.sh, bench/frontend-size.sh). Created once with @backstage/create-app,
# installed and built, and cached outside the repository:
#
#   $CACHE_DIR/bench/stock-app     the created app, installed, `yarn build:backend` done
#                                  (which builds packages/app/dist too)
#   $CACHE_DIR/bench/stock-image   its backend laid out like our image (scripts/test.sh's
#                                  image stage: skeleton, production-only install, bundle)
#
# Every step leaves a stamp file and is skipped when it is there; delete the folder to start over.
# Usage: bench/stock-app.sh            (prints the stock app's directory on stdout)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
ensure_node 2>/dev/null || ensure_node

# create-app 0.9.2 is the one of Backstage 1.55.0, our release (backstage.json).
CREATE_APP_VERSION="${STOCK_CREATE_APP_VERSION:-0.9.2}"
BENCH_CACHE="$CACHE_DIR/bench"
STOCK="$BENCH_CACHE/stock-app"
STOCK_IMAGE="$BENCH_CACHE/stock-image"
mkdir -p "$BENCH_CACHE"

if [ ! -f "$STOCK/.bench-created" ]; then
  log "creating the stock app with @backstage/create-app@$CREATE_APP_VERSION in $STOCK"
  rm -rf "$STOCK" "$STOCK.tmp"
  # Non-interactive: the name from BACKSTAGE_APP_NAME, no install (done below with our pins).
  # create-app needs a `yarn` on PATH: ensure_node put the repository's Yarn there.
  (cd "$BENCH_CACHE" && BACKSTAGE_APP_NAME=stock-app \
    npx --yes "@backstage/create-app@$CREATE_APP_VERSION" --path stock-app.tmp --skip-install) \
    >"$BENCH_CACHE/stock-create.log" 2>&1 || { tail -30 "$BENCH_CACHE/stock-create.log" >&2; die "create-app failed"; }
  # create-app seeds yarn.lock from GitHub, which these machines cannot reach. Seed it with our
  # own lockfile instead: the packages both apps use resolve to the same versions, so the
  # comparison is between the apps, not between release dates. Yarn drops what the stock app
  # does not use. The same pins as our package.json, for the registry mirror's gaps
  # (shared/notes/toolchain.md).
  cp "$ROOT/yarn.lock" "$STOCK.tmp/yarn.lock"
  node -e '
    const fs = require("fs");
    const file = process.argv[1];
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    const ours = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    pkg.resolutions = { ...pkg.resolutions, ...ours.resolutions };
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
  ' "$STOCK.tmp/package.json" "$ROOT/package.json"
  mv "$STOCK.tmp" "$STOCK"
  touch "$STOCK/.bench-created"
fi

if [ ! -f "$STOCK/.bench-installed" ]; then
  log "yarn install in the stock app (log: $BENCH_CACHE/stock-install.log)"
  (cd "$STOCK" && node .yarn/releases/yarn-*.cjs install) >"$BENCH_CACHE/stock-install.log" 2>&1 \
    || { tail -40 "$BENCH_CACHE/stock-install.log" >&2; die "yarn install of the stock app failed"; }
  touch "$STOCK/.bench-installed"
fi

if [ ! -f "$STOCK/.bench-built" ]; then
  log "yarn build:backend in the stock app (log: $BENCH_CACHE/stock-build.log)"
  (cd "$STOCK" && node .yarn/releases/yarn-*.cjs build:backend) >"$BENCH_CACHE/stock-build.log" 2>&1 \
    || { tail -40 "$BENCH_CACHE/stock-build.log" >&2; die "yarn build:backend of the stock app failed"; }
  touch "$STOCK/.bench-built"
fi

if [ ! -f "$STOCK_IMAGE/.bench-laid-out" ]; then
  # The steps of our image stage (the root Dockerfile's deps and
  # runtime stages without Docker).
  log "laying out the stock backend like the image in $STOCK_IMAGE (log: $BENCH_CACHE/stock-image-install.log)"
  dist="$STOCK/packages/backend/dist"
  mkdir -p "$STOCK_IMAGE"
  find "$STOCK_IMAGE" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
  mkdir -p "$STOCK_IMAGE/.yarn"
  cp -a "$STOCK/.yarn/releases" "$STOCK_IMAGE/.yarn/"
  cp "$STOCK"/{.yarnrc.yml,backstage.json,yarn.lock,package.json} "$STOCK_IMAGE/"
  tar xzf "$dist/skeleton.tar.gz" -C "$STOCK_IMAGE"
  (cd "$STOCK_IMAGE" && NODE_ENV=production node .yarn/releases/yarn-*.cjs workspaces focus --all --production) \
    >"$BENCH_CACHE/stock-image-install.log" 2>&1 \
    || { tail -40 "$BENCH_CACHE/stock-image-install.log" >&2; die "production install of the stock app failed"; }
  tar xzf "$dist/bundle.tar.gz" -C "$STOCK_IMAGE"
  cp "$STOCK"/app-config.yaml "$STOCK"/app-config.production.yaml "$STOCK_IMAGE/"
  cp -a "$STOCK/examples" "$STOCK_IMAGE/"
  touch "$STOCK_IMAGE/.bench-laid-out"
fi

echo "$STOCK"
