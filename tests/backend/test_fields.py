"""Shared field types accept exactly the canonical form: no trailing newline, no Unicode digits, no NUL."""

from __future__ import annotations

from typing import Annotated

import httpx
import msgspec
import pytest

from backend.fields import Phone, SmsCode, plain_text, token_text


class Form(msgspec.Struct):
    phone: Phone
    code: SmsCode
    username: Annotated[str, token_text(r"[a-z0-9]+", max_length=16)]
    venue: Annotated[str, plain_text(max_length=32)]


GOOD = {"phone": "13805270002", "code": "123456", "username": "gate7", "venue": "宿城区图书馆 2F"}


def test_canonical_values_decode() -> None:
    assert msgspec.convert(GOOD, Form).phone == "13805270002"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "13805270002\n"),
        ("phone", "١٣٨٠٥٢٧٠٠٠٢"),  # Arabic-Indic digits
        ("phone", "１３８０５２７０００２"),  # full-width digits
        ("phone", " 13805270002"),
        ("code", "123456\n"),
        ("code", "١٢٣٤٥٦"),
        ("username", "gate7\n"),
        ("venue", "hall\x00"),
        ("venue", "hall\x1b[31m"),
    ],
)
def test_variants_of_a_value_are_refused(field: str, value: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({**GOOD, field: value}, Form)


@pytest.mark.parametrize("phone", ["13805270002\n", "١٣٨٠٥٢٧٠٠٠٢"])
async def test_sms_code_request_with_a_phone_variant_is_invalid(
    client: httpx.AsyncClient, phone: str
) -> None:
    response = await client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": "login"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "request.invalid"
    assert [error["key"] for error in body["errors"]] == ["phone"]
