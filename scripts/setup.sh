#!/usr/bin/env bash
# Set up everything NETguide needs on a fresh machine: Python 3.10 venvs with pinned dependencies,
# and a trained model. Each step is skipped when its inputs did not change, so a second run takes seconds.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

step "Looking for Python 3.10 (Rasa 3.6 does not run on 3.11+)"
PY310="$(find_python310)" || die "No Python 3.10 found. Looked for 'python3.10' on PATH and in pyenv ($(command -v pyenv >/dev/null && pyenv root || echo "~/.pyenv")/versions/3.10.*).
Install one, e.g. 'pyenv install 3.10.13', or set NETGUIDE_PYTHON=/path/to/python3.10."
info "using $PY310 ($("$PY310" --version 2>&1))"

install_venv() {  # venv_dir requirements lock label
  local venv="$1" req="$2" lock="$3" label="$4"
  local stamp="$venv/.netguide-installed" want
  want="$(hash_files "$req" "$lock")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
    info "$label environment is up to date ($venv)"; return 0
  fi
  [ -x "$venv/bin/python" ] || "$PY310" -m venv "$venv" || die "could not create the virtual environment $venv"
  info "installing $label dependencies from $req (pinned by $lock); the first time this downloads a lot (Rasa: ~2.7 GB)"
  local constraint=()
  [ -f "$lock" ] && constraint=(-c "$lock")
  "$venv/bin/python" -m pip install --progress-bar off -r "$req" "${constraint[@]}" 2>&1 | pip_progress \
    | grep --line-buffered -E "^(Collecting|Successfully|ERROR|error)" | sed -u 's/^/    /' || true
  "$venv/bin/python" -m pip check >/dev/null 2>&1 || { "$venv/bin/python" -m pip check; die "pip check failed in $venv"; }
  "$venv/bin/python" -c "import sys" || die "$venv is broken"
  echo "$want" > "$stamp"
}

step "Action server environment (.venv/actions: rasa-sdk, pydantic 2, the core)"
install_venv "$VENV_ACTIONS" requirements/actions.txt requirements/actions.lock "action server"
"$VENV_ACTIONS/bin/python" -c "import rasa_sdk, pydantic, yaml" || die "the action environment is incomplete; delete .venv/actions and run again"

step "Rasa server environment (.venv/rasa: rasa 3.6.21, spaCy 3.4, medspaCy)"
install_venv "$VENV_RASA" requirements/rasa.txt requirements/rasa.lock "Rasa server"
"$VENV_RASA/bin/python" -c "import rasa, spacy" || die "the Rasa environment is incomplete; delete .venv/rasa and run again"

step "Chat widget (rasa-webchat 1.0.1 from npm, served from web/vendor; no CDN)"
WIDGET="$ROOT/web/vendor/rasa-webchat.js"
if [ -s "$WIDGET" ]; then
  info "widget is present: web/vendor/rasa-webchat.js"
elif command -v npm >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent rasa-webchat@1.0.1 >/dev/null) || die "npm could not download rasa-webchat@1.0.1; check access to the npm registry"
  tar -xzf "$tmp"/rasa-webchat-1.0.1.tgz -C "$tmp" package/lib/index.js
  mkdir -p "$ROOT/web/vendor"
  # drop the widget's one outside request (a Google Fonts import) so the page works offline
  sed -E 's#@import url\(https://fonts\.googleapis\.com/[^)]*\);?##g' "$tmp/package/lib/index.js" > "$WIDGET"
  rm -rf "$tmp"
  info "installed web/vendor/rasa-webchat.js"
else
  info "npm not found: the chat page will not work until Node.js/npm is installed (REST and Slack still work)"
fi

step "Accessibility checker for the widget test (axe-core 4.14.1 from npm, in tests/vendor)"
AXE="$ROOT/tests/vendor/axe.min.js"
if [ -s "$AXE" ]; then
  info "axe-core is present: tests/vendor/axe.min.js"
elif command -v npm >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent axe-core@4.14.1 >/dev/null) || die "npm could not download axe-core@4.14.1; check access to the npm registry"
  tar -xzf "$tmp"/axe-core-4.14.1.tgz -C "$tmp" package/axe.min.js
  mkdir -p "$ROOT/tests/vendor"
  cp "$tmp/package/axe.min.js" "$AXE"
  rm -rf "$tmp"
  info "installed tests/vendor/axe.min.js"
else
  info "npm not found: the chat page's accessibility test will fail until Node.js/npm is installed"
fi

step "Checking the knowledge base"
"$VENV_ACTIONS/bin/python" -m bot kb check || die "the knowledge base in knowledge/ is invalid (see above); fix the named file and statement"

step "Training the model (only when config, domain, training data or the entity extractor changed)"
MODEL="$(current_model)"
if [ -f "$MODEL" ]; then
  info "model is up to date: ${MODEL#$ROOT/}"
else
  mkdir -p "$MODELS_DIR"
  start=$(date +%s)
  mkdir -p "$VAR_DIR/log"
  # the full output goes to var/log/train.log; the console shows one line per component
  PYTHONWARNINGS=ignore "$VENV_RASA/bin/rasa" train --config config.yml --domain domain.yml --data data \
      --out "$MODELS_DIR" --fixed-model-name "$(basename "$MODEL" .tar.gz)" > "$VAR_DIR/log/train.log" 2>&1 &
  train_pid=$!
  while kill -0 "$train_pid" 2>/dev/null; do  # a heartbeat: training takes about half a minute
    sleep 5; info "training... $(( $(date +%s) - start )) s ($(grep -o "Starting to train component '[A-Za-z]*'" "$VAR_DIR/log/train.log" | tail -n 1 | cut -d"'" -f2))"
  done
  wait "$train_pid" || true
  [ -f "$MODEL" ] || { tail -n 40 "$VAR_DIR/log/train.log" >&2; die "training did not produce $MODEL; the full log is var/log/train.log"; }
  info "trained in $(( $(date +%s) - start )) s: ${MODEL#$ROOT/}"
  # keep the five newest models (older ones are never used again)
  ls -t "$MODELS_DIR"/netguide-*.tar.gz 2>/dev/null | tail -n +6 | xargs -r rm -f
fi
step "Set-up complete"
