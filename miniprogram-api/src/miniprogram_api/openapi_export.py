"""The full app's OpenAPI document as a file, for client generators that work offline.

    uv run python -m miniprogram_api.openapi_export            # print it
    uv run python -m miniprogram_api.openapi_export --write    # rewrite clients/typescript/openapi.json

The document is the one ``/schema/openapi.json`` serves (core API and mini-program edge): the app is
built on the embedded default in a throwaway data folder and never started, so nothing listens and
no database is touched. ``clients/typescript`` generates its types from the file (``npm run
generate``); ``./scripts/regenerate.sh`` runs both, and ``tests/clients`` fails when either is stale.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from litestar.serialization import encode_json

from backend.feature import feature_sections
from backend.settings import load_settings
from miniprogram_api.app import FEATURES, create_app

DOCUMENT = Path(__file__).resolve().parents[3] / "clients" / "typescript" / "openapi.json"


def document() -> dict[str, Any]:
    """The OpenAPI document of the full app, as JSON values."""
    with tempfile.TemporaryDirectory(prefix="suqian-openapi-") as folder:
        settings = load_settings({"SUQIAN_DATA_DIR": folder}, sections=feature_sections(FEATURES))
        # Building the app configures logging; what it logs is no part of the document.
        logging.disable(logging.INFO)
        try:
            app = create_app(settings)
            raw = encode_json(app.openapi_schema.to_schema())
        finally:
            logging.disable(logging.NOTSET)
    body: dict[str, Any] = json.loads(raw)
    return body


def text() -> str:
    """The document as the file holds it: sorted keys, one member a line, so a diff reads well."""
    return json.dumps(document(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m miniprogram_api.openapi_export",
        description="Print (or --write) the OpenAPI document.",
    )
    parser.add_argument("--write", action="store_true", help=f"rewrite {DOCUMENT}")
    args = parser.parse_args(argv)
    current = text()
    if not args.write:
        sys.stdout.write(current)
        return 0
    if not DOCUMENT.exists() or DOCUMENT.read_text() != current:
        DOCUMENT.write_text(current)
    print(f"{DOCUMENT}: {current.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
