# openpcs — the two commands a newcomer types are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOURCES := src tests benchmarks

.PHONY: run test deps lint bench clean

# Debian packages the tests use: the AVR toolchain (builds), simavr (the node twin), avrdude and
# the Arduino AVR core's serial bootloader (uploads), Chromium (the web app's browser flows),
# g++ (generated LoRaWAN code run on the host) and git (an API tree's release from its history).
DEB_PACKAGES := gcc-avr avr-libc binutils-avr simavr libsimavr-dev avrdude arduino-core-avr chromium g++ git

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## run: start the gateway with its built-in settings: HTTP on 127.0.0.1:8080, TCP on :9100,
##      SQLite in ./openpcs-data (the first admin token is written to openpcs-data/admin-token)
run: $(STAMP)
	$(BIN)/openpcs serve

## deps: install the Debian packages the tests need (as root), or print the line that does
deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "deps: not a Debian system; the tests need: $(DEB_PACKAGES) (or your system's equivalents)"; \
		exit 0; \
	fi; \
	missing=""; \
	for package in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'install ok installed' \
			|| missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "deps: installing$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -q \
			&& DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
		echo "deps: the tests need Debian packages that are not installed; run:"; \
		echo "  sudo apt-get install -y --no-install-recommends$$missing"; \
		exit 1; \
	fi

## lint: ruff (lint + format check) and mypy --strict on src/
lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy --strict src

## test: install what the tests need (deps), lint, type-check and run the test suite
test: deps lint
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
