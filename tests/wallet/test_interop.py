"""Implementations we neither wrote nor built on read what we emit: jwcrypto, joserfc and the IETF
reference ``sd-jwt`` verifier (research §4.2, §6)."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from typing import Any

import pytest
from joserfc import jws as joserfc_jws
from joserfc.jwk import ECKey
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws
from sd_jwt.verifier import SDJWTVerifier

from tests.wallet.world import (
    AUD,
    CONSENTED,
    ISS,
    ISSUER,
    NONCE,
    NOW,
    VCT,
    make_credential,
    make_presentation,
)
from wallet import DisclosureLog, LogEvent, StatusList, export_log, jwks, sign_status_list


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _issuer_jwk() -> dict[str, Any]:
    return jwks([ISSUER])["keys"][0]


def _jwcrypto_payload(token: str) -> dict[str, Any]:
    parsed = jwcrypto_jws.JWS()
    parsed.deserialize(token)
    parsed.verify(jwcrypto_jwk.JWK(**_issuer_jwk()), alg="ES256")
    payload: dict[str, Any] = json.loads(parsed.payload)
    return payload


def _joserfc(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    obj = joserfc_jws.deserialize_compact(token, ECKey.import_key(_issuer_jwk()), algorithms=["ES256"])
    return obj.headers(), json.loads(obj.payload)


def test_issued_credential_signature_verifies_with_jwcrypto_and_joserfc() -> None:
    issuer_jwt = make_credential().compact.split("~")[0]
    header, payload = _joserfc(issuer_jwt)
    assert header == {"alg": "ES256", "typ": "dc+sd-jwt", "kid": ISSUER.kid}
    assert _jwcrypto_payload(issuer_jwt) == payload
    assert payload["_sd_alg"] == "sha-256"
    assert payload["_sd"] == sorted(payload["_sd"])
    assert {"iss", "vct", "iat", "nbf", "exp", "cnf", "status"} <= payload.keys()
    assert "name" not in payload  # every licence field is a disclosure


def test_reference_verifier_accepts_consented_presentation_with_key_binding() -> None:
    presentation = make_presentation()
    verifier = SDJWTVerifier(
        presentation,
        lambda iss, header: jwcrypto_jwk.JWK(**_issuer_jwk()),
        expected_aud=AUD,
        expected_nonce=NONCE,
    )
    claims = verifier.get_verified_payload()
    visible = {"iss", "vct", "iat", "nbf", "exp", "cnf", "status"}
    assert {k: v for k, v in claims.items() if k not in visible} == {
        "name": "张三",
        "licence_class": "C1",
        "address": {"locality": "宿迁市"},
        "valid_until": "2030-05-20",
        "endorsements": ["B"],
    }
    assert len(CONSENTED) == 5


def test_what_the_reference_verifier_skips_holds_for_our_presentation() -> None:
    # sd-jwt 0.10.4 checks neither typ nor exp/nbf nor the KB-JWT iat: assert them here, independently.
    presentation = make_presentation()
    header, payload = _joserfc(presentation.split("~")[0])
    assert header["typ"] == "dc+sd-jwt"
    assert payload["nbf"] <= NOW < payload["exp"]
    assert (payload["iss"], payload["vct"]) == (ISS, VCT)
    holder = ECKey.import_key(payload["cnf"]["jwk"])
    kb = joserfc_jws.deserialize_compact(presentation.rsplit("~", 1)[1], holder, algorithms=["ES256"])
    assert kb.headers()["typ"] == "kb+jwt"
    assert NOW - 300 <= json.loads(kb.payload)["iat"] <= NOW + 60


def test_reference_verifier_rejects_our_presentation_with_a_tampered_disclosure() -> None:
    parts = make_presentation().split("~")
    salt, name, _ = json.loads(_b64(parts[3]))
    parts[3] = base64.urlsafe_b64encode(json.dumps([salt, name, "李四"]).encode()).decode().rstrip("=")
    with pytest.raises(ValueError, match="digest"):
        SDJWTVerifier(
            "~".join(parts),
            lambda iss, header: jwcrypto_jwk.JWK(**_issuer_jwk()),
            expected_aud=AUD,
            expected_nonce=NONCE,
        )


def test_status_list_token_verifies_independently_and_its_lst_unpacks_by_hand() -> None:
    statuses = StatusList(64, bits=2)
    statuses.set(5, 1)
    statuses.set(9, 2)
    token = sign_status_list(ISSUER, statuses, uri="https://s.example/1", iat=NOW, exp=NOW + 86_400, ttl=300)
    header, payload = _joserfc(token)
    assert header["typ"] == "statuslist+jwt"
    assert _jwcrypto_payload(token) == payload
    assert payload["sub"] == "https://s.example/1"
    assert (payload["iat"], payload["exp"], payload["ttl"]) == (NOW, NOW + 86_400, 300)
    raw = zlib.decompress(_b64(payload["status_list"]["lst"]))
    bits = payload["status_list"]["bits"]

    def entry(i: int) -> int:
        value: int = (raw[i * bits // 8] >> (i * bits % 8)) & ((1 << bits) - 1)
        return value

    assert [entry(i) for i in range(64)] == [1 if i == 5 else 2 if i == 9 else 0 for i in range(64)]


def test_log_export_reverifies_with_only_hashlib_and_joserfc() -> None:
    log = DisclosureLog()
    log.append(time=NOW, event=LogEvent.ISSUED, outcome="ok", licence_type="驾驶证")
    log.append(
        time=NOW + 5,
        event=LogEvent.DISCLOSED,
        outcome="ok",
        verifier_id="v-7",
        verifier_name="宿迁市车管所 7 号窗口",
        purpose="驾驶证业务办理",
        licence_type="驾驶证",
        requested=[("name",), ("birth_date",)],
        disclosed=[("name",)],
    )
    exported = json.loads(export_log(log.entries, log.sign_head(ISSUER, sub="citizen-9", iat=NOW + 6)))

    prev = bytes(32)
    for row in exported["rows"]:
        body = {k: v for k, v in row.items() if k != "row_hash"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        prev = hashlib.sha256(prev + canonical).digest()
        assert row["row_hash"] == prev.hex()
    header, head = _joserfc(exported["head"])
    assert header["typ"] == "log-head+jwt"
    assert head == {"sub": "citizen-9", "n": 2, "head": prev.hex(), "iat": NOW + 6}
