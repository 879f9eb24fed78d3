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
	$(BIN)/lint-imports

# make test: lint, the whole suite on the embedded store, then the tests that talk to a
# real server again with the store on Virtuoso (issue 6). Without virtuoso-opensource the
# second run is left out with a notice, unless PLATFORM_GRAPH_REQUIRE_VIRTUOSO is set
# (.ci/run sets it, and installs Virtuoso).
VIRTUOSO_TESTS := tests/test_smoke_server.py tests/test_sparql_endpoint.py \
	tests/test_w3c_protocol.py tests/test_graph_store.py tests/test_api_rest.py \
	tests/test_api_named_queries.py tests/test_api_linked_data.py tests/test_writes.py \
	tests/test_durability.py tests/test_bad_inputs.py \
	tests/test_no_outbound.py tests/test_time_limits.py tests/test_rebase.py

# The suite runs in TEST_WORKERS processes (pytest-xdist), a test module to each at a
# time: it is CPU-bound in one process otherwise, and CI has two cores.
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile

test: $(STAMP) lint
	$(BIN)/pytest $(PYTEST_PARALLEL)
	$(MAKE) --no-print-directory test-virtuoso

.PHONY: test-virtuoso
test-virtuoso: $(STAMP)
	@if command -v virtuoso-t >/dev/null 2>&1; then \
		echo "· the same server tests, with the store on Virtuoso"; \
		PLATFORM_GRAPH_TEST_BACKEND=virtuoso $(BIN)/pytest $(PYTEST_PARALLEL) $(VIRTUOSO_TESTS); \
	elif [ -n "$${PLATFORM_GRAPH_REQUIRE_VIRTUOSO:-}" ]; then \
		echo "virtuoso-opensource is not installed (apt-get install virtuoso-opensource)"; \
		exit 1; \
	else \
		echo "· Virtuoso is not installed: its run is left out (apt-get install virtuoso-opensource)"; \
	fi

clean:
	rm -rf build var .pytest_cache .mypy_cache .ruff_cache

bench-latency: $(STAMP)
	$(BIN)/python -m benchmarks.latency

bench-validation: $(STAMP)
	$(BIN)/python -m benchmarks.validation

# The benchmarks of issue 7 (docs/benchmarks.md and its plots): the five systems on
# synthetic graphs. bench-quick: 10k and 100k triples, under five minutes on two cores;
# bench: 10k, 100k, 1M and 5M triples, about 80 minutes on two cores. Virtuoso is
# installed with apt-get by the harness where it is missing (as root); if it cannot be,
# the report says so.
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

# Issue 13: a light query's latency while eight clients send heavy ones (docs/security.md).
.PHONY: bench-fairness
bench-fairness: $(STAMP)
	$(BIN)/python -m benchmarks.fairness --seconds 20

# The soak of issue 8: many clients, mixed reads and writes, a minute, memory over time.
.PHONY: bench-soak
bench-soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak --seconds 60 --clients 8

# Issue 16: how well `platform-graph extract` codes a platform, against the curated coding
# of Örebro's platform and the development texts of data/dev/ (docs/extraction.md).
.PHONY: eval-extract
eval-extract: $(STAMP)
	$(BIN)/platform-graph eval-extract --out docs/extraction.md
