#!/usr/bin/env bash
# A Redis server for NETguide's lock store (RedisLockStore: one message per conversation at a time,
# across all Rasa replicas). Locks are short-lived, so nothing is written to disk.
#   deploy/redis.sh start | stop | status
# Settings (environment):
#   NETGUIDE_REDIS_DIR       directory for redis.conf, pid and log (default var/production/redis)
#   NETGUIDE_REDIS_PORT      port (default 6380, so it never collides with a system Redis on 6379)
#   NETGUIDE_REDIS_PASSWORD  required password (kept in the mode-600 redis.conf, not on the command line)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

REDIS_DIR="${NETGUIDE_REDIS_DIR:-$ROOT/var/production/redis}"
REDIS_PORT="${NETGUIDE_REDIS_PORT:-6380}"
CONF="$REDIS_DIR/redis.conf"
PIDFILE="$REDIS_DIR/redis.pid"

is_running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  command -v redis-server >/dev/null 2>&1 || die "redis-server not found. Install it: scripts/system_deps.sh (Debian: apt-get install redis-server)"
  [ -n "${NETGUIDE_REDIS_PASSWORD:-}" ] || die "NETGUIDE_REDIS_PASSWORD is not set"
  if is_running; then info "Redis already running (pid $(cat "$PIDFILE"))"; return 0; fi
  mkdir -p "$REDIS_DIR"
  (umask 077; cat > "$CONF" <<CONF
port $REDIS_PORT
bind 127.0.0.1
protected-mode yes
requirepass $NETGUIDE_REDIS_PASSWORD
dir $REDIS_DIR
pidfile $PIDFILE
logfile $REDIS_DIR/redis.log
daemonize yes
save ""
appendonly no
CONF
)
  redis-server "$CONF" || die "redis-server did not start; see $REDIS_DIR/redis.log"
  local waited=0
  until REDISCLI_AUTH="$NETGUIDE_REDIS_PASSWORD" redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do
    sleep 0.2; waited=$((waited + 1))
    [ "$waited" -lt 100 ] || die "Redis did not answer on port $REDIS_PORT; see $REDIS_DIR/redis.log"
  done
  info "Redis on 127.0.0.1:$REDIS_PORT (lock store)"
}

stop() {
  if is_running; then
    local pid; pid="$(cat "$PIDFILE")"
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    info "Redis stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "running"; else echo "stopped"; exit 3; fi ;;
  *) die "usage: deploy/redis.sh start|stop|status" ;;
esac
