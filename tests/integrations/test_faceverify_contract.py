"""The face verification adapter against its twin over loopback HTTP; the twin's control route plays
the citizen's face scan in the platform SDK."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from integrations import InvalidIdNumber, UpstreamRejected, UpstreamUnavailable
from integrations._seed import NAMED_RESIDENTS
from integrations.faceverify import FaceVerifyClient
from integrations.faceverify.twin import VERIFICATION_TTL

from .conftest import GovRig, GovRigFactory

ZHANG = NAMED_RESIDENTS[0]
BOUND = 10.0


async def _scan(rig: GovRig, verification_id: str, **body: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
        return await http.post(f"/faceverify/verifications/{verification_id}/scan", json=body)


async def test_a_passed_scan_is_read_back_with_the_identity_it_was_for(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        face = rig.adapter(FaceVerifyClient)
        session = await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0001")
        pending = await face.result(session.verification_id)
        scanned = await _scan(rig, session.verification_id, outcome="pass")
        passed = await face.result(session.verification_id)
    assert session.outer_id == "outer-0001"
    assert pending.status == "pending"
    assert scanned.status_code == 200
    assert (passed.status, passed.name, passed.id_number, passed.outer_id) == (
        "passed",
        "张伟",
        ZHANG.id_number,
        "outer-0001",
    )
    assert passed.similarity is not None
    assert passed.similarity > 0.9
    assert ZHANG.id_number not in repr(passed)


@pytest.mark.parametrize("failure", ["face_mismatch", "liveness_failed"])
async def test_a_failed_scan_is_failed_with_its_reason_and_cannot_be_rescanned(
    failure: str, gov_rig: GovRigFactory
) -> None:
    async with gov_rig() as rig:
        face = rig.adapter(FaceVerifyClient)
        session = await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0002")
        await _scan(rig, session.verification_id, outcome="fail", failure=failure)
        rescan = await _scan(rig, session.verification_id, outcome="pass")
        result = await face.result(session.verification_id)
    assert (result.status, result.failure) == ("failed", failure)
    assert (rescan.status_code, rescan.json()["code"]) == (409, "verification_failed")


async def test_an_unscanned_verification_expires(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        face = rig.adapter(FaceVerifyClient)
        session = await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0003")
        rig.clock.advance(VERIFICATION_TTL + 1)
        late = await _scan(rig, session.verification_id, outcome="pass")
        result = await face.result(session.verification_id)
    assert result.status == "expired"
    assert late.status_code == 409


async def test_opening_again_with_the_same_outer_id_returns_the_same_verification(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        face = rig.adapter(FaceVerifyClient)
        first = await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0004")
        again = await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0004")
        other = await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0005")
    assert first == again
    assert other.verification_id != first.verification_id


async def test_an_unknown_verification_is_rejected(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(FaceVerifyClient).result("FV0000000000000000")
    assert (caught.value.code, caught.value.status_code) == ("verification_not_found", 404)


async def test_an_invalid_id_number_is_refused_before_any_call(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(InvalidIdNumber):
            await rig.adapter(FaceVerifyClient).start(
                name="张伟", id_number=ZHANG.id_number[:17] + "Y", outer_id="outer-0006"
            )
        assert rig.twin_state("faceverify").started == 0


async def test_an_unsigned_call_is_rejected_by_the_twin(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        face = rig.adapter(FaceVerifyClient, app_secret="wrong-secret")
        with pytest.raises(UpstreamRejected) as caught:
            await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0007")
    assert (caught.value.code, caught.value.status_code) == ("signature_invalid", 401)


async def test_opening_is_retried_on_unavailability_and_opens_one_verification(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        rig.set_faults("faceverify", down=True)
        face = rig.adapter(FaceVerifyClient)
        with pytest.raises(UpstreamUnavailable) as caught:
            await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0008")
        assert rig.audit[-1].attempts == 3
        rig.set_faults("faceverify")
        await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0008")
        await face.start(name="张伟", id_number=ZHANG.id_number, outer_id="outer-0008")
        assert rig.twin_state("faceverify").started == 1
    assert caught.value.reason == "http_503"


async def test_a_slow_service_is_cut_off_by_the_read_timeout(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("faceverify", latency_ms=1500)
        face = rig.adapter(FaceVerifyClient, read_timeout=0.1)
        with pytest.raises(UpstreamUnavailable) as caught:
            await asyncio.wait_for(face.result("FV0000000000000000"), BOUND)
    assert caught.value.reason == "read_timeout"
