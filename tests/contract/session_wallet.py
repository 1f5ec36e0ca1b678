"""The privacy session's wallet part: a citizen's licences, 亮证 at a registered counter with partial
consent and a decline, the counter's verification, the log, the public issuer documents."""

from __future__ import annotations

from typing import Any

import httpx

from tests.backend.citizen.factories import bearer
from tests.backend.licence.factories import issue_at_library
from tests.contract.session import _ok, _refused


async def wallet(
    web: httpx.AsyncClient, staff: dict[str, str], person: dict[str, str], me: dict[str, str]
) -> None:
    await issue_at_library(web, person, "JMSFZ")
    items = (await _ok(await web.get("/api/v1/licences", headers=me)))["items"]
    await _ok(await web.get(f"/api/v1/licences/{items[0]['id']}", headers=me))
    await _ok(await web.post("/api/v1/licences/refresh", headers=me))

    office = {"scene": "public_office", "venue": "宿城区政务服务中心"}
    created = await _ok(await web.post("/api/v1/admin/scanners", json=office, headers=staff), 201)
    registration = {
        "device_id": created["device"]["id"],
        "name": "宿城区政务服务中心3号窗口",
        "kind": "counter",
        "legal_basis": "《江苏省政务服务管理办法》",
        "purpose": "核验办事人身份",
        "allowed": {"JMSFZ": ["name", "id_number"]},
        "retention_days": 30,
        "contact": "0527-12345",
    }
    verifier = await _ok(
        await web.post("/api/v1/admin/licence-verifiers", json=registration, headers=staff), 201
    )
    await _ok(await web.get("/api/v1/admin/licence-verifiers", headers=staff))
    await _ok(await web.get(f"/api/v1/admin/licence-verifiers/{verifier['id']}", headers=staff))
    exchange = {"device_id": created["device"]["id"], "credential": created["credential"]}
    counter = bearer((await _ok(await web.post("/api/v1/scanner/token", json=exchange)))["access_token"])

    asked = await _ask(web, me, counter, ["name", "id_number"])
    _refused(await _ask_raw(web, me, counter, ["address"]))
    await _ok(await web.get("/api/v1/licences/requests", headers=me))
    consent = {"fields": ["id_number"]}
    await _ok(await web.post(f"/api/v1/licences/requests/{asked['id']}/consent", json=consent, headers=me))
    received = await _ok(
        await web.get(f"/api/v1/licence-verification/requests/{asked['id']}", headers=counter)
    )
    verify = {"presentation": received["presentation"]}
    path = f"/api/v1/licence-verification/requests/{asked['id']}/verify"
    await _ok(await web.post(path, json=verify, headers=counter))
    _refused(await web.post(path, json=verify, headers=counter))
    declined = await _ask(web, me, counter, ["name"])
    await _ok(await web.post(f"/api/v1/licences/requests/{declined['id']}/decline", headers=me))

    await _ok(await web.get("/api/v1/licences/log", headers=me))
    await _ok(await web.get("/.well-known/jwt-vc-issuer"))
    assert (await web.get("/api/v1/licences/status/1")).status_code == 200
    await _ok(await web.post(f"/api/v1/admin/licence-verifiers/{verifier['id']}/suspend", headers=staff))


async def _ask_raw(
    web: httpx.AsyncClient, me: dict[str, str], counter: dict[str, str], fields: list[str]
) -> httpx.Response:
    handle = (await _ok(await web.post("/api/v1/licences/show", headers=me), 201))["handle"]
    body = {"handle": handle, "kind_code": "JMSFZ", "fields": fields}
    return await web.post("/api/v1/licence-verification/requests", json=body, headers=counter)


async def _ask(
    web: httpx.AsyncClient, me: dict[str, str], counter: dict[str, str], fields: list[str]
) -> dict[str, Any]:
    return await _ok(await _ask_raw(web, me, counter, fields), 201)
