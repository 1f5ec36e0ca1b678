"""Which platform phone proofs register a new citizen (issue 21 review, phone squatting).

Alipay's ``my.getPhoneNumber`` answer is the same string every time (zero-IV encryption, deterministic
signature), bound to no user and no moment: whoever saw it once holds it forever, so it proves nothing
about who holds the phone now. WeChat's ``getPhoneNumber`` code is used up server-side within minutes.
And a face verification proves who a person is, never which phone they hold: where the operators
can't say the phone is the person's, the phone must be proven by an SMS code before a face is scanned.
"""

from __future__ import annotations

import httpx

from integrations.alipay import sandbox_mobile
from integrations.wechat import sandbox_phone
from tests.backend.citizen.factories import (
    add_person,
    face_verification,
    register,
    request_code,
    scan_face,
)
from tests.miniprogram_api.sandbox_users import (
    alipay_login,
    alipay_phone_response,
    bind_ticket,
    fresh_n,
    wechat_login,
    wechat_phone_code,
)
from tests.services import Services

BIND = "/mp/v1/bind"


def _bind(ticket: str, person: dict[str, str], **proof: str) -> dict[str, str]:
    return {"bind_ticket": ticket, "name": person["name"], "id_number": person["id_number"], **proof}


async def _face_verifications_of(web: httpx.AsyncClient, person: dict[str, str]) -> int:
    """How many face verifications the platform (its twin) opened for ``person``: each is billed."""
    opened = (await web.get("/_sandbox/faceverify/verifications")).json()
    return sum(v["id_number"] == person["id_number"] for v in opened)


async def test_a_replayed_alipay_proof_and_the_attackers_own_face_cannot_take_a_victims_phone(
    web: httpx.AsyncClient, services: Services
) -> None:
    victim_n = fresh_n()
    victim = await add_person(web, phone=sandbox_mobile(victim_n))  # no account yet
    captured = alipay_phone_response(services, victim_n)
    attacker = await add_person(web)  # their own identity, and their own face
    ticket = bind_ticket(await alipay_login(web, fresh_n()))
    attempt = await web.post(BIND, json=_bind(ticket, attacker, platform_phone_proof=captured))
    if attempt.json().get("code") == "citizen.face_verification_required":
        # The operators don't say the victim's phone is the attacker's: the attacker scans their face.
        face = face_verification(attempt)
        await scan_face(web, face["verification_id"], passes=True)
        attempt = await web.post(
            BIND, json=_bind(ticket, attacker, phone=victim["phone"], face_ticket=face["ticket"])
        )
    assert (attempt.status_code, attempt.json().get("code")) == (409, "mp.sms_required"), attempt.text
    assert await services.citizens.find_by_phone(victim["phone"]) is None
    # The phone is still its owner's to register.
    await register(web, victim)


async def test_a_replayed_alipay_proof_with_the_holders_name_cannot_register_them(
    web: httpx.AsyncClient, services: Services
) -> None:
    # A name and an ID number are no secret; the operators would say the phone is theirs.
    victim_n = fresh_n()
    victim = await add_person(web, phone=sandbox_mobile(victim_n))
    captured = alipay_phone_response(services, victim_n)
    attacker_n = fresh_n()
    ticket = bind_ticket(await alipay_login(web, attacker_n))
    attempt = await web.post(BIND, json=_bind(ticket, victim, platform_phone_proof=captured))
    assert (attempt.status_code, attempt.json().get("code")) == (409, "mp.sms_required"), attempt.text
    assert await services.citizens.find_by_phone(victim["phone"]) is None
    assert (await alipay_login(web, attacker_n)).json()["status"] == "bind_required"


async def test_an_alipay_user_binds_a_new_phone_with_an_sms_code_on_the_same_ticket(
    web: httpx.AsyncClient, services: Services
) -> None:
    n = fresh_n()
    person = await add_person(web, phone=sandbox_mobile(n))
    ticket = bind_ticket(await alipay_login(web, n))
    by_platform = await web.post(
        BIND, json=_bind(ticket, person, platform_phone_proof=alipay_phone_response(services, n))
    )
    assert (by_platform.status_code, by_platform.json().get("code")) == (409, "mp.sms_required")
    code = await request_code(web, person["phone"], "bind")
    bound = await web.post(BIND, json=_bind(ticket, person, phone=person["phone"], sms_code=code))
    assert bound.status_code == 200, bound.text
    assert (await alipay_login(web, n)).json()["status"] == "authenticated"


async def test_a_wechat_proof_the_operators_cant_vouch_for_needs_an_sms_code_before_a_face_scan(
    web: httpx.AsyncClient, services: Services
) -> None:
    n = fresh_n()
    # Someone using a phone registered to a relative: WeChat says it is this user's, the operators
    # say it is not this person's.
    person = await add_person(web)
    phone = sandbox_phone(n)
    await add_person(web, phone=phone)
    ticket = bind_ticket(await wechat_login(web, n))
    by_platform = await web.post(BIND, json=_bind(ticket, person, platform_phone_proof=wechat_phone_code(n)))
    assert (by_platform.status_code, by_platform.json().get("code")) == (409, "mp.sms_required")
    # Nothing billed yet: no face verification was opened for the platform's word alone.
    assert await _face_verifications_of(web, person) == 0
    code = await request_code(web, phone, "bind")
    face = face_verification(await web.post(BIND, json=_bind(ticket, person, phone=phone, sms_code=code)))
    await scan_face(web, face["verification_id"], passes=True)
    bound = await web.post(BIND, json=_bind(ticket, person, phone=phone, face_ticket=face["ticket"]))
    assert bound.status_code == 200, bound.text
    assert await services.citizens.find_by_phone(phone) is not None


async def test_a_wechat_proof_of_the_persons_own_phone_still_needs_no_sms(web: httpx.AsyncClient) -> None:
    n = fresh_n()
    person = await add_person(web, phone=sandbox_phone(n))
    ticket = bind_ticket(await wechat_login(web, n))
    bound = await web.post(BIND, json=_bind(ticket, person, platform_phone_proof=wechat_phone_code(n)))
    assert bound.status_code == 200, bound.text
