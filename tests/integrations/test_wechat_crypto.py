from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from integrations import SignatureRejected
from integrations.wechat import (
    OpenDataUndecryptable,
    SessionKey,
    WatermarkMismatch,
    decrypt_user_data,
    encrypt_user_data,
    login_state_signature,
    raw_data_signature,
    verify_raw_data,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "wechat" / "official_vectors.json").read_text("utf-8")
)


def test_raw_data_signature_matches_official_vector() -> None:
    v = VECTORS["raw_data_signature"]
    key = SessionKey(v["session_key"])
    assert raw_data_signature(v["raw_data"], key) == v["signature"]
    verify_raw_data(v["raw_data"], v["signature"], session_key=key)


def test_verify_raw_data_rejects_one_changed_character() -> None:
    v = VECTORS["raw_data_signature"]
    tampered = v["raw_data"].replace("Band", "Bend")
    with pytest.raises(SignatureRejected) as caught:
        verify_raw_data(tampered, v["signature"], session_key=SessionKey(v["session_key"]))
    assert caught.value.reason == "bad_signature"


def test_verify_raw_data_rejects_other_session_key() -> None:
    v = VECTORS["raw_data_signature"]
    with pytest.raises(SignatureRejected):
        verify_raw_data(v["raw_data"], v["signature"], session_key=SessionKey("AAAAAAAAAAAAAAAAAAAAAA=="))


def test_login_state_signature_matches_official_vector() -> None:
    v = VECTORS["login_state_signature"]
    assert login_state_signature(SessionKey(v["session_key"]), v["message"]) == v["signature"]


def test_decrypt_user_data_matches_official_vector() -> None:
    v = VECTORS["encrypted_data"]
    data = decrypt_user_data(
        v["encrypted_data"], v["iv"], session_key=SessionKey(v["session_key"]), appid=v["appid"]
    )
    assert data == v["decrypted"]


def test_decrypt_user_data_rejects_watermark_of_another_appid() -> None:
    v = VECTORS["encrypted_data"]
    with pytest.raises(WatermarkMismatch) as caught:
        decrypt_user_data(
            v["encrypted_data"], v["iv"], session_key=SessionKey(v["session_key"]), appid="wxother"
        )
    assert caught.value.actual == v["appid"]
    assert caught.value.expected == "wxother"


@pytest.mark.parametrize(
    ("session_key", "iv", "mutate"),
    [
        pytest.param("AAAAAAAAAAAAAAAAAAAAAA==", None, None, id="stale-session-key"),
        pytest.param(None, "AAAAAAAAAAAAAAAAAAAAAA==", None, id="wrong-iv"),
        pytest.param(None, None, "truncate", id="truncated-ciphertext"),
        pytest.param(None, None, "not-base64", id="not-base64"),
        pytest.param("c2hvcnQ=", None, None, id="short-key"),
    ],
)
def test_decrypt_user_data_gives_one_answer_for_every_failure(
    session_key: str | None, iv: str | None, mutate: str | None
) -> None:
    v = VECTORS["encrypted_data"]
    data = v["encrypted_data"]
    if mutate == "truncate":
        data = base64.b64encode(base64.b64decode(data)[:-5]).decode()
    elif mutate == "not-base64":
        data = "%%%" + data
    with pytest.raises(OpenDataUndecryptable):
        decrypt_user_data(
            data,
            iv or v["iv"],
            session_key=SessionKey(session_key or v["session_key"]),
            appid=v["appid"],
        )


def test_encrypt_user_data_round_trips_through_decrypt() -> None:
    key = SessionKey(base64.b64encode(bytes(range(16))).decode())
    iv = bytes(range(16, 32))
    payload = {"openId": "o1", "watermark": {"appid": "wx1", "timestamp": 1}}
    sealed = encrypt_user_data(payload, session_key=key, iv=iv)
    opened = decrypt_user_data(sealed, base64.b64encode(iv).decode(), session_key=key, appid="wx1")
    assert opened == payload


def test_session_key_never_prints_or_encodes_its_value() -> None:
    secret = VECTORS["encrypted_data"]["session_key"]
    key = SessionKey(secret)
    assert secret not in repr(key)
    assert secret not in str(key)
    assert secret not in f"{key}"
    assert secret not in repr({"k": key})
    with pytest.raises(TypeError):
        msgspec.json.encode({"session_key": key})
    assert key.reveal() == secret
