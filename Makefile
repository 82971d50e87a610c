# Crisis Drill — `make run` starts the demo, `make test` runs every check. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP_QUIET := --quiet --disable-pip-version-check
INSTALLED := $(VENV)/.installed
VENDOR := static/vendor/socket.io.min.js

.PHONY: run test lint format setup bench demo clean

## run: set up, create the demo (facilitator + CEO-scandal exercise, 3 teams), serve on 127.0.0.1:5000
run: setup
	$(BIN)/crisisdrill demo
	$(BIN)/crisisdrill run

## test: set up, lint (ruff, import contracts) and run the whole test suite
test: setup lint
	$(BIN)/pytest

## setup: virtualenv, Python packages, front-end vendor files, database schema
setup: $(INSTALLED) $(VENDOR)
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

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --config setup.cfg

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: performance benchmarks (results go to docs/benchmarks.md)
bench: setup
	$(BIN)/python -m bench

demo: setup
	$(BIN)/crisisdrill demo

clean:
	rm -rf $(VENV) node_modules static/vendor build dist *.egg-info .pytest_cache .ruff_cache
