#!/usr/bin/env bash
# Every generated file, regenerated from the code in one go. Run it after adding or changing a route,
# a schema or an error (and after merging branches that did); the tests that compare each file with
# what the code makes now then pass, and `git diff` shows what changed for clients.
#
#   tests/contract/access_table.txt      who may call each route
#   backend/README.md (problem codes)     the table of problem codes
#   docs/errors.md                        each code with what a client should do
#   clients/typescript/openapi.json       the OpenAPI document of the full app
#   clients/typescript/src/schema.d.ts    the TypeScript types generated from it (openapi-typescript)
# and then checks that every field of the document is described (a new field needs a description,
# backend.fields.doc; tests/contract/undescribed_fields.txt stays empty).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_uv
ensure_packages
ensure_node
echo "==> access table"
SUQIAN_UPDATE_ACCESS_TABLE=1 uv run --no-sync pytest -q -p no:cacheprovider tests/contract/test_access_table.py
echo "==> problem codes"
uv run --no-sync python -m backend.problem_codes --write
echo "==> docs/errors.md"
uv run --no-sync python -m backend.error_guide --write
echo "==> clients/typescript (the OpenAPI document, then its types)"
uv run --no-sync python -m miniprogram_api.openapi_export --write
(cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error && npm run --silent generate)
echo "==> every field described"
uv run --no-sync pytest -q -p no:cacheprovider tests/contract/test_openapi_descriptions.py
