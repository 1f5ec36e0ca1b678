"""The phone's side of the offline code in JavaScript (clients/offline-code) signs frames our
verifier accepts: Node generates the device key and signs, ``citizen_code`` issues the holder
credential and verifies, as a gate would with only the trust list."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

from citizen_code import (
    IssuerKey,
    KeyRing,
    RevocationList,
    Verifier,
    generate_code_id,
    issue_holder_credential,
    load_trust_list,
    sign_trust_list,
)
from citizen_code._base45 import b45decode, b45encode
from tests.clients.node import CLIENTS, require, run

MODULE = CLIENTS / "offline-code"
NOW = 1_800_000_000


def _node(*args: str) -> str:
    return run([require("node"), *args], MODULE).stdout


def test_the_module_matches_the_librarys_golden_vectors() -> None:
    out = run([require("node"), "--test", "test/"], MODULE).stdout
    assert "# fail 0" in out, out
    assert "# pass 5" in out, out


def test_frames_signed_in_javascript_pass_the_python_verifier(tmp_path: Path) -> None:
    device = json.loads(_node("cli.mjs", "keygen"))
    jwk = tmp_path / "device.jwk"
    jwk.write_text(json.dumps(device["jwk"]))

    anchor = IssuerKey.generate()
    ring = KeyRing.start(IssuerKey.generate(), now=NOW - 3600)
    trust = load_trust_list(
        sign_trust_list(anchor, ring.trusted_keys(), issuer="suqian", now=NOW - 3600, sequence=1),
        anchor.public_key,
    )
    code_id = generate_code_id(secrets.token_bytes(10))
    public_key = base64.urlsafe_b64decode(device["public_key"] + "==")
    hc = issue_holder_credential(
        ring.active, issuer="suqian", subject=code_id, device_public_key=public_key, now=NOW - 60
    )
    credential = base64.urlsafe_b64encode(hc).decode().rstrip("=")

    # 24 frames: a WebCrypto s lands in the high half about half the time, which the verifier refuses;
    # all 24 passing says the module folds it (a 2^-24 chance otherwise).
    frames = _node("cli.mjs", "frames", str(jwk), credential, str(NOW), "24").splitlines()
    assert len(frames) == 24
    verifier = Verifier(trust, revocations=RevocationList())
    for frame in frames:
        verdict = verifier.verify(frame, now=NOW + 5)
        assert verdict.passed, verdict.reason
        assert verdict.claims is not None
        assert verdict.claims.code_id == code_id
        assert verdict.claims.mode == "device"

    # The same frame twice is a screenshot; a frame with a byte of its signature changed is refused.
    assert verifier.verify(frames[0], now=NOW + 6).reason == "replayed"
    body = bytearray(b45decode(frames[1].removeprefix("SQ1:")))
    body[-1] ^= 1
    assert verifier.verify("SQ1:" + b45encode(bytes(body)), now=NOW + 6).reason == "bad_signature"
    # And the scanner's clock decides: a frame 46 s old is past the window.
    late = _node("cli.mjs", "frames", str(jwk), credential, str(NOW), "1").rstrip("\n")
    assert verifier.verify(late, now=NOW + 46).reason == "expired"
