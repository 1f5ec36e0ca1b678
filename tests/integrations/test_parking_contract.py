"""The parking gate adapter against its twin over loopback HTTP: gate events read by cursor, a
clearance that opens the barrier for a car waiting at the exit (once, under its key) or arms it for
one that has not reached it, and the refusals; and Chinese plate numbers."""

from __future__ import annotations

import pytest

from integrations import UpstreamRejected
from integrations.parking import ParkingGateClient, is_valid_plate, mask_plate, normalise_plate

from .conftest import GovRig, GovRigFactory

LOT = "SQ-P-001"


async def _control(rig: GovRig, path: str, plate: str) -> dict[str, str]:
    import httpx

    async with httpx.AsyncClient(base_url=f"{rig.base_url}/parking", trust_env=False) as web:
        answer = await web.post(path, json={"plate": plate})
        assert answer.status_code in (200, 201), answer.text
        body: dict[str, str] = answer.json()
        return body


async def test_events_come_in_order_from_the_cursor(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        gate = rig.adapter(ParkingGateClient)
        await _control(rig, f"/lots/{LOT}/arrive", "苏N12345")
        await _control(rig, f"/lots/{LOT}/arrive", "苏ND12345")
        await _control(rig, f"/lots/{LOT}/depart", "苏N12345")
        first, cursor = await gate.events(after=0, limit=2)
        rest, end = await gate.events(after=cursor)
        none, same = await gate.events(after=end)
    assert [(e.kind, e.plate) for e in first + rest] == [
        ("entered", "苏N12345"),
        ("entered", "苏ND12345"),
        ("exit_requested", "苏N12345"),
    ]
    assert (cursor, end, none, same) == (2, 3, [], 3)
    assert len({e.event_id for e in first + rest}) == 3


async def test_a_clearance_opens_the_barrier_for_a_waiting_car_once(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        gate = rig.adapter(ParkingGateClient)
        await _control(rig, f"/lots/{LOT}/arrive", "苏N12345")
        assert (await _control(rig, f"/lots/{LOT}/depart", "苏N12345"))["barrier"] == "closed"
        args = {"plate": "苏N12345", "stay_ref": "S-1", "paid_fen": 500, "until": "2999-01-01T00:00:00+00:00"}
        opened = await gate.clear(LOT, idempotency_key="k-1", **args)  # type: ignore[arg-type]
        again = await gate.clear(LOT, idempotency_key="k-1", **args)  # type: ignore[arg-type]
        events, _ = await gate.events(after=0)
        with pytest.raises(UpstreamRejected) as gone:
            await gate.clear(LOT, idempotency_key="k-2", **args)  # type: ignore[arg-type]
    assert opened == again
    assert opened.barrier == "open"
    assert [e.kind for e in events] == ["entered", "exit_requested", "exited"]
    assert gone.value.code == "vehicle_not_in_lot"


async def test_a_clearance_before_the_exit_arms_the_barrier(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        gate = rig.adapter(ParkingGateClient)
        await _control(rig, f"/lots/{LOT}/arrive", "苏N8888D")
        armed = await gate.clear(
            LOT,
            plate="苏N8888D",
            stay_ref="S-2",
            paid_fen=0,
            until="2999-01-01T00:00:00+00:00",
            idempotency_key="k",
        )
        departed = await _control(rig, f"/lots/{LOT}/depart", "苏N8888D")
        events, _ = await gate.events(after=0)
    assert (armed.barrier, departed["barrier"]) == ("armed", "open")
    assert [e.kind for e in events] == ["entered", "exited"]


async def test_refusals_carry_the_platforms_codes(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        gate = rig.adapter(ParkingGateClient)
        args = {"stay_ref": "S", "paid_fen": 0, "until": "2999-01-01T00:00:00+00:00"}
        codes: list[str] = []
        for lot, plate in (("SQ-P-404", "苏N12345"), (LOT, "苏I12345"), (LOT, "苏N54321")):
            with pytest.raises(UpstreamRejected) as refused:
                await gate.clear(lot, plate=plate, idempotency_key=f"k-{len(codes)}", **args)  # type: ignore[arg-type]
            codes.append(refused.value.code)
    assert codes == ["unknown_lot", "invalid_plate", "vehicle_not_in_lot"]


@pytest.mark.parametrize(
    "plate",
    [
        "苏N12345",
        "苏NA123B",
        "京A12345",
        "苏N1234学",
        "苏ND12345",
        "苏NFA1234",
        "苏N12345D",
        "粤B12345F",
        "苏n·12345",
    ],
)
def test_well_formed_plates_are_accepted(plate: str) -> None:
    assert is_valid_plate(plate)


@pytest.mark.parametrize(
    "plate",
    [
        "",
        "苏N1234",
        "苏N123456",
        "苏I12345",
        "苏N1234O",
        "X N12345",
        "苏NL12345",
        "苏N1234DD",
        "苏N12345G",
        "苏NDI2345",
    ],
)
def test_malformed_plates_are_refused(plate: str) -> None:
    assert not is_valid_plate(plate)


def test_plates_are_normalised_and_masked() -> None:
    assert normalise_plate(" 苏n·d12345 ") == "苏ND12345"
    assert mask_plate("苏ND12345") == "苏N*****5"
