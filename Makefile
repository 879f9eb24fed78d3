# One command for each step of the dev loop. Everything runs inside .venv, created on
# first use from the python3 on PATH (3.11 or newer).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install build validate serve test lint typecheck clean bench-latency vendor-yasgui bench-validation

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/platform-graph build

validate: build
	$(BIN)/platform-graph validate build/platform-graph.ttl

serve: build
	$(BIN)/platform-graph serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/pytest

clean:
	rm -rf build var .pytest_cache .mypy_cache .ruff_cache

bench-latency: $(STAMP)
	$(BIN)/python -m benchmarks.latency

bench-validation: $(STAMP)
	$(BIN)/python -m benchmarks.validation

# The benchmarks of issue 7 (docs/benchmarks.md and its plots): the five systems on
# synthetic graphs. bench-quick: 10k and 100k triples, under five minutes on two cores;
# bench: 10k, 100k, 1M and 5M triples, hours. Virtuoso is installed with apt-get by the
# harness where it is missing (as root); if it cannot be, the report says so.
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

.PHONY: bench bench-quick
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks --full

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks --quick

# YASGUI's built files are committed under src/platform_graph/web/static/vendor/yasgui/,
# so the service and `make test` need no npm. Run this (needs node and npm) to update them
# after changing the version in frontend/package.json.
vendor-yasgui:
	cd frontend && npm ci --no-audit --no-fund && npm run vendor

# The soak of issue 8: many clients, mixed reads and writes, a minute, memory over time.
.PHONY: bench-soak
bench-soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak --seconds 60 --clients 8
