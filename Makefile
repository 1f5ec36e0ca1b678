# Short targets over `uv run ...`. The README's two commands are scripts/run.sh and scripts/test.sh;
# these are the same steps for day-to-day work.
.DEFAULT_GOAL := help
SHELL := bash
UV := uv run --no-sync
# What the README's scripts do first: uv and the locked packages (a fresh clone has neither).
SETUP := . scripts/lib.sh && ensure_uv && ensure_packages

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run:  ## serve the API with the embedded default on 127.0.0.1:8000
	./scripts/run.sh

test:  ## the whole suite exactly as CI runs it
	./scripts/test.sh

check: test  ## alias of test: what CI runs

fmt:  ## format and auto-fix
	$(UV) ruff format . && $(UV) ruff check --fix .

lint:  ## ruff, mypy --strict, import contracts
	$(UV) ruff format --check . && $(UV) ruff check . && $(UV) mypy && $(UV) lint-imports

pytest:  ## only the tests (assumes PostgreSQL and Redis are up)
	$(UV) pytest -q

migrate:  ## apply pending migrations to SUQIAN_DATABASE_URL (or the embedded SQLite file)
	$(UV) suqian migrate

bench:  ## the benchmark: production mode, reference apps, ratios (BENCHMARKS.md)
	$(SETUP) && $(UV) python -m load_tests.bench && $(UV) python -m tests.backend.application.bench \
		&& $(UV) python -m tests.backend.warning.bench

bench-quick:  ## the same in under a minute
	$(SETUP) && $(UV) python -m load_tests.bench --quick && $(UV) python -m tests.backend.application.bench --quick \
		&& $(UV) python -m tests.backend.warning.bench --quick

.PHONY: help run test check fmt lint pytest migrate bench bench-quick
