"""Timeouts, retries, the breaker and the error taxonomy, against twins over loopback HTTP.

Every call that could hang is wrapped in ``asyncio.wait_for`` with a generous bound: the
test proves the call *ends* with our error, never how fast it was.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from integrations import (
    BreakerPolicy,
    CircuitBreaker,
    CircuitOpen,
    RetryPolicy,
    UpstreamRejected,
    UpstreamUnavailable,
)
from integrations._seed import NAMED_RESIDENTS
from integrations.population import PopulationClient
from integrations.sms import SmsClient

from .conftest import GovRigFactory

ZHANG = NAMED_RESIDENTS[0]
BOUND = 10.0  # seconds; far above any configured timeout, only there to stop a hang


def state_of(breaker: CircuitBreaker) -> str:
    # A call, not an attribute, so mypy does not narrow the state across transitions.
    return breaker.state.value


async def test_slow_upstream_is_cut_off_by_read_timeout_and_retried(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        rig.set_faults("population", latency_ms=1500)
        population = rig.adapter(PopulationClient, read_timeout=0.1)
        with pytest.raises(UpstreamUnavailable) as caught:
            await asyncio.wait_for(population.verify(name="张伟", id_number=ZHANG.id_number), BOUND)
        assert rig.audit[-1].attempts == 3
    assert caught.value.reason == "read_timeout"


async def test_deadline_bounds_the_whole_call_whatever_the_read_timeout(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        rig.set_faults("population", latency_ms=3000)
        population = rig.adapter(PopulationClient, read_timeout=30.0, total_timeout=0.2)
        with pytest.raises(UpstreamUnavailable) as caught:
            await asyncio.wait_for(population.verify(name="张伟", id_number=ZHANG.id_number), BOUND)
    assert caught.value.reason == "deadline_exceeded"


async def test_idempotent_call_is_retried_with_full_jitter_backoff(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("population", error_rate=1.0)
        population = rig.adapter(PopulationClient)
        with pytest.raises(UpstreamUnavailable) as caught:
            await population.verify(name="张伟", id_number=ZHANG.id_number)
        sleeps = list(rig.clock.sleeps)
        arrived = rig.sandbox.twins["population"].faults.arrived
    assert caught.value.reason == "http_503"
    assert arrived == 3
    # Full jitter: attempt n waits uniformly in [0, min(cap, base * 2**n)].
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5
    assert 0 <= sleeps[1] <= 1.0


async def test_retry_recovers_when_the_upstream_comes_back(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("population", error_rate=0.5)
        population = rig.adapter(PopulationClient, retry=RetryPolicy(max_attempts=8))
        outcomes = [await population.verify(name="张伟", id_number=ZHANG.id_number) for _ in range(3)]
    assert outcomes == ["match"] * 3


async def test_rejections_do_not_open_the_breaker(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient, app_secret="wrong")
        for _ in range(12):
            with pytest.raises(UpstreamRejected):
                await population.verify(name="张伟", id_number=ZHANG.id_number)
        assert state_of(population.client.breaker) == "closed"


async def test_down_upstream_opens_breaker_then_calls_fail_fast(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("population", down=True)
        population = rig.adapter(PopulationClient)
        faults = rig.sandbox.twins["population"].faults
        for _ in range(2):  # 3 attempts each; the 5th consecutive failure opens it
            with pytest.raises(UpstreamUnavailable):
                await population.verify(name="张伟", id_number=ZHANG.id_number)
        assert state_of(population.client.breaker) == "open"
        arrived_before = faults.arrived
        with pytest.raises(CircuitOpen) as caught:
            await asyncio.wait_for(population.verify(name="张伟", id_number=ZHANG.id_number), BOUND)
        assert faults.arrived == arrived_before  # failing fast: nothing was sent
        assert rig.audit[-1].outcome == "circuit_open"
    assert 0 < caught.value.retry_in <= 30.0


async def test_half_open_probe_failure_reopens_and_success_closes(gov_rig: GovRigFactory) -> None:
    policy = BreakerPolicy(consecutive_failures=2, open_seconds=30.0)
    async with gov_rig() as rig:
        rig.set_faults("population", down=True)
        population = rig.adapter(PopulationClient, breaker=policy)
        breaker = population.client.breaker
        with pytest.raises(UpstreamUnavailable):
            await population.verify(name="张伟", id_number=ZHANG.id_number)
        assert state_of(breaker) == "open"

        rig.clock.advance(30.0)
        assert state_of(breaker) == "half_open"
        with pytest.raises(UpstreamUnavailable):  # the probe reaches a still-down twin
            await population.verify(name="张伟", id_number=ZHANG.id_number)
        assert state_of(breaker) == "open"

        rig.set_faults("population")
        rig.clock.advance(30.0)
        assert await population.verify(name="张伟", id_number=ZHANG.id_number) == "match"
        assert state_of(breaker) == "closed"


async def test_connection_refused_is_unavailable_and_retried_even_for_post(
    gov_rig: GovRigFactory,
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    async with gov_rig() as rig:
        sms = rig.adapter(SmsClient, base_url=f"http://127.0.0.1:{closed_port}/sms")
        with pytest.raises(UpstreamUnavailable) as caught:
            await asyncio.wait_for(sms.send("13805270001", "SQ_VERIFY_CODE", {"code": "1"}), BOUND)
        # The request never left, so even a non-idempotent send may be retried.
        assert rig.audit[-1].attempts == 3
    assert caught.value.reason == "connect_error"


async def test_injected_rate_limit_is_unavailable(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("population", error_rate=1.0, error_status=429)
        with pytest.raises(UpstreamUnavailable) as caught:
            await rig.adapter(PopulationClient).verify(name="张伟", id_number=ZHANG.id_number)
    assert (caught.value.reason, caught.value.status_code) == ("http_429", 429)


async def test_injected_client_error_status_is_a_rejection(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("population", error_rate=1.0, error_status=400)
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(PopulationClient).verify(name="张伟", id_number=ZHANG.id_number)
        assert rig.audit[-1].attempts == 1
    assert caught.value.code == "injected_fault"
