# Agora: run `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export HF_HUB_OFFLINE := 1
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install demo serve test test-all test-fast lint typecheck format notebooks bench bench-checkout bench-offers bench-events bench-recs bench-seed bench-agent migrate clean

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install Agora with its dev tools

demo: $(STAMP) ## Build the embedded SQLite marketplace, train the models, serve it on :8000
	$(BIN)/agora db upgrade
	$(BIN)/agora demo seed
	$(BIN)/agora demo train
	AGORA_JOBS_IN_PROCESS_SECONDS=15 $(BIN)/agora serve --host 127.0.0.1 --port 8000

serve: $(STAMP) ## Serve the API with the current settings
	$(BIN)/agora serve

migrate: $(STAMP) ## Apply database migrations
	$(BIN)/agora db upgrade

lint: $(STAMP) ## ruff, ruff format --check, import-linter, mypy, notebooks stored stripped
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/nbstripout --verify notebooks/*.ipynb
	$(BIN)/lint-imports
	$(BIN)/mypy

typecheck: $(STAMP) ## mypy (strict on marketplace, serving, procurement_agent)
	$(BIN)/mypy

format: $(STAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(STAMP) lint ## Lint plus the whole test suite against PostgreSQL and Redis (not slow)
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

test-fast: $(STAMP) ## Tests only, no lint
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

test-all: $(STAMP) lint ## Everything, including slow and browser tests
	$(BIN)/pytest $(PYTEST_ARGS)

notebooks: $(STAMP) ## Run every notebook end to end on a small seeded marketplace (nbclient)
	$(BIN)/pytest tests/ml/test_notebooks.py $(PYTEST_ARGS)

bench: $(STAMP) ## Benchmarks; they print their figures
	$(BIN)/python -m bench.catalog_read
	$(BIN)/python -m bench.checkout
	$(BIN)/python -m bench.offer_search
	$(BIN)/python -m bench.events_ingest

bench-checkout: $(STAMP) ## Place-and-pay over HTTP against PostgreSQL (docs/perf/checkout.md)
	$(BIN)/python -m bench.checkout $(BENCH_ARGS)

bench-offers: $(STAMP) ## B2B offer search over 50k offers in PostgreSQL (goal: p99 < 50 ms)
	$(BIN)/python -m bench.offer_search $(BENCH_ARGS)

bench-events: $(STAMP) ## Behaviour-events ingest over HTTP into partitioned PostgreSQL
	$(BIN)/python -m bench.events_ingest $(BENCH_ARGS)

bench-recs: $(STAMP) ## Recommendations over HTTP: 100k items, 50k users (goal: p99 < 20 ms at 200 req/s)
	$(BIN)/python -m bench.recs $(BENCH_ARGS)

bench-seed: $(STAMP) ## Synthetic generator at scale: 1M+ events, 100k+ orders (goal: < 10 min)
	$(BIN)/python -m bench.synthetic_seed $(BENCH_ARGS)

bench-agent: $(STAMP) ## Procurement agent: scripted dialogues graded by DB end state (BENCH_ARGS=--postgres)
	$(BIN)/python -m bench.procurement_agent_eval $(BENCH_ARGS)

clean: ## Remove caches and the demo database
	rm -rf var/ .mypy_cache .ruff_cache .pytest_cache
