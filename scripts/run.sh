#!/usr/bin/env bash
# Run the API with the embedded default: SQLite in ./data, the in-process store, the government
# sandbox at /_sandbox. Installs what is missing, applies migrations, serves on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_uv
ensure_packages
exec uv run --no-sync suqian serve "$@"
