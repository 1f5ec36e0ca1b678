"""The feature joint: services built by type on first use, mistakes named at start-up, controllers given
exactly their declared services, and background jobs started and stopped the same bounded way."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import ImproperlyConfiguredException

from backend import background
from backend.access import ANYONE
from backend.app import create_app
from backend.background import BackgroundWork, Periodic
from backend.feature import Feature
from backend.settings import Settings
from backend.wiring import Wiring, WiringError
from tests.backend.conftest import http_client
from tests.services import Services, app_with


class Alpha:
    def __init__(self, beta: Beta) -> None:
        self.beta = beta


class Beta:
    def __init__(self, gamma: Gamma | None = None) -> None:
        self.gamma = gamma


class Gamma:
    def __init__(self, alpha: Alpha) -> None:
        self.alpha = alpha


class Counter(msgspec.Struct, frozen=True, kw_only=True):
    start: int = 0


def _wiring(services: Services, *features: Feature) -> Wiring:
    return Wiring(services.settings, features, infrastructure=services.wiring.infra)


def test_services_are_built_on_first_use_in_any_order_and_once(services: Services) -> None:
    # Alpha's feature comes first in the list, though it needs Beta from the one after it.
    alpha = Feature(name="alpha", services={Alpha: lambda w: Alpha(w.get(Beta))})
    beta = Feature(name="beta", services={Beta: lambda w: Beta()})
    wiring = _wiring(services, alpha, beta)
    built = wiring.get(Alpha)
    assert built.beta is wiring.get(Beta)
    assert wiring.get(Alpha) is built


def test_a_cycle_is_named_at_start_up(services: Services) -> None:
    wiring = _wiring(
        services,
        Feature(name="alpha", services={Alpha: lambda w: Alpha(w.get(Beta))}),
        Feature(name="beta", services={Beta: lambda w: Beta(w.get(Gamma))}),
        Feature(name="gamma", services={Gamma: lambda w: Gamma(w.get(Alpha))}),
    )
    with pytest.raises(WiringError, match="Alpha → Beta → Gamma → Alpha"):
        wiring.build_all()


def test_a_service_nobody_builds_and_one_built_twice_are_refused(services: Services) -> None:
    with pytest.raises(WiringError, match="no feature builds Beta"):
        _wiring(services, Feature(name="alpha", services={Alpha: lambda w: Alpha(w.get(Beta))})).build_all()
    with pytest.raises(WiringError, match="Beta is built by both one and two"):
        _wiring(
            services,
            Feature(name="one", services={Beta: lambda w: Beta()}),
            Feature(name="two", services={Beta: lambda w: Beta()}),
        )
    with pytest.raises(WiringError, match="unique"):
        _wiring(services, Feature(name="same"), Feature(name="same"))


def test_a_feature_section_is_its_configured_value_or_its_defaults(services: Services) -> None:
    feature = Feature(name="counter", settings=Counter)
    assert _wiring(services, feature).section(Counter) == Counter()
    configured = msgspec.structs.replace(services.settings, features={"counter": Counter(start=7)})
    wiring = Wiring(configured, (feature,), infrastructure=services.wiring.infra)
    assert wiring.section(Counter).start == 7


@get("/probe/given", sync_to_thread=False, access=ANYONE)
def given(beta: NamedDependency[Beta]) -> dict[str, bool]:
    return {"beta": isinstance(beta, Beta)}


@get("/probe/not-given", sync_to_thread=False, access=ANYONE)
def not_given(beta: NamedDependency[Beta]) -> dict[str, bool]:
    return {"beta": True}


async def test_controllers_receive_exactly_the_services_their_feature_declares(
    settings: Settings, services: Services
) -> None:
    first = Feature(
        name="first", routes=(given,), services={Beta: lambda w: Beta()}, dependencies={"beta": Beta}
    )
    app = create_app(settings, features=(first,), wiring=_wiring(services, first))
    async with http_client(app) as client:
        assert (await client.get("/probe/given")).json() == {"beta": True}
    # Another feature's controller asking for "beta" without declaring it gets nothing: each feature's
    # router provides only its own dependencies, and Litestar refuses the app at build time.
    second = Feature(name="second", routes=(not_given,))
    with pytest.raises(ImproperlyConfiguredException, match="'beta' for 'not_given'"):
        create_app(settings, features=(first, second), wiring=_wiring(services, first, second))


class _Job:
    """A consumer-style job: runs until stopped, then drains what it holds."""

    def __init__(self) -> None:
        self.name = "probe job"
        self.stopping = asyncio.Event()
        self.drained = False

    async def run(self) -> None:
        await self.stopping.wait()

    def stop(self) -> None:
        self.stopping.set()

    async def drain(self) -> None:
        self.drained = True


async def test_jobs_start_together_and_stop_together_with_their_last_step() -> None:
    ticks: list[int] = []

    async def step() -> None:
        ticks.append(1)

    job = _Job()
    work = BackgroundWork([job, Periodic("probe loop", every=3600, step=step, immediately=True)])
    await work.start()
    await asyncio.sleep(0.01)
    await work.stop()
    assert ticks == [1]
    assert job.drained


async def test_a_stop_that_lands_before_a_job_first_runs_still_ends_it() -> None:
    loop = Periodic("never ticks", every=3600, step=lambda: asyncio.sleep(0))
    work = BackgroundWork([loop])
    await work.start()  # the task exists but has not run yet
    await asyncio.wait_for(work.stop(), timeout=5)


async def test_a_failing_step_is_survived_and_retried() -> None:
    calls: list[int] = []
    third = asyncio.Event()

    async def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionResetError("database went away")
        if len(calls) == 3:
            third.set()

    work = BackgroundWork([Periodic("flaky", every=0.01, step=flaky, immediately=True)])
    await work.start()
    await asyncio.wait_for(third.wait(), timeout=5)
    await work.stop()
    assert len(calls) >= 3


async def test_a_job_that_will_not_stop_is_abandoned_after_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "STOP_TIMEOUT", 0.05)

    class Stubborn(_Job):
        def stop(self) -> None:
            return None  # ignores the signal

    job = Stubborn()
    work = BackgroundWork([job])
    await work.start()
    await asyncio.wait_for(work.stop(), timeout=5)
    assert job.drained


async def test_apps_sharing_a_wiring_share_its_one_set_of_jobs(
    settings: Settings, services: Services
) -> None:
    # The session's app and any test app over the same wiring: one set of jobs, started and stopped
    # by the wiring's lifespan (a second set would run on after the store and pool closed).
    jobs = services.wiring.background
    app_with(services)
    create_app(settings, features=services.wiring.features, wiring=services.wiring)
    assert services.wiring.background is jobs


def test_a_feature_cannot_shadow_the_principal_or_claim_a_guard_state_key(
    settings: Settings, services: Services
) -> None:
    shadow = Feature(
        name="shadow", routes=(given,), services={Beta: lambda w: Beta()}, dependencies={"principal": Beta}
    )
    with pytest.raises(WiringError, match="reserved"):
        create_app(settings, features=(shadow,), wiring=_wiring(services, shadow))
    claim = Feature(name="claim", services={Beta: lambda w: Beta()}, state={"auth.tokens": Beta})
    features = (*services.wiring.features, claim)
    with pytest.raises(WiringError, match=r"auth\.tokens"):
        create_app(
            settings,
            features=features,
            wiring=Wiring(settings, features, infrastructure=services.wiring.infra),
        )
