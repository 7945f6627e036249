#!/usr/bin/env bash
# A PostgreSQL cluster for NETguide's tracker store, owned by a normal user, in its own directory.
#   deploy/postgres.sh start | stop | status
# Settings (environment):
#   NETGUIDE_PG_DIR        cluster directory (default var/production/postgres): data/, postgres.log, socket/
#   NETGUIDE_DB_PORT       port (default 5433, so it never collides with a system cluster on 5432)
#   NETGUIDE_DB_LISTEN     listen address (default 127.0.0.1)
#   NETGUIDE_DB_NAME / NETGUIDE_DB_USER   database and role (default netguide / netguide)
#   NETGUIDE_DB_PASSWORD   the role's password (required for the first start; stored hashed by PostgreSQL)
# Password authentication (scram-sha-256) on TCP only; the Unix socket lives in the cluster directory.
# PostgreSQL refuses to run as root: under root the cluster belongs to the `postgres` system user. That user
# cannot reach a checkout inside a private directory (a clone under `mktemp -d` or in a mode-700 home is 0700):
# then the cluster lives in $NETGUIDE_PG_SYSTEM_ROOT/postgres-<hash of the path> (default /var/lib/netguide)
# and the cluster directory is a symbolic link to it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

PG_DIR="${NETGUIDE_PG_DIR:-$ROOT/var/production/postgres}"
PG_PORT="${NETGUIDE_DB_PORT:-5433}"
PG_LISTEN="${NETGUIDE_DB_LISTEN:-127.0.0.1}"
DB_NAME="${NETGUIDE_DB_NAME:-netguide}"
DB_USER="${NETGUIDE_DB_USER:-netguide}"

postgres_can_reach() {  # dir: can the postgres system user traverse every directory down to dir?
  (cd / && runuser -u postgres -- test -x "$1") 2>/dev/null
}

# Under root: the directory the postgres user works in (PG_DIR itself, or the place PG_DIR links to).
if [ "$(id -u)" -eq 0 ]; then
  mkdir -p "$(dirname "$PG_DIR")"
  if [ -L "$PG_DIR" ]; then
    PG_DIR="$(readlink -f "$PG_DIR")"
  elif ! postgres_can_reach "$(dirname "$PG_DIR")"; then
    [ ! -e "$PG_DIR/data/PG_VERSION" ] || die "the postgres system user cannot reach the cluster in $PG_DIR (a directory above it is private); make its parents readable (chmod o+x) or move the checkout"
    system_dir="${NETGUIDE_PG_SYSTEM_ROOT:-/var/lib/netguide}/postgres-$(printf '%s' "$PG_DIR" | sha256sum | cut -c1-12)"
    mkdir -p "$system_dir"; chmod 755 "$(dirname "$system_dir")"
    if [ -d "$PG_DIR" ]; then  # left by an earlier start that failed here: no cluster in it
      rm -rf "$PG_DIR/socket" "$PG_DIR/data" "$PG_DIR/initdb.log" "$PG_DIR/.pwfile"
      rmdir "$PG_DIR" 2>/dev/null || die "$PG_DIR is in the way: the postgres user cannot reach it, and it is not empty"
    fi
    ln -s "$system_dir" "$PG_DIR"
    info "PostgreSQL cluster in $system_dir: the postgres user cannot reach $PG_DIR (a private directory above it); $PG_DIR links there"
    PG_DIR="$system_dir"
  fi
  postgres_can_reach "$(dirname "$PG_DIR")" || die "the postgres system user cannot reach $(dirname "$PG_DIR"); make it readable (chmod o+x) or set NETGUIDE_PG_DIR elsewhere"
fi
DATA="$PG_DIR/data"

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$dir" ] && command -v pg_config >/dev/null 2>&1; then dir="$(pg_config --bindir)"; fi
  [ -x "$dir/initdb" ] || die "PostgreSQL server programs (initdb, pg_ctl) not found. Install them: scripts/system_deps.sh (Debian: apt-get install postgresql)"
  echo "$dir"
}
BIN="$(pg_bin)"

as_owner() {  # run a PostgreSQL program as the cluster owner
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

init_cluster() {
  [ -n "${NETGUIDE_DB_PASSWORD:-}" ] || die "NETGUIDE_DB_PASSWORD is not set; it is needed to create the cluster in $PG_DIR"
  mkdir -p "$PG_DIR/socket"
  local pwfile="$PG_DIR/.pwfile"
  (umask 077; printf '%s\n' "$NETGUIDE_DB_PASSWORD" > "$pwfile")
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$PG_DIR"; chmod 755 "$PG_DIR"; fi
  as_owner "$BIN/initdb" -D "$DATA" -U "$DB_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
      --auth-host=scram-sha-256 --auth-local=scram-sha-256 --no-instructions >"$PG_DIR/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; die "initdb failed; see $PG_DIR/initdb.log"; }
  rm -f "$pwfile"
}

is_running() { [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  [ -f "$DATA/PG_VERSION" ] || init_cluster
  if is_running; then info "PostgreSQL already running ($DATA)"; return 0; fi
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -c listen_addresses=$PG_LISTEN -k $PG_DIR/socket" start >/dev/null \
    || die "PostgreSQL did not start on $PG_LISTEN:$PG_PORT; see $PG_DIR/postgres.log"
  # the database itself (the cluster only has `postgres` at first); -w: never prompt for a password
  [ -n "${NETGUIDE_DB_PASSWORD:-}" ] || die "NETGUIDE_DB_PASSWORD is not set (PostgreSQL is running; the database check needs it)"
  if ! PGPASSWORD="${NETGUIDE_DB_PASSWORD:-}" "$BIN/psql" -h "$PG_LISTEN" -p "$PG_PORT" -U "$DB_USER" -d postgres -w -tAq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    PGPASSWORD="${NETGUIDE_DB_PASSWORD:-}" "$BIN/createdb" -w -h "$PG_LISTEN" -p "$PG_PORT" -U "$DB_USER" "$DB_NAME" \
      || die "could not create database $DB_NAME (wrong NETGUIDE_DB_PASSWORD for $PG_DIR?)"
  fi
  info "PostgreSQL on $PG_LISTEN:$PG_PORT, database $DB_NAME, data in $DATA"
}

stop() {
  if is_running; then as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null; info "PostgreSQL stopped"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "running"; else echo "stopped"; exit 3; fi ;;
  *) die "usage: deploy/postgres.sh start|stop|status" ;;
esac
