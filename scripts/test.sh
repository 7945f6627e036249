#!/usr/bin/env bash
# `make test`: set up (if needed), then run every test suite against the real parts.
# CI runs exactly this through .ci/run on a fresh clone.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/system_deps.sh"
export NETGUIDE_MODEL="$(current_model)"
started=$(date +%s)
failures=()
run_suite() {  # name command...
  local name="$1"; shift
  step "$name"
  if "$@"; then info "passed: $name"; else failures+=("$name"); info "FAILED: $name"; fi
}

run_suite "Core unit and property tests (grading, staging, workup, knowledge, answers, CLI)" \
  "$VENV_ACTIONS/bin/python" -m pytest tests/core -q -p no:cacheprovider
run_suite "Clinical entity extractor tests (spaCy + medspaCy, Rasa component)" \
  "$VENV_RASA/bin/python" -m pytest tests/nlu -q -p no:cacheprovider
run_suite "Rasa runtime parts (NETguide's SQL tracker store on a real SQLite database)" \
  "$VENV_RASA/bin/python" -m pytest tests/runtime -q -p no:cacheprovider
run_suite "NLU evaluation of the trained model on the held-out sets (intent macro-F1, exact entity values)" \
  env PYTHONWARNINGS=ignore "$VENV_RASA/bin/python" tests/nlu/evaluate.py --model "$NETGUIDE_MODEL"
run_suite "Knowledge base check" "$VENV_ACTIONS/bin/python" -m bot kb check
run_suite "Rasa training data validation" \
  "$VENV_RASA/bin/rasa" data validate --config config.yml --domain domain.yml --data data --fail-on-warnings
if ls tests/test_*.yml >/dev/null 2>&1; then
  run_suite "Rasa test stories" "$VENV_RASA/bin/rasa" test core --model "$NETGUIDE_MODEL" \
    --stories tests/ --fail-on-prediction-errors --out var/results
fi
run_suite "End-to-end tests (YAML conversations, REST, channels, faults) against the real Rasa server and action server" \
  "$VENV_ACTIONS/bin/python" -m pytest tests/e2e -q -p no:cacheprovider

run_suite "Benchmark harness smoke test (tiny load against the real servers; the full run is make bench)" \
  "$VENV_RASA/bin/python" -m pytest tests/bench -q -p no:cacheprovider

step "Summary ($(( $(date +%s) - started )) s of tests)"
if [ "${#failures[@]}" -gt 0 ]; then
  printf '  FAILED: %s\n' "${failures[@]}"; exit 1
fi
info "all suites passed"
