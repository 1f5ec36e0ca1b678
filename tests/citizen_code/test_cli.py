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


def _verify_out(tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str, now: str) -> tuple[int, str]:
    trust_list, anchor = write_trust_list(tmp_path)
    argv = ["verify", "--trust-list", str(trust_list), "--anchor-key", str(anchor), "--now", now, code]
    status = main(argv)
    return status, capsys.readouterr().out


def test_verify_names_an_online_code_and_prints_its_times_in_iso_8601(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _verify_out(tmp_path, capsys, make_world().code(), str(NOW))
    assert status == 0
    details = out.splitlines()[1]
    assert details.startswith("online code: ")
    # NOW is 1_800_000_000: 2027-01-15T08:00:00Z; the code lives 60 s.
    assert "issued_at=2027-01-15T08:00:00Z expires_at=2027-01-15T08:01:00Z" in details
    assert str(NOW) not in out


def test_verify_labels_a_device_frame_as_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _verify_out(tmp_path, capsys, make_world().frame(), "2027-01-15T08:00:00Z")
    assert status == 0, out
    details = out.splitlines()[1]
    assert details.startswith("device frame (signed by the phone's holder key): ")
    assert "frame_signed_at=2027-01-15T08:00:00Z" in details
    assert "mode=" not in out


def test_verify_and_fetch_take_the_trust_material_from_a_server_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import http.server
    import json
    import threading

    trust_list, anchor = write_trust_list(tmp_path)
    served = {
        "/.well-known/citizen-code/trust-list": trust_list.read_bytes(),
        "/.well-known/citizen-code/anchor": json.dumps({"public_key_pem": anchor.read_text()}).encode(),
    }

    class Backend(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = served.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        status = main(["verify", "--server", base, "--now", str(NOW), make_world().code()])
        assert (status, capsys.readouterr().out.split()[:2]) == (0, ["pass", "ok"])
        saved = tmp_path / "saved"
        assert main(["fetch", base, "--out", str(saved)]) == 0
        assert (saved / "trust-list.cose").read_bytes() == trust_list.read_bytes()
        assert (saved / "anchor.pem").read_bytes() == anchor.read_bytes()
        assert main(["fetch", base + "/nothing-here", "--out", str(saved)]) == 2
    finally:
        server.shutdown()
        server.server_close()
