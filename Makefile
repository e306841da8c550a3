# The two commands: `make run` (set up and start the platform) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in e-mails point at the address `make run` serves (unless BASE_URL is set).
BASE_URL ?= http://$(HOST):$(PORT)
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export FLASK_APP := surveys:create_app

.PHONY: run test install translations extract-messages lint format migrations-check bench bench-load bench-serving

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d surveys/translations 2>&1 | grep -v '^compiling' || true
	@test -f surveys/translations/fr/LC_MESSAGES/messages.mo

extract-messages: install
	$(BIN)/pybabel extract -F surveys/translations/babel.cfg -k N_ -k NP_:1,2 -k _l -o surveys/translations/messages.pot --no-location --sort-output --project=surveys surveys
	$(BIN)/pybabel update -i surveys/translations/messages.pot -d surveys/translations --no-fuzzy-matching --ignore-obsolete --no-wrap

run: install translations
	$(BIN)/surveys db upgrade
	BASE_URL=$(BASE_URL) $(BIN)/surveys demo --if-empty
	@BASE_URL=$(BASE_URL) $(BIN)/surveys scheduler & sched=$$!; \
	  BASE_URL=$(BASE_URL) $(BIN)/surveys run --host $(HOST) --port $(PORT) & web=$$!; \
	  trap 'kill $$sched $$web 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python -m surveys.ops.ready http://$(HOST):$(PORT) && { \
	    echo ""; \
	    echo "  The platform is at http://$(HOST):$(PORT)/  (Ctrl-C stops it and the scheduler)"; \
	    $(BIN)/surveys demo-logins || true; \
	    echo ""; }; \
	  wait $$web

# The suite on every core (pytest-xdist): each worker has its own SQLite files and PostgreSQL
# schema, and the scheduler's lock is named after the schema. TEST_WORKERS=0 runs it in one
# process (e.g. to step through a failure with --pdb).
TEST_WORKERS ?= auto

test: install translations
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check surveys tests bench wsgi.py gunicorn.conf.py setup.py migrations/env.py
	$(BIN)/ruff format --check surveys tests bench wsgi.py gunicorn.conf.py setup.py migrations/env.py

format: install
	$(BIN)/ruff check --fix surveys tests bench
	$(BIN)/ruff format surveys tests bench

bench: install translations
	$(BIN)/python -m bench

# The load test (not part of `make test`): gunicorn on PostgreSQL, 215 simulated people.
# e.g. make bench-load LOAD_ARGS="--restart-at 60 --database-url postgresql+psycopg://..."
bench-load: install translations
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.load $(LOAD_ARGS)

# The area page and the autosave against bare anchors in one gunicorn (issue 18); needs wrk.
# e.g. make bench-serving SERVING_ARGS="--worker-class gthread --database-url postgresql+psycopg://..."
bench-serving: install translations
	$(BIN)/python -m bench.serving $(SERVING_ARGS)
