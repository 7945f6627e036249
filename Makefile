# NETguide: the two commands of the README, plus helpers.
.PHONY: run test setup bench clean

run:      ## set up if needed, train if needed, start actions + Rasa + chat page
	@scripts/run.sh

test:     ## set up if needed, then run every test suite (this is what CI runs)
	@scripts/test.sh

setup:    ## only the set-up: venvs, pinned dependencies, model
	@scripts/setup.sh

clean:    ## remove venvs, models and runtime data
	rm -rf .venv models var results
