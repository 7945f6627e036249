# Start/stop helpers for the action server, the Rasa server and the web page. Source after lib.sh.

RASA_HOST="${NETGUIDE_HOST:-127.0.0.1}"   # localhost only unless the user chooses otherwise
RASA_PORT="${NETGUIDE_RASA_PORT:-5005}"
ACTIONS_PORT="${NETGUIDE_ACTIONS_PORT:-5055}"
WEB_PORT="${NETGUIDE_WEB_PORT:-8080}"
STARTED_PIDS=()

start_actions() {
  mkdir -p "$VAR_DIR/log"
  ACTION_SERVER_URL="http://127.0.0.1:$ACTIONS_PORT/webhook" \
  "$VENV_ACTIONS/bin/python" -m rasa_sdk --actions actions --port "$ACTIONS_PORT" \
      >"$VAR_DIR/log/actions.log" 2>&1 &
  STARTED_PIDS+=($!)
}

start_rasa() {  # model
  mkdir -p "$VAR_DIR/log"
  NETGUIDE_ACTIONS_PORT="$ACTIONS_PORT" \
  "$VENV_RASA/bin/rasa" run --model "$1" --endpoints endpoints.yml --credentials credentials.yml \
      --interface "$RASA_HOST" --port "$RASA_PORT" --cors "http://127.0.0.1:$WEB_PORT" \
      >"$VAR_DIR/log/rasa.log" 2>&1 &
  STARTED_PIDS+=($!)
}

start_web() {
  "$VENV_ACTIONS/bin/python" -m http.server "$WEB_PORT" --bind 127.0.0.1 --directory web \
      >"$VAR_DIR/log/web.log" 2>&1 &
  STARTED_PIDS+=($!)
}

stop_started() {
  local pid
  for pid in "${STARTED_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  STARTED_PIDS=()
}
