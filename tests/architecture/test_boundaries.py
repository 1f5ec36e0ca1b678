"""The house rules that keep the libraries reusable: no environment, and the import contracts."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARIES = ("citizen_code", "wallet", "integrations", "blobstore")


def _environment_reads(path: Path) -> list[str]:
    found = []
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb", "putenv"}:
            found.append(f"{where}:{node.lineno} os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in {"environ", "getenv", "environb"}:
                    found.append(f"{where}:{node.lineno} from os import {alias.name}")
    return found


@pytest.mark.parametrize("library", LIBRARIES)
def test_library_never_reads_the_environment(library: str) -> None:
    sources = sorted((ROOT / library / "src").rglob("*.py"))
    assert sources, f"{library} has no sources"
    offenders = [hit for path in sources for hit in _environment_reads(path)]
    assert offenders == [], "libraries take configuration as arguments:\n" + "\n".join(offenders)


def test_the_environment_check_catches_a_read(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nKEY = os.environ.get('X')\nfrom os import getenv\n")
    assert len(_environment_reads(probe)) == 2


def test_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports")
    assert lint_imports, "import-linter is in the dev dependency group"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
