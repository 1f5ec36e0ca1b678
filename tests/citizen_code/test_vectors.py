"""Golden vectors: every deterministic stage re-encodes byte for byte; stored signatures verify."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from citizen_code import (
    DeviceKey,
    IssuerKey,
    Mode,
    Reason,
    Status,
    Verifier,
    _claims,
    _cose,
    b45decode,
    b45encode,
    load_trust_list,
)
from citizen_code._keys import verify_raw

VECTORS = json.loads((Path(__file__).parent / "vectors" / "sq1.json").read_text("utf-8"))
NOW: int = VECTORS["now"]
KEYS = VECTORS["keys"]
ISSUER_KEY = IssuerKey.from_pem(KEYS["issuer_private_pem"].encode())
DEVICE_KEY = DeviceKey.from_pem(KEYS["device_private_pem"].encode())
ONLINE = VECTORS["online_code"]
CREDENTIAL = VECTORS["device_frame"]["holder_credential"]
FRAME = VECTORS["device_frame"]["frame"]


def trust_list() -> Any:
    return load_trust_list(
        bytes.fromhex(VECTORS["trust_list"]["cose_hex"]), KEYS["anchor_public_pem"].encode()
    )


def check_stages(stage: dict[str, str], key: IssuerKey | DeviceKey) -> None:
    protected, payload = bytes.fromhex(stage["protected_hex"]), bytes.fromhex(stage["payload_hex"])
    signature = bytes.fromhex(stage["signature_hex"])
    to_be_signed = _cose.sig_structure(protected, payload)
    assert to_be_signed.hex() == stage["sig_structure_hex"]
    assert verify_raw(key.public_key, signature, to_be_signed)
    assert _cose.encode_sign1(protected, payload, signature).hex() == stage["cose_hex"]
    parsed = _cose.parse_sign1(bytes.fromhex(stage["cose_hex"]))
    assert (parsed.payload, parsed.signature, parsed.to_be_signed) == (
        payload,
        signature,
        to_be_signed,
    )


def test_kid_is_the_first_8_bytes_of_sha256_of_the_spki() -> None:
    assert ISSUER_KEY.kid == hashlib.sha256(ISSUER_KEY.spki).digest()[:8]
    assert ISSUER_KEY.kid.hex() == KEYS["issuer_kid_hex"]


def test_online_code_claims_encode_to_the_vector_payload() -> None:
    claims = ONLINE["claims"]
    payload = _claims.online_payload(
        issuer=claims["iss"],
        subject=claims["sub"],
        status=Status(claims["status"]),
        iat=claims["iat"],
        exp=claims["exp"],
        cti=bytes.fromhex(claims["cti"]),
    )
    assert payload.hex() == ONLINE["payload_hex"]


def test_online_code_protected_header_is_alg_and_kid() -> None:
    assert _cose.protected_header(kid=ISSUER_KEY.kid).hex() == ONLINE["protected_hex"]
    assert ONLINE["protected_hex"] == "a2012604" + "48" + KEYS["issuer_kid_hex"]


def test_online_code_stages_reencode_and_the_stored_signature_verifies() -> None:
    check_stages(ONLINE, ISSUER_KEY)


def test_online_code_text_is_prefix_plus_base45_of_the_cose_bytes() -> None:
    cose = bytes.fromhex(ONLINE["cose_hex"])
    assert ONLINE["text"] == "SQ1:" + b45encode(cose)
    assert b45decode(ONLINE["text"][4:]) == cose


def test_online_code_vector_passes_the_verifier_with_its_claims() -> None:
    verifier = Verifier(trust_list(), deny_statuses=frozenset())
    verdict = verifier.verify(ONLINE["text"], now=NOW + 1)
    assert verdict.reason is Reason.OK
    assert verdict.claims is not None
    assert verdict.claims.mode is Mode.ONLINE
    assert verdict.claims.code_id == ONLINE["claims"]["sub"]
    assert verdict.claims.status is Status.RESTRICTED
    assert verdict.claims.cti.hex() == ONLINE["claims"]["cti"]


def test_holder_credential_claims_encode_to_the_vector_payload() -> None:
    claims = CREDENTIAL["claims"]
    cose_key = _cose.cose_key(DEVICE_KEY.public_key)
    assert cose_key[-2] == bytes.fromhex(claims["cnf_cose_key"]["x_hex"])
    assert cose_key[-3] is claims["cnf_cose_key"]["y_sign"]
    payload = _claims.holder_payload(
        issuer=claims["iss"],
        subject=claims["sub"],
        status=Status(claims["status"]),
        iat=claims["iat"],
        exp=claims["exp"],
        device_key=cose_key,
    )
    assert payload.hex() == CREDENTIAL["payload_hex"]


def test_holder_credential_stages_reencode_and_the_stored_signature_verifies() -> None:
    assert _cose.protected_header(kid=ISSUER_KEY.kid).hex() == CREDENTIAL["protected_hex"]
    check_stages(CREDENTIAL, ISSUER_KEY)


def test_frame_claims_embed_the_credential_bytes() -> None:
    payload = _claims.frame_payload(
        iat=FRAME["claims"]["iat"],
        nonce=bytes.fromhex(FRAME["claims"]["cti"]),
        holder_credential=bytes.fromhex(CREDENTIAL["cose_hex"]),
    )
    assert payload.hex() == FRAME["payload_hex"]


def test_frame_protected_header_is_alg_only() -> None:
    assert FRAME["protected_hex"] == _cose.protected_header().hex() == "a10126"


def test_frame_stages_reencode_and_the_device_signature_verifies() -> None:
    check_stages(FRAME, DEVICE_KEY)
    assert FRAME["text"] == "SQ1:" + b45encode(bytes.fromhex(FRAME["cose_hex"]))


def test_frame_vector_passes_the_verifier() -> None:
    verdict = Verifier(trust_list()).verify(FRAME["text"], now=NOW)
    assert verdict.reason is Reason.OK
    assert verdict.claims is not None
    assert verdict.claims.mode is Mode.DEVICE
    assert verdict.claims.credential_issued_at == CREDENTIAL["claims"]["iat"]


def test_trust_list_vector_loads_with_the_recorded_windows() -> None:
    loaded = trust_list()
    recorded = VECTORS["trust_list"]
    assert (loaded.issuer, loaded.sequence) == (recorded["issuer"], recorded["sequence"])
    (key,) = loaded.keys.values()
    assert key.kid == ISSUER_KEY.kid
    assert (key.not_before, key.not_after) == (
        recorded["key_not_before"],
        recorded["key_not_after"],
    )


@pytest.mark.parametrize("vector", [ONLINE, FRAME], ids=["online", "frame"])
def test_a_vector_with_any_flipped_signature_bit_is_denied(vector: dict[str, Any]) -> None:
    cose = bytearray(bytes.fromhex(vector["cose_hex"]))
    cose[-1] ^= 0x01
    verdict = Verifier(trust_list(), deny_statuses=frozenset()).verify(
        "SQ1:" + b45encode(bytes(cose)), now=NOW
    )
    assert verdict.reason is Reason.BAD_SIGNATURE
    assert verdict.claims is None
