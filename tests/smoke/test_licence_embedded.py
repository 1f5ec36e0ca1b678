"""亮证 on the embedded default (SQLite + in-process store + sandbox), over real HTTP: a citizen's
licences are pulled from the library twin, an operator registers a counter as a verifier, the counter
scans the citizen's handle and asks, the citizen approves part of it, the counter receives a
presentation of just that and verifies it — online once, and offline with the published keys and
status list; the disclosure log re-verifies outside."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

import wallet
from tests.smoke.server import bearer, free_port, operator_session, printed_passwords, serve
from tests.smoke.test_identity_embedded import _code, _person

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("licence")


def _holder(web: httpx.Client) -> tuple[dict[str, str], dict[str, str]]:
    person = _person(web)
    for kind in ("JMSFZ", "JDCJSZ"):
        body = {"name": person["name"], "id_number": person["id_number"], "kind_code": kind}
        assert web.post("/_sandbox/elicence/licences", json=body).status_code == 201
    registered = web.post(
        "/api/v1/auth/register",
        json={
            "phone": person["phone"],
            "sms_code": _code(web, person["phone"], "register"),
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert registered.status_code == 201, registered.text
    return person, bearer(registered.json()["tokens"]["access_token"])


def _counter(web: httpx.Client, data_dir: Path) -> dict[str, str]:
    (password,) = printed_passwords(data_dir)
    admin = operator_session(web, password)
    office = {"scene": "public_office", "venue": "宿城区政务服务中心"}
    device = web.post("/api/v1/admin/scanners", json=office, headers=admin).json()
    verifier = web.post(
        "/api/v1/admin/licence-verifiers",
        json={
            "device_id": device["device"]["id"],
            "name": "宿城区政务服务中心3号窗口",
            "kind": "counter",
            "legal_basis": "《江苏省政务服务管理办法》",
            "purpose": "核验办事人身份",
            "allowed": {"JMSFZ": ["name", "id_number", "address"], "JDCJSZ": ["vehicle_classes"]},
            "retention_days": 30,
            "contact": "0527-12345",
        },
        headers=admin,
    )
    assert verifier.status_code == 201, verifier.text
    token = web.post(
        "/api/v1/scanner/token",
        json={"device_id": device["device"]["id"], "credential": device["credential"]},
    )
    return bearer(token.json()["access_token"])


def test_showing_a_licence_at_a_counter_on_the_embedded_default(data_dir: Path) -> None:
    port = free_port()
    with serve(data_dir, port) as base, httpx.Client(base_url=base) as web:
        person, citizen = _holder(web)
        counter = _counter(web, data_dir)
        listed = web.get("/api/v1/licences", headers=citizen).json()["items"]
        assert sorted(i["kind_code"] for i in listed) == ["JDCJSZ", "JMSFZ"]

        shown = web.post("/api/v1/licences/show", headers=citizen).json()
        assert len(shown["qr_text"]) <= 80
        asked = web.post(
            "/api/v1/licence-verification/requests",
            json={
                "handle": shown["handle"],
                "kind_code": "JMSFZ",
                "fields": ["name", "id_number", "address"],
            },
            headers=counter,
        )
        assert asked.status_code == 201, asked.text
        request_id = asked.json()["id"]
        replayed = web.post(
            "/api/v1/licence-verification/requests",
            json={"handle": shown["handle"], "kind_code": "JMSFZ", "fields": ["name"]},
            headers=counter,
        )
        assert replayed.json()["code"] == "licence.handle_invalid"
        outside = web.post(
            "/api/v1/licence-verification/requests",
            json={
                "handle": web.post("/api/v1/licences/show", headers=citizen).json()["handle"],
                "kind_code": "JMSFZ",
                "fields": ["birth_date"],
            },
            headers=counter,
        )
        assert (outside.status_code, outside.json()["code"]) == (403, "licence.outside_purpose")

        (pending,) = web.get("/api/v1/licences/requests", headers=citizen).json()["items"]
        assert pending["verifier"]["purpose"] == "核验办事人身份"
        consented = web.post(
            f"/api/v1/licences/requests/{request_id}/consent",
            json={"fields": ["name", "id_number"]},
            headers=citizen,
        )
        assert consented.status_code == 200, consented.text

        received = web.get(f"/api/v1/licence-verification/requests/{request_id}", headers=counter).json()
        presentation = received["presentation"]
        jwks = web.get("/.well-known/jwt-vc-issuer").json()["jwks"]
        cached_list = web.get("/api/v1/licences/status/1").text
        keys = wallet.jwks_lookup(jwks)
        now = int(time.time())
        uri = f"{web.get('/.well-known/jwt-vc-issuer').json()['issuer']}/api/v1/licences/status/1"
        status = wallet.read_status_list(
            cached_list, uri=uri, issuer_key_lookup=lambda _i, k: keys.get(k or ""), now=now
        )
        offline = wallet.verify(
            presentation,
            issuer_key_lookup=lambda _i, k: keys.get(k or ""),
            audience=received["audience"],
            nonce=received["nonce"],
            now=now,
            status_check=lambda _u, idx: status.status_list.get(idx),
        )
        assert {k: offline.claims[k] for k in ("name", "id_number")} == {
            "name": person["name"],
            "id_number": person["id_number"],
        }
        assert "address" not in offline.claims

        online = web.post(
            f"/api/v1/licence-verification/requests/{request_id}/verify",
            json={"presentation": presentation},
            headers=counter,
        )
        assert online.status_code == 200, online.text
        assert online.json()["disclosed"] == ["id_number", "name"]
        again = web.post(
            f"/api/v1/licence-verification/requests/{request_id}/verify",
            json={"presentation": presentation},
            headers=counter,
        )
        assert again.json()["code"] == "licence.presentation_replayed"

        exported = web.get("/api/v1/licences/log", headers=citizen)
        entries, head = wallet.load_log_export(exported.content)
        checked = wallet.verify_log(entries, head, next(iter(keys.values())))
        assert [e.row.event for e in entries] == ["issued", "issued", "disclosed"]
        assert checked.n == 3
