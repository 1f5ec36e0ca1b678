"""Issue 21 row 1 over real HTTP on the embedded default, against the twins: an identity cannot be
registered to a phone its owner does not hold, and the owner reclaims one that was."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations import id_check_digit
from tests.smoke.server import bearer, serve
from tests.smoke.test_identity_embedded import _code

pytestmark = pytest.mark.embedded

_rng = random.SystemRandom()


def _resident(web: httpx.Client, name: str) -> dict[str, str]:
    """A new resident of the population twin; the phone is real-name registered to them too."""
    body = f"321302{_rng.randrange(1960, 2000)}0202{_rng.randrange(1000):03d}"
    person = {
        "name": name,
        "id_number": body + id_check_digit(body),
        "phone": f"138{_rng.randrange(10**8):08d}",
    }
    assert web.post("/_sandbox/population/people", json=person).status_code == 201
    return person


def _register(
    web: httpx.Client, person: dict[str, str], path: str = "/api/v1/auth/register"
) -> httpx.Response:
    return web.post(
        path,
        json={
            **person,
            "sms_code": _code(web, person["phone"], "register"),
            "password": f"passphrase of {person['phone']}",
        },
    )


def _face(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "citizen.face_verification_required"
    face: dict[str, Any] = response.json()["extra"]["face_verification"]
    return face


def _login(web: httpx.Client, phone: str, password: str) -> httpx.Response:
    return web.post(
        "/api/v1/auth/token", json={"grant_type": "password", "phone": phone, "password": password}
    )


def _taken_with_a_former_number(
    web: httpx.Client,
) -> tuple[httpx.Response, dict[str, str], dict[str, str]]:
    """The registration of the owner's identity with the owner's former number (then still theirs at
    the operator, since gone to a newcomer), the owner as registered, and the owner with a new phone."""
    owner, newcomer = _resident(web, "宿本人"), _resident(web, "宿新机主")
    taken = _register(web, owner)
    assert taken.status_code == 201, taken.text
    moved = web.put(
        f"/_sandbox/telecom/subscribers/{owner['phone']}",
        json={"name": newcomer["name"], "id_number": newcomer["id_number"]},
    )
    assert moved.status_code == 200
    new_phone = f"139{_rng.randrange(10**8):08d}"
    web.put(
        f"/_sandbox/telecom/subscribers/{new_phone}",
        json={"name": owner["name"], "id_number": owner["id_number"]},
    )
    return taken, owner, {**owner, "phone": new_phone}


def test_identity_theft_is_refused_and_the_owner_reclaims_a_taken_identity(tmp_path: Path) -> None:
    with serve(tmp_path) as base, httpx.Client(base_url=base) as web:
        # 1. An attacker with the victim's name and ID number, and their own (real-name) phone.
        victim, attacker = _resident(web, "宿受害"), _resident(web, "宿冒用")
        as_victim = {**victim, "phone": attacker["phone"]}
        face = _face(_register(web, as_victim))
        scanned = web.post(
            f"/_sandbox/faceverify/verifications/{face['verification_id']}/scan", json={"outcome": "fail"}
        )
        assert scanned.status_code == 200
        refused = web.post("/api/v1/auth/register", json={**as_victim, "face_ticket": face["ticket"]})
        assert (refused.status_code, refused.json()["code"]) == (422, "citizen.face_verification_failed")
        # The victim's identity is still theirs to register, with their own phone.
        assert _register(web, victim).status_code == 201

        # 2. Someone registered the owner's identity with the owner's former number while it was still
        #    registered to the owner at the operator; the number has since changed hands.
        taken, owner, the_owner = _taken_with_a_former_number(web)
        old_phone, old_tokens, new_phone = owner["phone"], taken.json()["tokens"], the_owner["phone"]

        again = _register(web, the_owner)
        assert (again.status_code, again.json()["code"]) == (409, "citizen.already_registered")
        reclaimed = _register(web, the_owner, "/api/v1/auth/reclaim")
        assert reclaimed.status_code == 201, reclaimed.text
        me = web.get("/api/v1/me", headers=bearer(reclaimed.json()["tokens"]["access_token"]))
        assert me.json()["phone"].endswith(new_phone[-4:])

        # The old account can no longer log in, refresh or use its session; its phone was told.
        old_login = _login(web, old_phone, f"passphrase of {old_phone}")
        assert (old_login.status_code, old_login.json()["code"]) == (403, "citizen.account_frozen")
        refresh = web.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": old_tokens["refresh_token"]},
        )
        assert refresh.status_code == 401
        assert web.get("/api/v1/me", headers=bearer(old_tokens["access_token"])).status_code == 401
        outbox = web.get("/_sandbox/sms/outbox", params={"phone": old_phone}).json()
        assert any("已冻结" in message["text"] for message in outbox)
        # The owner's new account logs in.
        assert _login(web, new_phone, f"passphrase of {new_phone}").status_code == 200


def _appeal_upheld(database: Path, *, frozen: str, reclaimed_by: str) -> None:
    """The service desk upholds the frozen account's appeal, by hand in the SQLite file (there is no
    route for it): the reclaim's account is frozen in its place, and the account is active again."""
    with closing(sqlite3.connect(database, timeout=10)) as db, db:
        db.execute(
            "UPDATE citizen SET status = 'frozen', "
            "frozen_at = (SELECT frozen_at FROM citizen WHERE id = :frozen) WHERE id = :by",
            {"frozen": frozen, "by": reclaimed_by},
        )
        changed = db.execute(
            "UPDATE citizen SET status = 'active', frozen_at = NULL WHERE id = :frozen", {"frozen": frozen}
        )
        assert changed.rowcount == 1


def test_an_account_unfrozen_on_appeal_and_reclaimed_again_is_frozen_and_told_again(tmp_path: Path) -> None:
    # Security review: a second reclaim of one account wrote a second follow-up under the same id,
    # a unique violation inside the freeze's transaction (a 500).
    with serve(tmp_path) as base, httpx.Client(base_url=base) as web:
        taken, owner, the_owner = _taken_with_a_former_number(web)
        old_id = taken.json()["citizen"]["id"]
        first = _register(web, the_owner, "/api/v1/auth/reclaim")
        assert first.status_code == 201, first.text
        _appeal_upheld(tmp_path / "suqian.sqlite3", frozen=old_id, reclaimed_by=first.json()["citizen"]["id"])
        assert _login(web, owner["phone"], f"passphrase of {owner['phone']}").status_code == 200

        again = _register(web, the_owner, "/api/v1/auth/reclaim")
        assert again.status_code == 201, again.text
        refused = _login(web, owner["phone"], f"passphrase of {owner['phone']}")
        assert (refused.status_code, refused.json()["code"]) == (403, "citizen.account_frozen")
        outbox = web.get("/_sandbox/sms/outbox", params={"phone": owner["phone"]}).json()
        assert sum("已冻结" in message["text"] for message in outbox) == 2
