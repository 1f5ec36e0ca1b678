"""``python -m citizen_code``: exit 0 on pass, 1 on deny, 2 on usage or input errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from citizen_code import RevocationList, render_png
from citizen_code._cli import main
from tests.citizen_code.world import ANCHOR, CODE_ID, NOW, make_world


def write_trust_list(tmp_path: Path) -> tuple[Path, Path]:
    world = make_world()
    trust_list = tmp_path / "trust.cose"
    from citizen_code import sign_trust_list

    trust_list.write_bytes(
        sign_trust_list(ANCHOR, world.ring.trusted_keys(), issuer="suqian", now=NOW, sequence=1)
    )
    anchor = tmp_path / "anchor.pem"
    anchor.write_bytes(ANCHOR.public_pem())
    return trust_list, anchor


def test_verify_exits_0_and_prints_pass_for_a_good_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust_list, anchor = write_trust_list(tmp_path)
    argv = ["verify", "--trust-list", str(trust_list), "--anchor-key", str(anchor)]
    status = main([*argv, "--now", str(NOW), make_world().code()])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("pass ok")
    assert f"code_id={CODE_ID}" in out


def test_verify_exits_1_and_prints_the_reason_for_a_denied_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust_list, anchor = write_trust_list(tmp_path)
    revocations = tmp_path / "revoked.json"
    revocations.write_bytes(RevocationList([(CODE_ID, NOW + 1)]).to_json())
    argv = ["verify", "--trust-list", str(trust_list), "--anchor-key", str(anchor)]
    status = main([*argv, "--revocations", str(revocations), "--now", str(NOW + 2), make_world().code()])
    assert status == 1
    assert capsys.readouterr().out.startswith("deny revoked")


def test_verify_without_anchor_key_refuses_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust_list, _ = write_trust_list(tmp_path)
    status = main(["verify", "--trust-list", str(trust_list), "--now", str(NOW), make_world().code()])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert "--anchor-key" in captured.err
    assert "--insecure-no-anchor" in captured.err


def test_verify_without_anchor_key_runs_only_when_the_operator_opts_out_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust_list, _ = write_trust_list(tmp_path)
    argv = ["verify", "--trust-list", str(trust_list), "--insecure-no-anchor", "--now", str(NOW)]
    status = main([*argv, make_world().code()])
    captured = capsys.readouterr()
    assert status == 0
    assert "NOT checked" in captured.err
    assert captured.out.startswith("pass ok")


def test_verify_refuses_an_anchor_key_together_with_the_opt_out(tmp_path: Path) -> None:
    trust_list, anchor = write_trust_list(tmp_path)
    argv = ["verify", "--trust-list", str(trust_list), "--anchor-key", str(anchor), "--insecure-no-anchor"]
    with pytest.raises(SystemExit) as caught:
        main([*argv, "SQ1:"])
    assert caught.value.code == 2


def test_verify_exits_2_for_a_missing_file_or_a_wrong_anchor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust_list, _ = write_trust_list(tmp_path)
    assert main(["verify", "--trust-list", str(tmp_path / "missing"), "--insecure-no-anchor", "SQ1:"]) == 2
    other = tmp_path / "other.pem"
    from citizen_code import IssuerKey

    other.write_bytes(IssuerKey.generate().public_pem())
    assert main(["verify", "--trust-list", str(trust_list), "--anchor-key", str(other), "x"]) == 2
    assert "error:" in capsys.readouterr().err


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["verify"])
    assert caught.value.code == 2


def test_keygen_trust_list_issue_and_verify_work_together(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "citizen_code", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    assert run("keygen", "anchor.pem").returncode == 0
    assert run("keygen", "issuer.pem").returncode == 0
    made = run("trust-list", "--anchor-key", "anchor.pem", "--issuer-key", "issuer.pem", "tl")
    assert made.returncode == 0, made.stderr
    code = run("issue", "--key", "issuer.pem", "--subject", CODE_ID).stdout.strip()
    verified = run("verify", "--trust-list", "tl", "--anchor-key", "tl.anchor.pem", code)
    assert (verified.returncode, verified.stdout.split()[:2]) == (0, ["pass", "ok"])
    assert run("render", code, "--out", "code.png").returncode == 0
    assert (tmp_path / "code.png").read_bytes() == render_png(code)
