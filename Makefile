# openpcs — the two commands a newcomer types are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOURCES := src tests benchmarks

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## run: start the gateway with its built-in settings: HTTP on 127.0.0.1:8080, TCP on :9100,
##      SQLite in ./openpcs-data (the first admin token is written to openpcs-data/admin-token)
run: $(STAMP)
	$(BIN)/openpcs serve

## lint: ruff (lint + format check) and mypy --strict on src/
lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy --strict src

## test: lint, type-check and run the test suite
test: lint
	$(BIN)/python -m pytest

## bench: codec, checker, mesh, program and gateway throughput (figures go in the closing
##        notes, never in tests)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	$(BIN)/python benchmarks/bench_frames.py
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_ncd.py
	$(BIN)/python benchmarks/bench_program.py
	$(BIN)/python benchmarks/bench_gateway.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build src/*.egg-info
