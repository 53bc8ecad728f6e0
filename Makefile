# openpcs — the two commands a newcomer types are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOURCES := src tests benchmarks

.PHONY: run test deps lint bench soak clean assets

# Debian packages the tests use: the AVR toolchain (builds), simavr (the node twin), avrdude and
# the Arduino AVR core's serial bootloader (uploads), Chromium (the web app's browser flows),
# g++ (generated LoRaWAN code run on the host) and git (an API tree's release from its history);
# python3-dev (with gcc) builds the optional compiled plan reader (setup.py), which the tests
# compare with the pure-Python one; npm (Debian's nodejs and npm when no npm is on PATH)
# installs the web's charting library.
DEB_PACKAGES := gcc-avr avr-libc binutils-avr simavr libsimavr-dev avrdude arduino-core-avr chromium g++ git python3-dev

# pip builds the compiled plan reader in place where it can, and goes on without it where not
$(STAMP): pyproject.toml setup.py src/openpcs/frames/_plan_reader.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@$(BIN)/python -c 'import openpcs.frames._plan_reader' 2>/dev/null \
		|| echo "note: the compiled plan reader was not built (it needs gcc and the Python headers: python3-dev on Debian); the pure-Python reader is used"
	touch $(STAMP)

# The browser libraries the web application serves (the data view's charts): installed from the
# npm registry by web-assets/package-lock.json and copied into the package's static files, which
# is how they reach an installed package (never a copied file in the repository, never a CDN).
ASSETS := web-assets
VENDOR := src/openpcs/web/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed

$(VENDOR_STAMP): $(ASSETS)/package.json $(ASSETS)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "assets: npm is needed to install the web application's charting library;"; \
		echo "  on Debian or Ubuntu: apt-get install -y nodejs npm"; exit 1; }
	cd $(ASSETS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp $(ASSETS)/node_modules/uplot/dist/uPlot.iife.min.js $(ASSETS)/node_modules/uplot/dist/uPlot.min.css $(VENDOR)/
	cp $(ASSETS)/node_modules/uplot/LICENSE $(VENDOR)/uPlot.LICENSE
	touch $(VENDOR_STAMP)

## assets: install the web application's browser libraries (npm ci) into its static files
assets: $(VENDOR_STAMP)

## run: start the gateway with its built-in settings: HTTP on 127.0.0.1:8080, TCP on :9100,
##      SQLite in ./openpcs-data (the first admin token is written to openpcs-data/admin-token)
run: $(STAMP) $(VENDOR_STAMP)
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
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
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
test: deps lint $(VENDOR_STAMP)
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
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_claims.py

## soak: the gateway at 80 % of its TCP peak for OPENPCS_SOAK_SECONDS (600), memory sampled
soak: $(STAMP)
	$(BIN)/python benchmarks/soak_gateway.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build src/*.egg-info $(VENDOR) $(ASSETS)/node_modules
	rm -f src/openpcs/frames/*.so
