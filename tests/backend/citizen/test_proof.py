"""The registrant must be the person: the operators' real-name check, else a face verification read
server-side from the platform (issue 21, rows 1 and 8)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from backend.audit.tables import AuditEntry
from backend.citizen.repository import CitizenRepository, DuplicateCitizen, NewCitizen
from integrations.sandbox import Faults
from tests.backend.citizen.factories import (
    add_person,
    face_verification,
    random_phone,
    register,
    request_code,
    scan_face,
    virtual_operator_phone,
)
from tests.services import Services

REGISTER = "/api/v1/auth/register"


def _body(person: dict[str, str], **proof: str) -> dict[str, str]:
    return {"phone": person["phone"], "name": person["name"], "id_number": person["id_number"], **proof}


async def _attempt(web: httpx.AsyncClient, person: dict[str, str]) -> httpx.Response:
    code = await request_code(web, person["phone"], "register")
    return await web.post(REGISTER, json=_body(person, sms_code=code))


@contextmanager
def _down(services: Services, system: str) -> Iterator[None]:
    assert services.upstreams.sandbox is not None
    twin = services.upstreams.sandbox.twins[system]
    twin.faults.faults = Faults(down=True)
    try:
        yield
    finally:
        twin.faults.faults = Faults()


async def test_a_stranger_cannot_register_someone_elses_identity_with_their_own_phone(
    web: httpx.AsyncClient,
) -> None:
    victim = await add_person(web)
    attacker = await add_person(web)  # a real person, whose phone is registered to them
    as_victim = {**victim, "phone": attacker["phone"]}
    face = face_verification(await _attempt(web, as_victim))
    await scan_face(web, face["verification_id"], passes=False)  # not the victim's face
    refused = await web.post(REGISTER, json=_body(as_victim, face_ticket=face["ticket"]))
    assert refused.status_code == 422
    assert refused.json()["code"] == "citizen.face_verification_failed"
    burnt = await web.post(REGISTER, json=_body(as_victim, face_ticket=face["ticket"]))
    assert burnt.json()["code"] == "citizen.face_ticket_invalid"
    # The identity is still free for its owner, with the phone that is theirs.
    assert (await _attempt(web, victim)).status_code == 201


async def test_a_phone_without_a_real_name_record_registers_after_a_passed_face_scan(
    web: httpx.AsyncClient,
) -> None:
    person = {**await add_person(web), "phone": random_phone()}
    face = face_verification(await _attempt(web, person))
    assert face["expires_in"] == 900
    pending = await web.post(REGISTER, json=_body(person, face_ticket=face["ticket"]))
    assert (pending.status_code, pending.json()["code"]) == (409, "citizen.face_verification_pending")
    await scan_face(web, face["verification_id"], passes=True)
    registered = await web.post(REGISTER, json=_body(person, face_ticket=face["ticket"]))
    assert registered.status_code == 201, registered.text
    again = await web.post(REGISTER, json=_body(person, face_ticket=face["ticket"]))
    assert again.status_code != 201
    row = (
        await AuditEntry.select(AuditEntry.data)
        .where(
            (AuditEntry.action == "citizen.registered")
            & (AuditEntry.subject == f"citizen:{registered.json()['citizen']['id']}")
        )
        .first()
    )
    assert row is not None
    assert '"proof":"face"' in row["data"].replace(" ", "")
    assert person["id_number"] not in row["data"]


async def test_a_virtual_operators_number_falls_to_face_verification(web: httpx.AsyncClient) -> None:
    person = await add_person(web, phone=virtual_operator_phone())  # registered to them, but unanswerable
    face_verification(await _attempt(web, person))


async def test_a_face_ticket_proves_only_the_phone_and_identity_it_was_issued_for(
    web: httpx.AsyncClient,
) -> None:
    person = {**await add_person(web), "phone": random_phone()}
    other = await add_person(web)
    face = face_verification(await _attempt(web, person))
    await scan_face(web, face["verification_id"], passes=True)
    for changed in ({**person, "phone": random_phone()}, {**other, "phone": person["phone"]}):
        response = await web.post(REGISTER, json=_body(changed, face_ticket=face["ticket"]))
        assert (response.status_code, response.json()["code"]) == (422, "citizen.face_ticket_invalid")
    both = await web.post(REGISTER, json=_body(person, sms_code="123456", face_ticket=face["ticket"]))
    assert both.json()["code"] == "citizen.phone_proof_missing"
    assert (await web.post(REGISTER, json=_body(person, face_ticket=face["ticket"]))).status_code == 201


async def test_a_registered_id_number_is_not_disclosed_before_the_name_and_phone_are_checked(
    web: httpx.AsyncClient,
) -> None:
    owner = (await register(web))["_person"]
    stranger = await add_person(web)
    wrong_name = await _attempt(web, {**owner, "name": owner["name"] + "某", "phone": stranger["phone"]})
    assert (wrong_name.status_code, wrong_name.json()["code"]) == (422, "citizen.identity_mismatch")
    right_name = await _attempt(web, {**owner, "phone": random_phone()})
    assert right_name.json()["code"] == "citizen.face_verification_required"


async def test_an_unavailable_operator_check_or_face_service_is_503(
    services: Services, web: httpx.AsyncClient
) -> None:
    person = await add_person(web)
    with _down(services, "telecom"):
        response = await _attempt(web, person)
    assert (response.status_code, response.json()["code"]) == (503, "citizen.operator_check_unavailable")
    assert response.headers["retry-after"]
    stranger = {**await add_person(web), "phone": random_phone()}
    with _down(services, "faceverify"):
        response = await _attempt(web, stranger)
    assert (response.status_code, response.json()["code"]) == (503, "citizen.face_verification_unavailable")


async def test_face_verifications_for_one_identity_and_phone_are_capped_per_day(
    web: httpx.AsyncClient,
) -> None:
    person = {**await add_person(web), "phone": random_phone()}
    codes = [(await _attempt(web, person)).json()["code"] for _ in range(4)]
    assert codes == ["citizen.face_verification_required"] * 3 + ["citizen.face_verification_rate_limited"]


async def test_the_database_lets_one_face_verification_make_one_citizen(services: Services) -> None:
    # The store's ticket is dropped after the commit; should it outlive it, the unique index refuses.
    repository, now, verification = (
        CitizenRepository(services.engine),
        services.clock.now(),
        secrets.token_hex(9),
    )

    def citizen() -> NewCitizen:
        return NewCitizen(
            id=uuid.uuid4(),
            name_sealed="sealed",
            id_number_sealed="sealed",
            id_number_index=secrets.token_hex(32),
            phone_sealed="sealed",
            phone_index=secrets.token_hex(32),
            password_hash=None,
            verified_at=now,
            created_at=now,
            face_verification=verification,
        )

    await repository.add(citizen())
    with pytest.raises(DuplicateCitizen):
        await repository.add(citizen())
