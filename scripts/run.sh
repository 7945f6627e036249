#!/usr/bin/env bash
# `make run`: set up (if needed), then start the action server, the Rasa server and the chat page.
# Ctrl-C stops every process this script started.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/scripts/servers.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
MODEL="$(current_model)"
mkdir -p "$VAR_DIR"
trap 'echo; echo "Stopping NETguide..."; stop_started; exit 0' INT TERM
trap 'stop_started' EXIT

step "Starting the action server on port $ACTIONS_PORT"
start_actions
wait_for_server "http://127.0.0.1:$ACTIONS_PORT/health" 60 "the action server" "${STARTED_PIDS[-1]}" \
  || { log_tail "$VAR_DIR/log/actions.log"; die "the action server did not start; see $VAR_DIR/log/actions.log"; }

step "Starting the Rasa server on $RASA_HOST:$RASA_PORT (model ${MODEL#$ROOT/})"
start_rasa "$MODEL"
wait_for_server "http://127.0.0.1:$RASA_PORT/webhooks/rest/" 180 "the Rasa server (loading the model)" "${STARTED_PIDS[-1]}" \
  || { log_tail "$VAR_DIR/log/rasa.log"; die "the Rasa server did not start; see $VAR_DIR/log/rasa.log"; }

step "Starting the chat page on port $WEB_PORT"
echo "window.NETGUIDE_CONFIG = { rasaUrl: \"http://127.0.0.1:$RASA_PORT\" };" > web/config.js
start_web

cat <<MSG

NETguide is running.
  Chat page:     http://127.0.0.1:$WEB_PORT/
  REST webhook:  curl -s -X POST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook \\
                   -H 'Content-Type: application/json' \\
                   -d '{"sender": "me", "message": "Ki-67 is 12% and 1 mitosis per 2 mm2, what grade?"}'
  Logs:          var/log/ (rasa.log, actions.log, web.log; no message text at the default level)
  Conversations: var/tracker.db (SQLite; kept across restarts)
  Audit trail:   var/audit/ (python -m bot audit CONVERSATION_ID)
  Listening on:  $RASA_HOST (set NETGUIDE_HOST to change); Rasa HTTP API $( [ "${NETGUIDE_ENABLE_API:-}" = 1 ] && echo "on (token required)" || echo "off" )
Press Ctrl-C to stop.
MSG
wait
