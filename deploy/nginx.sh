#!/usr/bin/env bash
# nginx in front of the NETguide replicas: renders deploy/nginx.conf.template into a run directory.
#   deploy/nginx.sh render   write $NETGUIDE_NGINX_DIR/nginx.conf and test it (nginx -t)
#   deploy/nginx.sh run      render, then run nginx in the foreground (the caller backgrounds it)
# Settings (environment):
#   NETGUIDE_NGINX_DIR        run directory (default var/production/nginx): nginx.conf, logs, pid
#   NETGUIDE_PUBLIC_HOST/PORT where clinicians connect (default 127.0.0.1:8000; 0.0.0.0 for the network)
#   NETGUIDE_RASA_PORTS       Rasa replica ports on 127.0.0.1 (default "5005 5006")
#   NETGUIDE_ACTIONS_PORTS    action server ports on 127.0.0.1 (default "5055 5056")
#   NETGUIDE_ACTIONS_LB_PORT  internal port the replicas use to reach the action servers (default 5054)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

NGINX_DIR="${NETGUIDE_NGINX_DIR:-$ROOT/var/production/nginx}"
NGINX="$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || die "nginx not found. Install it: scripts/system_deps.sh (Debian: apt-get install nginx)"

server_lines() {  # ports...
  local port
  for port in "$@"; do printf '        server 127.0.0.1:%s max_fails=1 fail_timeout=5s;\n' "$port"; done
}

render() {
  local rasa_ports actions_ports conf
  read -r -a rasa_ports <<<"${NETGUIDE_RASA_PORTS:-5005 5006}"
  read -r -a actions_ports <<<"${NETGUIDE_ACTIONS_PORTS:-5055 5056}"
  mkdir -p "$NGINX_DIR"/tmp/{body,proxy,fastcgi,uwsgi,scgi}
  conf="$(cat "$ROOT/deploy/nginx.conf.template")"
  # Started as root, nginx runs its workers as "nobody", who cannot read a checkout in a private directory
  # (a clone under `mktemp -d` is 0700): the workers run as the owner of the web root instead. Started as
  # another user, nginx keeps that user and the line is left out.
  local worker_user_line=""
  [ "$(id -u)" = 0 ] && worker_user_line="user $(stat -c %U "$ROOT/web");"
  conf="${conf//@WORKER_USER_LINE@/$worker_user_line}"
  conf="${conf//@PREFIX@/$NGINX_DIR}"
  conf="${conf//@MIME_TYPES@//etc/nginx/mime.types}"
  conf="${conf//@WEB_ROOT@/$ROOT/web}"
  conf="${conf//@PUBLIC_HOST@/${NETGUIDE_PUBLIC_HOST:-127.0.0.1}}"
  conf="${conf//@PUBLIC_PORT@/${NETGUIDE_PUBLIC_PORT:-8000}}"
  conf="${conf//@ACTIONS_LB_PORT@/${NETGUIDE_ACTIONS_LB_PORT:-5054}}"
  conf="${conf//@RASA_SERVERS@/$(server_lines "${rasa_ports[@]}")}"
  conf="${conf//@ACTION_SERVERS@/$(server_lines "${actions_ports[@]}")}"
  printf '%s\n' "$conf" > "$NGINX_DIR/nginx.conf"
  [ -f /etc/nginx/mime.types ] || sed -i 's|^    include /etc/nginx/mime.types;|    types { text/html html; application/javascript js; text/css css; }|' "$NGINX_DIR/nginx.conf"
  "$NGINX" -t -q -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -g 'daemon off;' 2>"$NGINX_DIR/check.log" \
    || die "nginx rejected $NGINX_DIR/nginx.conf: $(cat "$NGINX_DIR/check.log")"
}

case "${1:-}" in
  render) render; info "nginx configuration: $NGINX_DIR/nginx.conf" ;;
  run) render; exec "$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -g 'daemon off;' ;;
  *) die "usage: deploy/nginx.sh render|run" ;;
esac
