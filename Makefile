# Crisis Drill — `make run` starts the demo, `make test` runs every check. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP_QUIET := --quiet --disable-pip-version-check
INSTALLED := $(VENV)/.installed
VENDOR := static/vendor/socket.io.min.js
LOCALES := simulator/translations
CATALOGS := $(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint format setup bench demo clean translations

## run: set up, create the demo (facilitator + CEO-scandal exercise, 3 teams), serve on 127.0.0.1:5000
run: setup
	$(BIN)/crisisdrill demo
	$(BIN)/crisisdrill run

## test: set up, lint (ruff, import contracts) and run the whole test suite
test: setup lint
	$(BIN)/pytest

## setup: virtualenv, Python packages, front-end vendor files, compiled translations, database schema
setup: $(INSTALLED) $(VENDOR) $(COMPILED)
	$(BIN)/crisisdrill db upgrade

$(INSTALLED): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	$(BIN)/python -m pip install $(PIP_QUIET) -e '.[dev,scale]'
	touch $@

# Front-end libraries come from npm (lockfile) and are served from static/vendor: no CDN at run time.
$(VENDOR): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js node_modules/socket.io-client/dist/socket.io.min.js.map static/vendor/
	touch $@

# The .po catalogs are the source (in git); the .mo files read at run time are compiled from them.
$(LOCALES)/%/LC_MESSAGES/messages.mo: $(LOCALES)/%/LC_MESSAGES/messages.po $(INSTALLED)
	$(BIN)/pybabel compile --domain messages --directory $(LOCALES) --locale $*

## translations: extract the messages (babel.cfg), update every catalog, compile them
translations: $(INSTALLED)
	$(BIN)/pybabel extract --mapping-file babel.cfg --keyword P_:1c,2 --keyword N_ --no-location --sort-output \
		--project crisisdrill --copyright-holder "Crisis Drill" \
		--output-file $(LOCALES)/messages.pot .
	$(BIN)/pybabel update --input-file $(LOCALES)/messages.pot --output-dir $(LOCALES) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile --domain messages --directory $(LOCALES) --statistics

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports setup.cfg

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: live and in-process benchmarks, ~6 min, needs PostgreSQL and Redis (docs/benchmarks.md;
## BENCH_ARGS="--quick" or "fanout ingest" for a smaller run, written to bench/results/ instead)
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

demo: setup
	$(BIN)/crisisdrill demo

clean:
	rm -rf $(VENV) node_modules static/vendor build dist *.egg-info .pytest_cache .ruff_cache
