# NETguide: the two commands of the README, plus helpers.
.PHONY: run run-production test test-core setup bench clean

run:      ## set up if needed, train if needed, start actions + Rasa + chat page
	@scripts/run.sh

run-production:  ## production profile: PostgreSQL + Redis, 2 Rasa replicas, 2 action servers, nginx
	@scripts/run_production.sh

test:     ## set up if needed, then run every test suite (this is what CI runs)
	@scripts/test.sh

test-core:  ## only the fast tests (no servers, no root, about a minute): rules, understanding, knowledge base, extractor
	@scripts/setup.sh
	@.venv/actions/bin/python -m pytest tests/core -q
	@.venv/rasa/bin/python -m pytest tests/nlu -q

setup:    ## only the set-up: venvs, pinned dependencies, model
	@scripts/setup.sh

bench:    ## speed, memory and accuracy vs two `rasa init` reference bots; table + bench/results/latest.json
	@scripts/setup.sh >/dev/null
	@.venv/rasa/bin/python bench/run.py $(BENCH_ARGS)

clean:    ## remove venvs, models and runtime data
	rm -rf .venv models var results
