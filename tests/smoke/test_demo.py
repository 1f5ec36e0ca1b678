"""The README's walkthrough is a script (scripts/demo.sh); run it against the real embedded server so
the five-minute path from clone to a verified citizen code can't drift from the code."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.smoke.server import serve

pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parents[2]


def test_demo_script_registers_a_citizen_and_verifies_their_code_online_and_offline(
    tmp_path: Path,
) -> None:
    password = "demo-operator-password"
    with serve(tmp_path, SUQIAN_BOOTSTRAP_ADMIN_PASSWORD=password) as base:
        env = {**os.environ, "ADMIN_PASSWORD": password}
        result = subprocess.run(
            [str(ROOT / "scripts" / "demo.sh"), base], env=env, capture_output=True, text=True, timeout=120
        )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.strip().startswith('first: {"decision":"pass"') for line in lines), result.stdout
    assert any('"reason":"replayed"' in line for line in lines), result.stdout
    # The offline verdict from `python -m citizen_code verify`, with only the published trust list.
    assert any(line.startswith("pass ok") for line in lines), result.stdout
