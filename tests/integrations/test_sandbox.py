"""The combined sandbox app: dispatch, control routes, in-process (embedded) use."""

from __future__ import annotations

from pathlib import Path

import httpx

from integrations import ManualClock, UpstreamConfig
from integrations._seed import NAMED_RESIDENTS
from integrations.population import PopulationClient
from integrations.sandbox import (
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    TWINS,
    create_sandbox,
)
from integrations.sms import SmsClient

from .conftest import GovRigFactory

ZHANG = NAMED_RESIDENTS[0]


def test_registry_holds_every_government_twin() -> None:
    assert {"population", "sms", "elicence", "credit", "cases", "telecom", "faceverify"} <= set(TWINS)


def test_same_seed_gives_the_same_data_and_another_seed_other_data() -> None:
    def people(seed: int) -> list[str]:
        return sorted(create_sandbox(seed=seed).twins["population"].state.people)

    assert people(1) == people(1)
    assert people(1) != people(2)
    assert ZHANG.id_number in people(2)  # named residents are there whatever the seed


async def test_adapter_works_in_process_through_asgi_transport() -> None:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock)
    config = UpstreamConfig(
        base_url="http://sandbox/population", app_key=SANDBOX_APP_KEY, app_secret=SANDBOX_APP_SECRET
    )
    transport = httpx.ASGITransport(app=sandbox)
    async with PopulationClient(config, transport=transport, clock=clock) as population:
        assert await population.verify(name="张伟", id_number=ZHANG.id_number) == "match"


async def test_unknown_system_and_unknown_route_answer_404(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig, httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
        unknown_system = await http.get("/nowhere/v1/x")
        unknown_route = await http.get("/population/v1/nothing")
    assert (unknown_system.status_code, unknown_system.json()["code"]) == (404, "unknown_system")
    assert (unknown_route.status_code, unknown_route.json()["code"]) == (404, "not_found")


async def test_faults_are_set_read_and_reset_over_http(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig, httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
        set_ = await http.post("/sms/faults", json={"down": True, "latency_ms": 5})
        read = await http.get("/sms/faults")
        bad = await http.post("/sms/faults", json={"error_rate": 2})
        unknown = await http.post("/sms/faults", json={"explode": True})
        sms = rig.adapter(SmsClient)
        down_status = (await http.post("/sms/v1/sms/send", json={})).status_code
        await http.post("/sms/faults/reset")
        receipt = await sms.send("13805270001", "SQ_VERIFY_CODE", {"code": "1"})
    assert set_.status_code == 200
    assert read.json() == {"latency_ms": 5, "error_rate": 0.0, "down": True, "error_status": 503}
    assert (bad.status_code, unknown.status_code) == (400, 400)
    assert down_status == 503
    assert receipt.status == "accepted"


async def test_faults_on_one_twin_leave_the_others_alone(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("sms", down=True)
        population = rig.adapter(PopulationClient)
        assert await population.verify(name="张伟", id_number=ZHANG.id_number) == "match"


async def test_api_routes_demand_a_signature_but_control_routes_do_not(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig, httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
        unsigned = await http.post(
            "/population/v1/identity/verify", json={"name": "张伟", "id_number": ZHANG.id_number}
        )
        control = await http.get("/sms/outbox")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "signature_invalid")
    assert control.status_code == 200


async def test_twin_bug_answers_500_instead_of_raising(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig, httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
        rig.twin_state("cases").cases["SQ1"] = object()  # corrupt state on purpose
        response = await http.post("/cases/applications/SQ1/advance", json={"status": "accepted"})
    assert (response.status_code, response.json()["code"]) == (500, "internal_error")


def test_readme_lists_every_named_resident_as_seeded() -> None:
    readme = (Path(__file__).parents[2] / "integrations" / "README.md").read_text("utf-8")
    for person in NAMED_RESIDENTS:
        assert f"| {person.name} | `{person.id_number}` | {person.phone} |" in readme
