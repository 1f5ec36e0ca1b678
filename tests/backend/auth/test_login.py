"""Citizen logins: password and SMS grants, same answer for unknown phone and wrong password,
throttles that slow a failing address down but leave the owner a way in, Argon2id rehash on login."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import msgspec
import pytest
from argon2 import PasswordHasher, extract_parameters
from litestar import Litestar

from backend.audit.tables import AuditEntry
from backend.auth.errors import InvalidCredentials
from backend.auth.service import AuthService
from backend.citizen.tables import Citizen
from backend.errors import RateLimited
from tests.backend.citizen.factories import (
    bearer,
    client_from,
    latest_sms_code,
    random_phone,
    register,
    request_code,
)
from tests.services import Services

TOKEN = "/api/v1/auth/token"


def _password_grant(phone: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "phone": phone, "password": password}


def _stable(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    return {k: v for k, v in body.items() if k != "request_id"} | {"status": response.status_code}


async def test_password_login_answers_a_working_token_pair(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    phone = registered["_person"]["phone"]
    response = await web.post(TOKEN, json=_password_grant(phone, registered["_password"]))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    pair = response.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    me = await web.get("/api/v1/me", headers=bearer(pair["access_token"]))
    assert me.json()["id"] == registered["citizen"]["id"]


async def test_unknown_phone_and_wrong_password_get_the_same_answer(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    wrong = await web.post(TOKEN, json=_password_grant(registered["_person"]["phone"], "not the password"))
    unknown = await web.post(TOKEN, json=_password_grant(random_phone(), "not the password"))
    assert _stable(wrong) == _stable(unknown)
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "auth.invalid_credentials"
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]


async def test_five_failures_slow_down_the_address_that_made_them_even_for_the_right_password(
    web: httpx.AsyncClient, services: Services
) -> None:
    registered = await register(web)
    phone = registered["_person"]["phone"]
    free = services.auth_settings.login_free_failures
    for _ in range(free):
        assert (await web.post(TOKEN, json=_password_grant(phone, "guess guess"))).status_code == 401
    throttled = await web.post(TOKEN, json=_password_grant(phone, registered["_password"]))
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "auth.login_throttled"
    assert 0 < int(throttled.headers["retry-after"]) <= services.auth_settings.login_first_delay
    subject = f"citizen:{registered['citizen']['id']}"
    actions = [
        row["action"]
        for row in await AuditEntry.select(AuditEntry.action).where(
            (AuditEntry.chain == "auth") & (AuditEntry.subject == subject)
        )
    ]
    assert actions.count("auth.login_failed") == free


async def test_a_strangers_failures_leave_the_owner_both_password_and_sms_login(app: Litestar) -> None:
    async with client_from(app) as owner:
        registered = await register(owner)
        phone, password = registered["_person"]["phone"], registered["_password"]
        # A stranger, from addresses of their own, tries enough wrong passwords to have locked the
        # account for 15 minutes before (5), and then some.
        for _ in range(3):
            async with client_from(app) as stranger:
                for _ in range(6):
                    await stranger.post(TOKEN, json=_password_grant(phone, "guess guess"))
        by_password = await owner.post(TOKEN, json=_password_grant(phone, password))
        assert by_password.status_code == 200, by_password.text
        code = await request_code(owner, phone, "login")
        by_sms = await owner.post(TOKEN, json={"grant_type": "sms_code", "phone": phone, "sms_code": code})
        assert by_sms.status_code == 200, by_sms.text


async def test_an_unknown_phone_is_throttled_exactly_like_a_known_one(app: Litestar) -> None:
    async with client_from(app) as web:
        registered = await register(web)
        known, unknown = registered["_person"]["phone"], random_phone()
        answers = []
        for phone in (known, unknown):
            answers.append(
                [_stable(await web.post(TOKEN, json=_password_grant(phone, "guess guess"))) for _ in range(7)]
            )
    assert answers[0] == answers[1]
    assert [a["status"] for a in answers[0]] == [401] * 5 + [429] * 2


async def test_one_address_spraying_many_phones_is_throttled(app: Litestar) -> None:
    async with client_from(app) as sprayer:
        codes = set()
        for _ in range(31):
            response = await sprayer.post(TOKEN, json=_password_grant(random_phone(), "Password1!"))
            codes.add(response.json()["code"])
        assert response.status_code == 429
        assert response.json()["code"] == "auth.login_throttled"
        assert "retry-after" in response.headers
        assert codes == {"auth.invalid_credentials", "auth.login_throttled"}


async def test_sms_code_login_works_and_the_code_is_single_use(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    phone = registered["_person"]["phone"]
    code = await request_code(web, phone, "login")
    grant = {"grant_type": "sms_code", "phone": phone, "sms_code": code}
    first = await web.post(TOKEN, json=grant)
    assert first.status_code == 200
    second = await web.post(TOKEN, json=grant)
    assert second.status_code == 401
    assert second.json()["code"] == "auth.invalid_credentials"


async def test_sms_login_of_an_unregistered_phone_says_so_to_its_holder(web: httpx.AsyncClient) -> None:
    phone = random_phone()
    code = await request_code(web, phone, "login")
    response = await web.post(TOKEN, json={"grant_type": "sms_code", "phone": phone, "sms_code": code})
    assert response.status_code == 401
    assert response.json()["code"] == "citizen.not_registered"


async def test_registration_code_does_not_log_in(web: httpx.AsyncClient) -> None:
    phone = random_phone()
    code = await request_code(web, phone, "register")
    response = await web.post(TOKEN, json={"grant_type": "sms_code", "phone": phone, "sms_code": code})
    # invalid_credentials, not not_registered: the code was never accepted for a login.
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_credentials"


async def test_password_hash_is_argon2id_with_current_parameters_and_upgraded_on_login(
    web: httpx.AsyncClient, services: Services
) -> None:
    registered = await register(web)
    citizen_id = registered["citizen"]["id"]
    stored = await Citizen.select(Citizen.password_hash).where(Citizen.id == citizen_id).first()
    assert stored is not None
    params = extract_parameters(stored["password_hash"])
    defaults = PasswordHasher()
    assert params.type.name == "ID"
    assert (params.time_cost, params.memory_cost, params.parallelism) == (
        defaults.time_cost,
        defaults.memory_cost,
        defaults.parallelism,
    )
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(registered["_password"])
    await Citizen.update({Citizen.password_hash: weak}).where(Citizen.id == citizen_id)
    login = await web.post(
        TOKEN, json=_password_grant(registered["_person"]["phone"], registered["_password"])
    )
    assert login.status_code == 200
    upgraded = await Citizen.select(Citizen.password_hash).where(Citizen.id == citizen_id).first()
    assert upgraded is not None
    assert extract_parameters(upgraded["password_hash"]).memory_cost == defaults.memory_cost


async def test_citizen_without_password_cannot_log_in_by_password(web: httpx.AsyncClient) -> None:
    registered = await register(web, password=None)
    assert registered["citizen"]["has_password"] is False
    response = await web.post(TOKEN, json=_password_grant(registered["_person"]["phone"], "anything at all"))
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_credentials"


async def test_unknown_grant_type_is_a_400(web: httpx.AsyncClient) -> None:
    response = await web.post(TOKEN, json={"grant_type": "client_credentials", "client_id": "x"})
    assert response.status_code == 400


async def test_a_parallel_burst_of_guesses_from_one_address_checks_at_most_five(
    app: Litestar, services: Services
) -> None:
    async with client_from(app) as web:
        registered = await register(web)
        phone = registered["_person"]["phone"]
        responses = await asyncio.gather(
            *(web.post(TOKEN, json=_password_grant(phone, f"guess {n}")) for n in range(12))
        )
    statuses = sorted(r.status_code for r in responses)
    free = services.auth_settings.login_free_failures
    assert statuses.count(401) <= free
    assert statuses.count(429) >= 12 - free
    assert {r.json()["code"] for r in responses if r.status_code == 429} == {"auth.login_throttled"}


def _auth_service(services: Services, **settings: int) -> AuthService:
    """The token endpoint's service over the session's collaborators, with other limits."""
    return services.rewired(msgspec.structs.replace(services.auth_settings, **settings)).auth


async def test_successful_logins_do_not_use_up_the_address_budget(
    web: httpx.AsyncClient, services: Services
) -> None:
    auth = _auth_service(services, login_failures_per_address=3)
    registered = await register(web)
    phone, password = registered["_person"]["phone"], registered["_password"]
    # Thousands of citizens share a carrier-grade NAT address: their logins must not lock each other out.
    address = f"100.64.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    for _ in range(5):
        await auth.password_grant(phone, password, client=address)
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await auth.password_grant(random_phone(), "not the password", client=address)
    with pytest.raises(RateLimited) as caught:
        await auth.password_grant(phone, password, client=address)
    assert caught.value.code == "auth.login_throttled"


async def test_ipv6_addresses_in_one_64_share_the_login_budget(services: Services) -> None:
    auth = _auth_service(services, login_failures_per_address=3)
    site, subnet = secrets.randbelow(0xFFFF), secrets.randbelow(0xFFFF)
    prefix = f"2001:db8:{site:x}:{subnet:x}"
    for suffix in ("::1", "::2", ":a:b:c:d"):
        with pytest.raises(InvalidCredentials):
            await auth.password_grant(random_phone(), "not the password", client=prefix + suffix)
    with pytest.raises(RateLimited) as caught:
        await auth.password_grant(random_phone(), "not the password", client=f"{prefix}::99")
    assert caught.value.code == "auth.login_throttled"
    # The neighbouring /64 is another subscriber, with a budget of its own.
    neighbour = f"2001:db8:{site:x}:{subnet + 1:x}::1"
    with pytest.raises(InvalidCredentials):
        await auth.password_grant(random_phone(), "not the password", client=neighbour)


async def test_past_the_ceiling_the_owner_signs_in_from_home_or_by_sms_code(
    app: Litestar, services: Services
) -> None:
    auth = _auth_service(services, login_account_ceiling=4, login_account_free_failures=100)
    home = f"100.64.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    async with client_from(app, home) as web:
        registered = await register(web)
        phone, password = registered["_person"]["phone"], registered["_password"]
        await auth.password_grant(phone, password, client=home)
        for _ in range(4):
            with pytest.raises(InvalidCredentials):
                await auth.password_grant(phone, "guess guess", client=f"203.0.113.{secrets.randbelow(256)}")
        # A new address is refused even the right password now ...
        with pytest.raises(RateLimited) as caught:
            await auth.password_grant(phone, password, client="192.0.2.1")
        assert caught.value.code == "auth.login_throttled"
        # ... the owner's home address is not, and an SMS code works from anywhere.
        assert (await auth.password_grant(phone, password, client=home)).access_token
        await services.sms_codes.send(phone, "login", client="192.0.2.1")
        code = await latest_sms_code(web, phone)
        assert (await auth.sms_code_grant(phone, code, client="192.0.2.1")).access_token
        # That SMS login made 192.0.2.1 an address of the owner's: passwords work from it again.
        assert (await auth.password_grant(phone, password, client="192.0.2.1")).access_token
    subject = f"citizen:{registered['citizen']['id']}"
    ceilings = await AuditEntry.select(AuditEntry.action).where(
        (AuditEntry.subject == subject) & (AuditEntry.action == "auth.login_ceiling_reached")
    )
    assert len(ceilings) == 1


async def test_password_failures_never_stand_in_the_way_of_an_sms_login(
    app: Litestar, services: Services
) -> None:
    auth = _auth_service(services, login_failures_per_address=2, sms_login_failures_per_address=2)
    address = f"100.64.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    async with client_from(app) as web:
        registered = await register(web)
        phone = registered["_person"]["phone"]
        for _ in range(2):
            with pytest.raises(InvalidCredentials):
                await auth.password_grant(phone, "guess guess", client=address)
        with pytest.raises(RateLimited):
            await auth.password_grant(phone, "guess guess", client=address)
        await services.sms_codes.send(phone, "login", client=address)
        code = await latest_sms_code(web, phone)
        assert (await auth.sms_code_grant(phone, code, client=address)).access_token
        # Wrong SMS codes have a per-address budget of their own (guessing at many phones' codes).
        for _ in range(2):
            with pytest.raises(InvalidCredentials):
                await auth.sms_code_grant(random_phone(), "000000", client=address)
        with pytest.raises(RateLimited) as caught:
            await auth.sms_code_grant(random_phone(), "000000", client=address)
        assert caught.value.code == "auth.sms_login_throttled"
