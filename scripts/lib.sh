# Shared shell helpers for the NETguide set-up, run and test scripts. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_RASA="$ROOT/.venv/rasa"
VENV_ACTIONS="$ROOT/.venv/actions"
MODELS_DIR="$ROOT/models"
VAR_DIR="$ROOT/var"            # runtime data: SQLite tracker store, logs, pids
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

step_no=0
step() { step_no=$((step_no + 1)); printf '\n\033[1m[netguide %s] %s\033[0m\n' "$step_no" "$*"; }
info() { printf '  %s\n' "$*"; }
die() { printf '\n\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# Rasa 3.6 runs on Python 3.8-3.10 only. Look on PATH first, then in pyenv.
find_python310() {
  local candidate
  for candidate in "${NETGUIDE_PYTHON:-}" "$(command -v python3.10 2>/dev/null || true)"; do
    if [ -n "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  local pyenv_root=""
  if command -v pyenv >/dev/null 2>&1; then pyenv_root="$(pyenv root)"; fi
  pyenv_root="${pyenv_root:-${PYENV_ROOT:-$HOME/.pyenv}}"
  for candidate in $(ls -d "$pyenv_root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

# Hash of files (sorted), used to skip work when nothing changed.
hash_files() {
  (cd "$ROOT" && for f in "$@"; do
     if [ -d "$f" ]; then find "$f" -type f -not -name '*.pyc' -not -path '*/__pycache__/*' | sort; elif [ -e "$f" ]; then echo "$f"; fi
   done | xargs -r sha256sum | sha256sum | cut -c1-16)
}

# pip prints one warning per package for this machine's unused local indexes; keep the progress lines only.
pip_progress() { grep --line-buffered -v -E "is ignored: it is neither a file nor a directory|^\s*$" || true; }

wait_for_url() {  # url timeout_seconds name
  local url="$1" timeout="$2" name="$3" waited=0
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    sleep 1; waited=$((waited + 1))
    if [ "$waited" -ge "$timeout" ]; then return 1; fi
    if [ $((waited % 10)) -eq 0 ]; then info "still waiting for $name ($waited s)"; fi
  done
}

current_model() {  # the model trained from the current data/config, if present
  local h; h="$(training_hash)"
  echo "$MODELS_DIR/netguide-$h.tar.gz"
}

training_hash() { hash_files config.yml domain.yml data bot/nlu requirements/rasa.txt; }

# Rasa 3.6's dependencies print many deprecation warnings that say nothing to a user.
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export TF_CPP_MIN_LOG_LEVEL=2
