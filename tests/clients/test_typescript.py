"""The TypeScript kit (clients/typescript) is generated from the app as it is now and compiles: a
change of the API that breaks the types or the flows written against them fails here, not in a
mini program. ``./scripts/regenerate.sh`` rewrites both generated files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from miniprogram_api.openapi_export import DOCUMENT
from tests.clients.node import CLIENTS, npm_ci, require, run

KIT = CLIENTS / "typescript"
STALE = "stale: run ./scripts/regenerate.sh and commit clients/typescript"


def test_the_committed_document_is_the_apps() -> None:
    # In a process of its own: building the app binds the database engine process-wide, and this one's
    # (a throwaway embedded default) must not become the test session's.
    exported = subprocess.run(
        [sys.executable, "-m", "miniprogram_api.openapi_export"], capture_output=True, text=True, check=True
    ).stdout
    assert DOCUMENT.read_text() == exported, f"clients/typescript/openapi.json is {STALE}"


def test_the_types_are_generated_from_it_and_the_kit_compiles(tmp_path: Path) -> None:
    require("node")
    npm_ci(KIT)
    fresh = tmp_path / "schema.d.ts"
    generator = KIT / "node_modules" / ".bin" / "openapi-typescript"
    run([str(generator), str(DOCUMENT), "--output", str(fresh)], KIT)
    assert (KIT / "src" / "schema.d.ts").read_text() == fresh.read_text(), f"src/schema.d.ts is {STALE}"
    run([str(KIT / "node_modules" / ".bin" / "tsc"), "--noEmit", "-p", str(KIT)], KIT)


def test_a_breaking_change_fails_the_compiler(tmp_path: Path) -> None:
    """The check can fail: the flows against a document whose token answer lost ``access_token``."""
    npm_ci(KIT)
    broken = tmp_path / "kit"
    (broken / "src").mkdir(parents=True)
    for name in ("index.ts", "flows.ts"):
        (broken / "src" / name).write_text((KIT / "src" / name).read_text())
    schema = (KIT / "src" / "schema.d.ts").read_text()
    start = schema.index("        TokenPair: {")
    renamed = schema[:start] + schema[start:].replace("access_token: string;", "bearer: string;", 1)
    (broken / "src" / "schema.d.ts").write_text(renamed)
    (broken / "tsconfig.json").write_text((KIT / "tsconfig.json").read_text())
    (broken / "node_modules").symlink_to(KIT / "node_modules")
    done = subprocess.run(
        [str(KIT / "node_modules" / ".bin" / "tsc"), "--noEmit", "-p", str(broken)],
        cwd=broken,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode != 0
    assert "access_token" in done.stdout, done.stdout
