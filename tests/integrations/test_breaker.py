"""The circuit breaker state machine on a manual clock."""

from __future__ import annotations

from integrations import BreakerPolicy, CircuitBreaker, ManualClock


def state_of(breaker: CircuitBreaker) -> str:
    # A call, not an attribute, so mypy does not narrow the state across transitions.
    return breaker.state.value


def make_breaker(**overrides: float) -> tuple[CircuitBreaker, ManualClock]:
    clock = ManualClock()
    policy = BreakerPolicy(**overrides)  # type: ignore[arg-type]
    return CircuitBreaker(policy, clock=clock), clock


def test_opens_when_failure_rate_reaches_threshold_over_min_calls() -> None:
    breaker, _ = make_breaker(window=10, min_calls=10, failure_rate=0.5, consecutive_failures=99)
    for _ in range(5):
        breaker.record_success()
        breaker.record_failure()
    assert state_of(breaker) == "open"


def test_stays_closed_below_min_calls_even_if_all_failed() -> None:
    breaker, _ = make_breaker(min_calls=10, consecutive_failures=99)
    for _ in range(9):
        breaker.record_failure()
    assert state_of(breaker) == "closed"


def test_opens_after_consecutive_failures() -> None:
    breaker, _ = make_breaker(consecutive_failures=3)
    for _ in range(3):
        breaker.record_failure()
    assert state_of(breaker) == "open"
    assert breaker.allow() == 30.0


def test_success_resets_the_consecutive_count() -> None:
    breaker, _ = make_breaker(consecutive_failures=3)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert state_of(breaker) == "closed"


def test_half_open_admits_only_the_configured_number_of_probes() -> None:
    breaker, clock = make_breaker(consecutive_failures=1, half_open_probes=1, open_seconds=30)
    breaker.record_failure()
    clock.advance(30)
    assert state_of(breaker) == "half_open"
    assert breaker.allow() is None
    assert breaker.allow() == 0.0  # second concurrent probe refused


def test_cancelled_probe_gives_its_slot_back() -> None:
    breaker, clock = make_breaker(consecutive_failures=1)
    breaker.record_failure()
    clock.advance(30)
    assert breaker.allow() is None
    breaker.release()
    assert breaker.allow() is None


def test_probe_success_closes_and_failure_restarts_cooldown() -> None:
    breaker, clock = make_breaker(consecutive_failures=1, open_seconds=30)
    breaker.record_failure()
    clock.advance(30)
    breaker.allow()
    breaker.record_failure()
    assert state_of(breaker) == "open"
    clock.advance(29)
    assert state_of(breaker) == "open"
    clock.advance(1)
    breaker.allow()
    breaker.record_success()
    assert state_of(breaker) == "closed"
