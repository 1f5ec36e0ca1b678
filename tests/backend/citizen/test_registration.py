"""Registration: SMS-verified phone, local ID checksum, population registry, one citizen per identity."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.audit.tables import AuditEntry
from backend.citizen.cache import CitizenCache
from backend.citizen.repository import CitizenRepository
from backend.citizen.schemas import RegisterRequest
from backend.citizen.service import CitizenService
from backend.errors import Invalid, RateLimited, Unavailable
from integrations import UpstreamUnavailable
from tests.backend.citizen.factories import (
    add_person,
    bearer,
    client_from,
    face_verification,
    random_id_number,
    random_phone,
    register,
    request_code,
    scan_face,
)
from tests.services import Services

REGISTER = "/api/v1/auth/register"


async def test_register_then_me_shows_masked_personal_data(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    person = registered["_person"]
    citizen = registered["citizen"]
    assert citizen["id_number"] == person["id_number"][:4] + "*" * 10 + person["id_number"][-4:]
    assert citizen["phone"] == person["phone"][:3] + "****" + person["phone"][-4:]
    assert citizen["name"].startswith(person["name"][0])
    assert citizen["name"] != person["name"]
    tokens = registered["tokens"]
    assert tokens["token_type"] == "Bearer"
    me = await web.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json() == citizen
    assert person["id_number"] not in me.text
    assert person["phone"] not in me.text


def _body(person: dict[str, str], code: str | None, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "phone": person["phone"],
        "sms_code": code,
        "name": person["name"],
        "id_number": person["id_number"],
        **overrides,
    }
    return {k: v for k, v in body.items() if v is not None}


async def test_bad_id_checksum_is_422_and_does_not_burn_the_code(web: httpx.AsyncClient) -> None:
    person = await add_person(web)
    code = await request_code(web, person["phone"], "register")
    broken = person["id_number"][:17] + ("0" if person["id_number"][17] != "0" else "1")
    response = await web.post(REGISTER, json=_body(person, code, id_number=broken))
    assert response.status_code == 422
    assert response.json()["code"] == "citizen.id_number_invalid"
    assert (await web.post(REGISTER, json=_body(person, code))).status_code == 201


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("mismatch", "citizen.identity_mismatch"),
        ("not_found", "citizen.identity_not_found"),
        ("deceased", "citizen.identity_deceased"),
    ],
)
async def test_population_registry_outcomes_map_to_clear_problems(
    case: str, expected: str, web: httpx.AsyncClient
) -> None:
    person = await add_person(web, deceased=case == "deceased")
    if case == "mismatch":
        person = {**person, "name": person["name"] + "某"}
    if case == "not_found":
        person = {**person, "id_number": random_id_number("321311")}
    code = await request_code(web, person["phone"], "register")
    response = await web.post(REGISTER, json=_body(person, code))
    assert response.status_code == 422
    assert response.json()["code"] == expected


async def test_wrong_sms_code_is_422(web: httpx.AsyncClient) -> None:
    person = await add_person(web)
    code = await request_code(web, person["phone"], "register")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = await web.post(REGISTER, json=_body(person, wrong))
    assert response.status_code == 422
    assert response.json()["code"] == "auth.sms_code_invalid"


async def test_second_registration_of_an_id_is_a_conflict_only_for_the_proven_person_and_hides_the_phone(
    web: httpx.AsyncClient,
) -> None:
    first = await register(web)
    person = first["_person"]
    other_phone = random_phone()  # no real-name record at the operators
    code = await request_code(web, other_phone, "register")
    response = await web.post(REGISTER, json=_body({**person, "phone": other_phone}, code))
    # The caller has not proven they are the person: nothing is said about the ID number yet.
    face = face_verification(response)
    await scan_face(web, face["verification_id"], passes=True)
    proven = await web.post(
        REGISTER,
        json=_body({**person, "phone": other_phone}, None, sms_code=None, face_ticket=face["ticket"]),
    )
    assert proven.status_code == 409
    assert proven.json()["code"] == "citizen.already_registered"
    assert "/api/v1/auth/reclaim" in proven.json()["detail"]
    assert person["phone"] not in proven.text
    assert person["phone"][-4:] not in proven.text


async def test_registered_phone_cannot_register_another_identity(web: httpx.AsyncClient) -> None:
    first = await register(web)
    other = await add_person(web)
    code = await request_code(web, first["_person"]["phone"], "register")
    response = await web.post(REGISTER, json=_body({**other, "phone": first["_person"]["phone"]}, code))
    assert response.status_code == 409
    assert response.json()["code"] == "citizen.phone_taken"


async def test_unknown_fields_are_refused(web: httpx.AsyncClient) -> None:
    person = await add_person(web)
    code = await request_code(web, person["phone"], "register")
    response = await web.post(REGISTER, json=_body(person, code, verified=True))
    assert response.status_code == 400


async def test_short_password_is_refused(web: httpx.AsyncClient) -> None:
    person = await add_person(web)
    code = await request_code(web, person["phone"], "register")
    response = await web.post(REGISTER, json=_body(person, code, password="short"))
    assert response.status_code == 400


async def test_registry_outage_is_503_never_500(services: Services, web: httpx.AsyncClient) -> None:
    class DownRegistry:
        async def verify(self, *, name: str, id_number: str) -> str:
            raise UpstreamUnavailable(system="population", operation="verify", reason="timeout")

    service = CitizenService(
        repository=CitizenRepository(services.engine),
        population=DownRegistry(),  # type: ignore[arg-type]
        proofs=services.proofs,
        sms_codes=services.sms_codes,
        passwords=services.passwords,
        tokens=services.tokens,
        limiter=services.limiter,
        cipher=services.cipher,
        audit=services.audit,
        clock=services.clock,
        settings=services.auth_settings,
        engine=services.engine,
        cache=CitizenCache(services.store, services.clock),
    )
    person = await add_person(web)
    code = await request_code(web, person["phone"], "register")
    request = RegisterRequest(
        phone=person["phone"], sms_code=code, name=person["name"], id_number=person["id_number"]
    )
    with pytest.raises(Unavailable) as caught:
        await service.register(**_fields(request), client="198.51.100.7")
    assert caught.value.code == "citizen.registry_unavailable"
    assert caught.value.status == 503
    assert caught.value.retry_after


async def test_registration_is_audited_with_masked_personal_data(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    subject = f"citizen:{registered['citizen']['id']}"
    row = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.data)
        .where((AuditEntry.chain == "auth") & (AuditEntry.subject == subject))
        .first()
    )
    assert row is not None
    assert row["action"] == "citizen.registered"
    assert registered["_person"]["id_number"] not in row["data"]
    assert registered["_person"]["phone"] not in row["data"]


async def test_a_replayed_registration_never_hands_out_the_first_tokens(web: httpx.AsyncClient) -> None:
    person = await add_person(web)
    body = _body(person, await request_code(web, person["phone"], "register"))
    headers = {"idempotency-key": "register-attempt-1"}
    first = await web.post(REGISTER, json=body, headers=headers)
    again = await web.post(REGISTER, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 409)
    assert again.json()["code"] == "idempotency.replayed_login_required"
    tokens = first.json()["tokens"]
    assert tokens["access_token"] not in again.text
    assert tokens["refresh_token"] not in again.text
    # Without the key the same body is a fresh attempt: the code is spent.
    assert (await web.post(REGISTER, json=body)).json()["code"] == "auth.sms_code_invalid"


async def test_refused_idempotent_retries_count_against_the_address_budget(
    services: Services, app: Litestar
) -> None:
    limit = services.auth_settings.registration_failures_per_address
    async with client_from(app) as web:
        person = await add_person(web)
        body = _body(person, await request_code(web, person["phone"], "register"))
        headers = {"idempotency-key": "register-attempt-3"}
        assert (await web.post(REGISTER, json=body, headers=headers)).status_code == 201
        answers = [
            (await web.post(REGISTER, json={**body, "name": f"别人{i}"}, headers=headers)).json()["code"]
            for i in range(limit + 1)
        ]
        replays = (await web.post(REGISTER, json=body, headers=headers)).json()["code"]
    assert answers[:limit] == ["idempotency.key_reused"] * limit
    assert answers[limit] == "citizen.register_rate_limited"
    assert replays == "citizen.register_rate_limited"


async def test_idempotency_key_reused_with_another_body_is_422(web: httpx.AsyncClient) -> None:
    person = await add_person(web)
    body = _body(person, await request_code(web, person["phone"], "register"))
    headers = {"idempotency-key": "register-attempt-2"}
    assert (await web.post(REGISTER, json=body, headers=headers)).status_code == 201
    changed = await web.post(REGISTER, json={**body, "name": "别人"}, headers=headers)
    assert changed.status_code == 422
    assert changed.json()["code"] == "idempotency.key_reused"


async def test_successful_registrations_do_not_use_up_the_address_budget(
    services: Services, web: httpx.AsyncClient
) -> None:
    service = services.rewired(
        msgspec.structs.replace(services.auth_settings, registration_failures_per_address=2)
    ).citizens
    address = f"100.64.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    for _ in range(3):
        person = await add_person(web)
        code = await request_code(web, person["phone"], "register")
        request = RegisterRequest(
            phone=person["phone"], sms_code=code, name=person["name"], id_number=person["id_number"]
        )
        await service.register(**_fields(request), client=address)
    for _ in range(2):
        person = await add_person(web)
        request = RegisterRequest(
            phone=person["phone"], sms_code="000000", name=person["name"], id_number=person["id_number"]
        )
        with pytest.raises(Invalid) as wrong:
            await service.register(**_fields(request), client=address)
        assert wrong.value.code == "auth.sms_code_invalid"
    with pytest.raises(RateLimited) as caught:
        await service.register(**_fields(request), client=address)
    assert caught.value.code == "citizen.register_rate_limited"


def _fields(request: RegisterRequest) -> dict[str, Any]:
    return msgspec.structs.asdict(request)
