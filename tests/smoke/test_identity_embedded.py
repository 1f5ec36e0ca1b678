"""The identity flows on the embedded default (SQLite + in-process store + sandbox), over real HTTP:
register → /me → password login → refresh (and replay) → logout, and signing keys that survive a
restart, so a token issued before it still verifies after."""

from __future__ import annotations

import random
import re
from pathlib import Path

import httpx
import pytest

from integrations import id_check_digit
from tests.smoke.server import free_port, serve

pytestmark = pytest.mark.embedded

_rng = random.SystemRandom()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("identity")


def _person(web: httpx.Client) -> dict[str, str]:
    body = f"321311{_rng.randrange(1960, 2000)}0101{_rng.randrange(1000):03d}"
    person = {
        "name": "陈静",
        "id_number": body + id_check_digit(body),
        "phone": f"139{_rng.randrange(10**8):08d}",
    }
    # With a phone: the sandbox registers it to them at the operators too (the real-name check).
    added = web.post("/_sandbox/population/people", json=person)
    assert added.status_code == 201, added.text
    return person


def _code(web: httpx.Client, phone: str, purpose: str) -> str:
    assert web.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": purpose}).status_code == 202
    text = web.get("/_sandbox/sms/outbox", params={"phone": phone}).json()[-1]["text"]
    match = re.search(r"(\d{6})", text)
    assert match
    return match.group(1)


def test_identity_flows_and_persistent_signing_keys_on_the_embedded_default(data_dir: Path) -> None:
    port = free_port()
    with serve(data_dir, port) as base, httpx.Client(base_url=base) as web:
        person = _person(web)
        registered = web.post(
            "/api/v1/auth/register",
            json={
                "phone": person["phone"],
                "sms_code": _code(web, person["phone"], "register"),
                "name": person["name"],
                "id_number": person["id_number"],
                "password": "a long embedded passphrase",
            },
        )
        assert registered.status_code == 201, registered.text
        me = web.get(
            "/api/v1/me", headers={"authorization": f"Bearer {registered.json()['tokens']['access_token']}"}
        )
        assert me.status_code == 200
        assert me.json()["id_number"].startswith(person["id_number"][:4] + "*")

        login = web.post(
            "/api/v1/auth/token",
            json={
                "grant_type": "password",
                "phone": person["phone"],
                "password": "a long embedded passphrase",
            },
        )
        assert login.status_code == 200
        pair = login.json()
        rotated = web.post(
            "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
        )
        assert rotated.status_code == 200
        replay = web.post(
            "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
        )
        assert replay.json()["code"] == "auth.refresh_token_reused"

        kept = registered.json()["tokens"]["access_token"]
        jwks = web.get("/.well-known/jwks.json").json()
        assert jwks["keys"]

        # The replay revoked that whole session, its access tokens included.
        revoked = web.get("/api/v1/me", headers={"authorization": f"Bearer {rotated.json()['access_token']}"})
        assert revoked.json()["code"] == "auth.token_revoked"
        sms_login = web.post(
            "/api/v1/auth/token",
            json={
                "grant_type": "sms_code",
                "phone": person["phone"],
                "sms_code": _code(web, person["phone"], "login"),
            },
        )
        assert sms_login.status_code == 200
        session = {"authorization": f"Bearer {sms_login.json()['access_token']}"}
        ended = web.post("/api/v1/auth/logout", headers=session)
        assert ended.status_code == 204
        assert web.get("/api/v1/me", headers=session).status_code == 401

    with serve(data_dir, port) as base, httpx.Client(base_url=base) as web:
        # Same key ring after a restart: the token from before still verifies, the JWKS is the same.
        assert web.get("/.well-known/jwks.json").json() == jwks
        assert web.get("/api/v1/me", headers={"authorization": f"Bearer {kept}"}).status_code == 200
