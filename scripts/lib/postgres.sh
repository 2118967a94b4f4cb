# A private PostgreSQL server for the tests: Debian's packaged server binaries, our own data
# directory, loopback only, a port of our own, so it never touches a system cluster.
# Sourced after common.sh. Exports IDP_PG_URL and Backstage's TestDatabases variable.

PG_PORT="${IDP_PG_PORT:-54329}"
PG_USER=idp
PG_PASSWORD=idp-test-only

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# Runs a command as the server's owner: PostgreSQL refuses to run as root.
pg_as_owner() {
  # (from /, which the postgres user can enter, unlike a checkout under root's home)
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

ensure_postgres() {
  local bin
  bin="$(pg_bindir)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    apt_install postgresql
    bin="$(pg_bindir)"
  fi
  [ -x "$bin/initdb" ] || die "PostgreSQL server binaries not found after install"
  PG_MAJOR="$(basename "$(dirname "$bin")")"
  if [ "$(id -u)" = 0 ]; then
    # root's home is not readable by the postgres user, so the data lives in /var/tmp.
    PG_DIR="/var/tmp/idp-portal-pg$PG_MAJOR"
    mkdir -p "$PG_DIR" && chown postgres:postgres "$PG_DIR"
  else
    PG_DIR="$CACHE_DIR/pg$PG_MAJOR"
    mkdir -p "$PG_DIR"
  fi
  local data="$PG_DIR/data"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL $PG_MAJOR in $data"
    local pw="$PG_DIR/pwfile"
    printf '%s\n' "$PG_PASSWORD" > "$pw"
    [ "$(id -u)" = 0 ] && chown postgres "$pw"
    pg_as_owner "$bin/initdb" -D "$data" -U "$PG_USER" --pwfile="$pw" \
      --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if pg_as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "PostgreSQL $PG_MAJOR already running on 127.0.0.1:$PG_PORT"
  else
    log "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$PG_PORT"
    pg_as_owner "$bin/pg_ctl" -D "$data" -l "$PG_DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=300 -c fsync=off" start >/dev/null \
      || { tail -20 "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
    PG_STARTED_HERE=1
  fi
  export IDP_PG_URL="postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT"
  # Backstage's TestDatabases would start PostgreSQL in Docker when CI is set; there is no
  # Docker engine here, so point it at this server instead.
  export BACKSTAGE_TEST_DISABLE_DOCKER=1
  export "BACKSTAGE_TEST_DATABASE_POSTGRES${PG_MAJOR}_CONNECTION_STRING=$IDP_PG_URL"
  export IDP_PG_MAJOR="$PG_MAJOR"
}

stop_postgres() {
  if [ -n "${PG_STARTED_HERE:-}" ]; then
    pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}
