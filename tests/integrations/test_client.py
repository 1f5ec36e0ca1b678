"""UpstreamClient behaviour that needs exact control of the answer (httpx.MockTransport)."""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx
import msgspec
import pytest

from integrations import (
    AuditEvent,
    ManualClock,
    RetryPolicy,
    UpstreamClient,
    UpstreamConfig,
    UpstreamMalformed,
    UpstreamRejected,
    UpstreamUnavailable,
)


class Answer(msgspec.Struct):
    value: int


def make_client(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    audit: list[AuditEvent] | None = None,
    **overrides: object,
) -> tuple[UpstreamClient, ManualClock]:
    clock = ManualClock()
    config = msgspec.convert(
        {"base_url": "http://upstream.test/base", "app_key": "k", "app_secret": "s", **overrides},
        UpstreamConfig,
        from_attributes=True,
    )
    events = audit if audit is not None else []
    client = UpstreamClient(
        config,
        system="unit",
        transport=httpx.MockTransport(handler),
        clock=clock,
        rng=random.Random(1),
        audit=events.append,
    )
    return client, clock


async def test_retry_after_is_honoured_when_within_the_cap() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "3"})
        return httpx.Response(200, json={"value": 1})

    client, clock = make_client(handler)
    answer = await client.call("GET", "/x", operation="x", response_type=Answer)
    assert answer.value == 1
    assert clock.sleeps == [3.0]


async def test_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": "120"})

    client, clock = make_client(handler)
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.request("GET", "/x", operation="x")
    assert caught.value.retry_after == 120.0
    assert clock.sleeps == []


async def test_post_without_key_is_not_retried_after_a_read_timeout() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadTimeout("slow", request=request)

    client, _ = make_client(handler)
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.request("POST", "/x", operation="x", json={})
    assert (caught.value.reason, len(calls)) == ("read_timeout", 1)


async def test_idempotency_key_is_sent_and_makes_post_retryable() -> None:
    keys: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers.get("Idempotency-Key"))
        raise httpx.ReadTimeout("slow", request=request)

    client, _ = make_client(handler)
    with pytest.raises(UpstreamUnavailable):
        await client.request("POST", "/x", operation="x", json={}, idempotency_key="abc")
    assert keys == ["abc", "abc", "abc"]


async def test_each_attempt_is_signed_with_a_fresh_nonce() -> None:
    nonces: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        nonces.append(request.headers["X-Nonce"])
        return httpx.Response(502)

    client, _ = make_client(handler)
    with pytest.raises(UpstreamUnavailable):
        await client.request("GET", "/x", operation="x")
    assert len(set(nonces)) == 3


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (httpx.ConnectTimeout, "connect_timeout"),
        (httpx.PoolTimeout, "pool_timeout"),
        (httpx.WriteTimeout, "write_timeout"),
        (httpx.ConnectError, "connect_error"),
        (httpx.RemoteProtocolError, "transport_error"),
        (httpx.ReadError, "transport_error"),
    ],
)
async def test_httpx_transport_errors_become_unavailable(
    exc: type[httpx.TransportError], reason: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    client, _ = make_client(handler, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.request("GET", "/x", operation="x")
    assert caught.value.reason == reason
    assert caught.value.__cause__ is None  # no httpx object rides along


async def test_answer_of_the_wrong_shape_is_malformed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": "not a number"})

    client, _ = make_client(handler)
    with pytest.raises(UpstreamMalformed) as caught:
        await client.call("GET", "/x", operation="x", response_type=Answer)
    assert caught.value.code == "malformed_response"
    assert "$.value" in caught.value.detail


async def test_rejection_carries_the_upstream_code_and_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"code": 10042, "message": "no permission"})

    events: list[AuditEvent] = []
    client, _ = make_client(handler, audit=events)
    with pytest.raises(UpstreamRejected) as caught:
        await client.request("GET", "/x", operation="x")
    assert (caught.value.code, caught.value.upstream_message) == ("10042", "no permission")
    assert (events[-1].outcome, events[-1].upstream_code) == ("rejected", "10042")


async def test_rejection_without_a_json_body_uses_the_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>not found</html>")

    client, _ = make_client(handler)
    with pytest.raises(UpstreamRejected) as caught:
        await client.request("GET", "/x", operation="x")
    assert caught.value.code == "http_404"


async def test_redirects_are_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/"})

    client, _ = make_client(handler)
    with pytest.raises(UpstreamRejected) as caught:
        await client.request("GET", "/x", operation="x")
    assert caught.value.status_code == 302


async def test_failing_audit_hook_does_not_change_the_outcome() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": 2})

    def broken(event: AuditEvent) -> None:
        raise RuntimeError("ledger down")

    client = UpstreamClient(
        UpstreamConfig(base_url="http://upstream.test"),
        system="unit",
        transport=httpx.MockTransport(handler),
        clock=ManualClock(),
        audit=broken,
    )
    answer = await client.call("GET", "/x", operation="x", response_type=Answer)
    assert answer.value == 2


async def test_query_parameters_are_part_of_the_signed_target() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json={"value": 3})

    client, _ = make_client(handler)
    await client.call("GET", "/x", operation="x", params={"q": "宿迁"}, response_type=Answer)
    assert seen == ["/base/x?q=%E5%AE%BF%E8%BF%81"]


def test_config_repr_hides_the_secret() -> None:
    config = UpstreamConfig(base_url="http://x", app_key="key", app_secret="top-secret")
    assert "top-secret" not in repr(config)
