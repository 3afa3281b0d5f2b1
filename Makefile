# INFO Hub — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast install schema lint typecheck bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("INFO Hub needs Python 3.11 or newer (set PYTHON=python3.11)") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Serve the hub on http://127.0.0.1:8000 (GraphiQL at /graphql) over ./var/hub.sqlite3,
## creating it with the national demo dataset the first time.
run: $(STAMP)
	$(BIN)/hub db upgrade
	$(BIN)/hub demo load
	$(BIN)/hub serve

## The whole suite: SQLite always, PostgreSQL too when HUB_TEST_POSTGRES_URL is set.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## The suite without the national-scale demo load.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

schema: $(STAMP)
	$(BIN)/hub schema export

lint: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
