"""Shared field types accept exactly the canonical form: no trailing newline, no Unicode digits, no NUL;
names and venues are one line of visible text."""

from __future__ import annotations

import re
import unicodedata
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


# One of each kind plain_text refuses (issue 21, row 15b): line breaks forge log and export lines, bidi
# controls make a name display as another (Trojan Source), invisible characters make look-alikes.
INVISIBLE = {
    "CR LF": "Library\r\nscanner=admin",
    "LF": "Library\nFloor 2",
    "CR": "Library\r",
    "tab": "Library\t2F",
    "DEL": "Library\x7f",
    "C1 NEL": "Library\x85",
    "C1 CSI": "Library\x9b31m",
    "LRE U+202A": "\u202aLibrary",
    "RLE U+202B": "\u202bLibrary",
    "PDF U+202C": "Library\u202c",
    "LRO U+202D": "\u202dLibrary",
    "RLO U+202E": "\u202eyrarbiL",
    "LRI U+2066": "\u2066Library\u2069",
    "RLI U+2067": "\u2067Library\u2069",
    "FSI U+2068": "\u2068Library\u2069",
    "PDI U+2069": "Library\u2069",
    "LRM U+200E": "Library\u200e",
    "RLM U+200F": "Library\u200f",
    "ALM U+061C": "Library\u061c",
    "zero-width space": "Lib\u200brary",
    "zero-width joiner": "Lib\u200drary",
    "BOM": "\ufeffLibrary",
    "soft hyphen": "Lib\u00adrary",
    "line separator U+2028": "Library\u2028Floor 2",
    "paragraph separator U+2029": "Library\u2029",
}


@pytest.mark.parametrize("value", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_plain_text_refuses_controls_line_breaks_bidi_and_format_characters(value: str) -> None:
    with pytest.raises(msgspec.ValidationError, match="venue"):
        msgspec.convert({**GOOD, "venue": value}, Form)


@pytest.mark.parametrize(
    "value",
    ["宿城区图书馆 2F", "买买提·艾力", "𠮷祥", "O'Brien-Smith", "مكتبة", "café ☕", "Gate #7 (north)"],
)
def test_plain_text_accepts_names_and_venues_as_people_write_them(value: str) -> None:
    assert msgspec.convert({**GOOD, "venue": value}, Form).venue == value


def test_plain_text_refuses_exactly_the_bmp_controls_separators_and_format_characters() -> None:
    pattern = plain_text(max_length=1).pattern
    assert pattern is not None
    allowed = re.compile(pattern)
    refused = {c for c in range(0x10000) if not allowed.search(chr(c))}
    kinds = {c for c in range(0x10000) if unicodedata.category(chr(c)) in {"Cc", "Cf", "Zl", "Zp"}}
    # Unassigned code points inside the listed ranges (U+2065) may go too; nothing visible may.
    assert kinds <= refused
    assert {unicodedata.category(chr(c)) for c in refused - kinds} <= {"Cn"}
