"""Log lines are JSON, carry the request id, and never carry a full ID number or phone number."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from backend.observability.logs import JsonFormatter
from backend.observability.masking import mask_id_number, mask_phone, scrub


def test_masks_keep_only_the_ends() -> None:
    assert mask_id_number("321302199001011234") == "3213**********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_scrub_masks_id_numbers_and_phones_inside_text() -> None:
    text = "register 32130219900101123X phone 13812345678 order 20261124000001"
    assert scrub(text) == "register 3213**********123X phone 138****5678 order 20261124000001"


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
