#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, makes sure PostgreSQL and Redis are
# up, then format/lint, types, import contracts, and every test (real PostgreSQL + Redis, plus the
# embedded-default smoke suite). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_uv
ensure_packages
ensure_postgres
ensure_redis
# The benchmark harness's own tests drive a real wrk (Debian's package) against a loopback server.
command -v wrk >/dev/null 2>&1 || apt_install wrk
# promtool checks and unit-tests the alert rules (deploy/prometheus); Debian ships it in prometheus.
command -v promtool >/dev/null 2>&1 || apt_install --no-install-recommends prometheus
ensure_chromium
ensure_node
# One command per line: under `set -e` a failure inside an `a && b` list would not stop the script.
echo "==> ruff"
uv run --no-sync ruff format --check --quiet .
uv run --no-sync ruff check --quiet .
echo "==> mypy --strict"
uv run --no-sync mypy
echo "==> import contracts"
uv run --no-sync lint-imports --no-cache
echo "==> pytest"
exec uv run --no-sync pytest "$@"
