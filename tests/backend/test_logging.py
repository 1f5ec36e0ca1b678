"""Log lines are JSON, carry the request id, and never carry a full ID number or phone number."""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import os
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Request, get

from backend.access import ANYONE
from backend.base32 import base32_80
from backend.observability.logs import JsonFormatter
from backend.observability.masking import mask_id_number, mask_phone, scrub
from backend.observability.middleware import forwarded_client, new_request_id
from backend.settings import Settings
from tests.services import Services, app_with


def test_masks_keep_only_the_ends() -> None:
    assert mask_id_number("321302199001011234") == "3213**********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_scrub_masks_id_numbers_and_phones_inside_text() -> None:
    text = "register 32130219900101123X phone 13812345678 order 20261124000001"
    assert scrub(text) == "register 3213**********123X phone 138****5678 order 20261124000001"


@pytest.mark.parametrize(
    "message",
    [
        "line one\n13812345678",
        "tab\t321302199001011234",
        "caller +8613812345678",
        "id321302199001011234",
    ],
)
def test_formatter_masks_numbers_next_to_escapes_letters_and_country_codes(message: str) -> None:
    record = logging.LogRecord("backend.test", logging.INFO, __file__, 1, message, (), None)
    line = JsonFormatter().format(record)
    assert "13812345678" not in line
    assert "321302199001011234" not in line


def test_formatter_emits_json_with_request_id_and_masks_personal_data() -> None:
    record = logging.LogRecord(
        "backend.test", logging.INFO, __file__, 1, "citizen %s", ("321302199001011234",), None
    )
    record.phone = "13812345678"
    record.request_id = "req-1"
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["request_id"] == "req-1"
    assert entry["msg"] == "citizen 3213**********1234"
    assert entry["phone"] == "138****5678"
    assert "321302199001011234" not in line


async def test_request_id_is_accepted_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"x-request-id": "gate-17.req-0001"})
    assert response.headers["x-request-id"] == "gate-17.req-0001"


def test_a_generated_request_id_is_never_taken_for_personal_data_by_the_scrub() -> None:
    # Hex ids held a mobile-number-shaped run about once in 2,000; the scrub then masked the log line's
    # id, which no longer matched the X-Request-ID the client was given.
    ids = [new_request_id() for _ in range(10_000)]
    assert [i for i in ids if scrub(i) != i] == []
    assert len(set(ids)) == len(ids)
    assert {len(i) for i in ids} == {16}


def test_a_request_id_is_the_base32_of_its_80_bits() -> None:
    samples = [bytes(10), b"\xff" * 10, bytes(range(10))] + [os.urandom(10) for _ in range(5_000)]
    assert [base32_80(raw) for raw in samples] == [base64.b32encode(raw).decode().lower() for raw in samples]
    with pytest.raises(ValueError, match="exactly 10 bytes"):
        base32_80(bytes(11))


async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"x-request-id": "bad id\nwith newline"})
    assert response.headers["x-request-id"] != "bad id\nwith newline"
    assert len(response.headers["x-request-id"]) == 16


async def test_access_line_for_an_error_carries_the_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="backend.access"):
        response = await client.get(
            "/api/v1/citizens/321302199001011234", headers={"x-request-id": "trace-me"}
        )
    assert response.status_code == 404
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "backend.access"]
    assert any('"request_id":"trace-me"' in line for line in lines)
    assert not any("321302199001011234" in line for line in lines)


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # Not from our proxy: the header is the caller's own claim and is ignored.
        ("203.0.113.9", b"10.9.9.9", "203.0.113.9"),
        # From our proxy: the hop it appended is the client.
        ("10.0.0.2", b"198.51.100.7", "198.51.100.7"),
        # A forged left-most entry doesn't move the answer past the proxy's own hop.
        ("10.0.0.2", b"1.2.3.4, 198.51.100.7", "198.51.100.7"),
        # Two layers of our proxies.
        ("10.0.0.2", b"198.51.100.7, 10.0.0.3", "198.51.100.7"),
        # Garbage stops the walk at the last good hop.
        ("10.0.0.2", b"nonsense", "10.0.0.2"),
    ],
)
def test_client_address_is_taken_from_trusted_proxies_only(
    peer: str, forwarded_for: bytes, client: str
) -> None:
    trusted = (ipaddress.ip_network("10.0.0.0/24"),)
    assert forwarded_client(peer, forwarded_for, trusted) == client


@get("/_test/whoami", sync_to_thread=False, access=ANYONE)
def whoami(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {"client": request.client.host if request.client else ""}


async def test_app_behind_a_trusted_proxy_sees_the_forwarded_client(
    settings: Settings, services: Services
) -> None:
    behind = msgspec.structs.replace(
        settings, http=msgspec.structs.replace(settings.http, trusted_proxies=("127.0.0.0/8",))
    )
    app = app_with(services, whoami, settings=behind)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 4321))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        forwarded = await client.get("/_test/whoami", headers={"x-forwarded-for": "198.51.100.7"})
        direct = await client.get("/_test/whoami")
    assert forwarded.json() == {"client": "198.51.100.7"}
    assert direct.json() == {"client": "127.0.0.1"}
