# Start/stop helpers for the action server, the Rasa server and the web page. Source after lib.sh.
# Both servers start through NETguide's launchers, which check their inputs first and stop with one clear
# line (see var/log/*.log): actions/server.py (knowledge base, audit folder) and bot/channels/rasa_server.py
# (model, endpoints, tracker store, API token, CORS; runtime guards).

RASA_HOST="${NETGUIDE_HOST:-127.0.0.1}"   # localhost only unless the user chooses otherwise
RASA_PORT="${NETGUIDE_RASA_PORT:-5005}"
ACTIONS_PORT="${NETGUIDE_ACTIONS_PORT:-5055}"
WEB_PORT="${NETGUIDE_WEB_PORT:-8080}"
WEB_HOST="${NETGUIDE_HOST:-127.0.0.1}"
# the chat page's address is the only origin allowed to call the Rasa server from a browser
CORS_ORIGIN="${NETGUIDE_CORS_ORIGIN:-http://127.0.0.1:$WEB_PORT http://localhost:$WEB_PORT}"
STARTED_PIDS=()

start_actions() {
  mkdir -p "$VAR_DIR/log" "$VAR_DIR/audit"
  NETGUIDE_AUDIT_DIR="${NETGUIDE_AUDIT_DIR:-$VAR_DIR/audit}" \
  "$VENV_ACTIONS/bin/python" -m actions.server --host "${NETGUIDE_ACTIONS_HOST:-127.0.0.1}" --port "$ACTIONS_PORT" \
      >>"$VAR_DIR/log/actions.log" 2>&1 &
  STARTED_PIDS+=($!)
}

start_rasa() {  # model
  mkdir -p "$VAR_DIR/log"
  NETGUIDE_ACTIONS_PORT="$ACTIONS_PORT" NETGUIDE_CORS_ORIGIN="$CORS_ORIGIN" \
  "$VENV_RASA/bin/python" -m bot.channels.rasa_server run --model "$1" \
      --endpoints endpoints.yml --credentials credentials.yml --interface "$RASA_HOST" --port "$RASA_PORT" \
      >>"$VAR_DIR/log/rasa.log" 2>&1 &
  STARTED_PIDS+=($!)
}

start_web() {
  "$VENV_ACTIONS/bin/python" -m http.server "$WEB_PORT" --bind "$WEB_HOST" --directory web \
      >>"$VAR_DIR/log/web.log" 2>&1 &
  STARTED_PIDS+=($!)
}

wait_for_server() {  # url timeout_seconds name pid: like wait_for_url, but gives up as soon as the process exits
  local url="$1" timeout="$2" name="$3" pid="$4" waited=0
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 1; waited=$((waited + 1))
    if [ "$waited" -ge "$timeout" ]; then return 1; fi
    if [ $((waited % 10)) -eq 0 ]; then info "still waiting for $name ($waited s)"; fi
  done
}

# The last lines of a log, shown when a server did not start (the launchers print one clear line).
log_tail() { tail -n "${2:-5}" "$1" 2>/dev/null | sed 's/^/    /' >&2 || true; }

stop_started() {
  local pid
  for pid in "${STARTED_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  STARTED_PIDS=()
}
