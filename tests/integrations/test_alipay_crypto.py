"""Alipay RSA2 and phone-number crypto against vectors made with the openssl CLI."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from integrations import OutboundRequest, SignatureRejected, UpstreamMalformed, UpstreamRejected
from integrations.alipay import (
    AlipaySigner,
    PhoneNumberUndecryptable,
    SignTypeUnsupported,
    decrypt_phone_number,
    encrypt_phone_number,
    gateway_timestamp,
    load_private_key,
    load_public_key,
    response_node,
    rsa2_sign,
    rsa2_verify,
    sign_content,
)

FIXTURES = Path(__file__).parent / "fixtures" / "alipay"
VECTORS: dict[str, Any] = json.loads((FIXTURES / "vectors.json").read_text("utf-8"))
APP_KEY = load_private_key((FIXTURES / "keys" / "app_private.pem").read_text())
ALIPAY_KEY = load_private_key((FIXTURES / "keys" / "alipay_private.pem").read_text())
ALIPAY_PUBLIC = ALIPAY_KEY.public_key()
OAUTH = "alipay.system.oauth.token"


def bare_base64(pem: bytes) -> str:
    return "".join(line for line in pem.decode().splitlines() if not line.startswith("-----"))


def test_sign_content_sorts_and_drops_sign_and_empty_values() -> None:
    params = {**VECTORS["request"]["params"], "sign": "ignored"}
    assert sign_content(params) == VECTORS["request"]["sign_content"]


def test_rsa2_sign_matches_openssl_vector() -> None:
    v = VECTORS["request"]
    assert rsa2_sign(v["sign_content"], APP_KEY) == v["sign"]


def test_signer_adds_common_params_and_openssl_identical_sign() -> None:
    request = OutboundRequest(
        method="POST",
        target="/gateway.do?method=alipay.system.oauth.token&grant_type=authorization_code&code=test-auth-1",
        headers={},
        body=b"",
    )
    signer = AlipaySigner(app_id="2021000000000001", private_key=APP_KEY)
    signed = signer.sign(request, timestamp=1_735_689_600, nonce="unused")
    params = dict(parse_qsl(signed.target.partition("?")[2]))
    assert params["timestamp"] == "2025-01-01 08:00:00"
    assert params["sign"] == VECTORS["request"]["sign"]


def test_gateway_timestamp_is_beijing_time() -> None:
    assert gateway_timestamp(0) == "1970-01-01 08:00:00"


def test_load_public_key_accepts_console_bare_base64_and_pem() -> None:
    pem = ALIPAY_PUBLIC.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert load_public_key(bare_base64(pem)).public_numbers() == ALIPAY_PUBLIC.public_numbers()
    assert load_public_key(pem.decode()).public_numbers() == ALIPAY_PUBLIC.public_numbers()


def test_response_node_slices_exact_signed_text() -> None:
    v = VECTORS["oauth_response"]
    node, sign = response_node(v["raw"], OAUTH)
    assert node == v["node"]
    assert sign is not None
    rsa2_verify(node, sign, ALIPAY_PUBLIC)


def test_response_node_keeps_whitespace_the_signature_covers() -> None:
    raw = '{ "alipay_system_oauth_token_response" : {"a": 1} , "sign":"x" }'
    assert response_node(raw, OAUTH) == ('{"a": 1}', "x")


def test_response_node_rejects_duplicated_node_fzlee_69() -> None:
    v = VECTORS["oauth_response"]
    forged = v["raw"][:-1] + ',"alipay_system_oauth_token_response":{"user_id":"2088999"}}'
    with pytest.raises(UpstreamMalformed) as caught:
        response_node(forged, OAUTH)
    assert "duplicate" in caught.value.detail


@pytest.mark.parametrize(
    "raw",
    ['{"other_response":{}}', "[1]", '{"alipay_system_oauth_token_response":{}', "{} trailing"],
)
def test_response_node_rejects_malformed_documents(raw: str) -> None:
    with pytest.raises(UpstreamMalformed):
        response_node(raw, OAUTH)


def test_response_signature_by_app_key_instead_of_alipay_key_is_rejected() -> None:
    v = VECTORS["oauth_response"]
    with pytest.raises(SignatureRejected):
        rsa2_verify(v["node"], rsa2_sign(v["node"], APP_KEY), ALIPAY_PUBLIC)


def test_phone_payload_vector_decrypts() -> None:
    v = VECTORS["phone"]
    assert (
        decrypt_phone_number(v["payload"], aes_key=v["aes_key"], alipay_public_key=ALIPAY_PUBLIC)
        == (v["mobile"])
    )


def test_phone_signature_over_unquoted_ciphertext_is_rejected() -> None:
    v = VECTORS["phone"]
    payload = {**json.loads(v["payload"]), "sign": v["sign_without_quotes"]}
    with pytest.raises(SignatureRejected) as caught:
        decrypt_phone_number(json.dumps(payload), aes_key=v["aes_key"], alipay_public_key=ALIPAY_PUBLIC)
    assert caught.value.reason == "bad_signature"


def test_phone_payload_with_altered_ciphertext_fails_signature_before_decryption() -> None:
    v = VECTORS["phone"]
    payload = json.loads(v["payload"])
    raw = bytearray(base64.b64decode(payload["response"]))
    raw[0] ^= 1
    payload["response"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(SignatureRejected):
        decrypt_phone_number(json.dumps(payload), aes_key=v["aes_key"], alipay_public_key=ALIPAY_PUBLIC)


def test_phone_payload_with_wrong_aes_key_is_undecryptable() -> None:
    v = VECTORS["phone"]
    wrong = base64.b64encode(bytes(16)).decode()
    with pytest.raises(PhoneNumberUndecryptable):
        decrypt_phone_number(v["payload"], aes_key=wrong, alipay_public_key=ALIPAY_PUBLIC)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("sign_type", "RSA", SignTypeUnsupported),
        ("encrypt_type", "SM4", SignTypeUnsupported),
        ("sign", None, SignatureRejected),
    ],
)
def test_phone_payload_with_unpinned_scheme_or_no_sign_is_rejected(
    field: str, value: str | None, error: type[Exception]
) -> None:
    v = VECTORS["phone"]
    payload = {**json.loads(v["payload"]), field: value}
    with pytest.raises(error):
        decrypt_phone_number(json.dumps(payload), aes_key=v["aes_key"], alipay_public_key=ALIPAY_PUBLIC)


def seal_refusal(aes_key: str) -> str:
    """A correctly signed envelope whose plaintext is a refusal (user gave no consent)."""
    refusal = b'{"code":"40003","msg":"Insufficient Conditions",' + (
        b'"sub_code":"isv.invalid-auth-relations","sub_msg":"no auth"}'
    )
    padder = padding.PKCS7(128).padder()
    padded = padder.update(refusal) + padder.finalize()
    enc = Cipher(algorithms.AES(base64.b64decode(aes_key)), modes.CBC(bytes(16))).encryptor()
    response = base64.b64encode(enc.update(padded) + enc.finalize()).decode()
    sign = rsa2_sign(f'"{response}"', ALIPAY_KEY)
    return json.dumps({"response": response, "sign": sign, "sign_type": "RSA2", "encrypt_type": "AES"})


def test_phone_refusal_inside_a_valid_envelope_is_upstream_rejected() -> None:
    aes_key = VECTORS["phone"]["aes_key"]
    with pytest.raises(UpstreamRejected) as caught:
        decrypt_phone_number(seal_refusal(aes_key), aes_key=aes_key, alipay_public_key=ALIPAY_PUBLIC)
    assert caught.value.code == "isv.invalid-auth-relations"


def test_encrypt_phone_number_round_trips() -> None:
    aes_key = base64.b64encode(bytes(range(16))).decode()
    payload = encrypt_phone_number("15912345678", aes_key=aes_key, alipay_private_key=ALIPAY_KEY)
    assert decrypt_phone_number(payload, aes_key=aes_key, alipay_public_key=ALIPAY_PUBLIC) == ("15912345678")
