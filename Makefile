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

## run: decode the example frames shipped in examples/ (the main job until the gateway lands)
run: $(STAMP)
	$(BIN)/openpcs frame decode - --text --key "$$(cat examples/demo-key.txt)" < examples/frames.txt

## lint: ruff (lint + format check) and mypy --strict on src/
lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy --strict src

## test: lint, type-check and run the test suite
test: lint
	$(BIN)/python -m pytest

## bench: codec throughput on one core (figures go in the closing notes, never in tests)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	$(BIN)/python benchmarks/bench_frames.py
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_ncd.py
	$(BIN)/python benchmarks/bench_program.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build src/*.egg-info
