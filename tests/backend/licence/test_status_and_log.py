"""Revocations from the library reach the status list; the disclosure log is complete and any edit
to it is found; the library's outage leaves held licences usable; an offline counter verifies with
only what the API publishes."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import httpx
import joserfc.jwk
import joserfc.jws
import pytest

import wallet
from backend.licence.service import LicenceService
from backend.licence.status import StatusLists
from tests.backend.licence.factories import (
    asked,
    consent,
    counter,
    delivered,
    holder,
    licences,
    set_library_status,
)
from tests.services import Services


def _independent_statuses(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The token's claims, verified with joserfc, and its list decompressed with zlib alone."""
    key_set = joserfc.jwk.KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    claims = json.loads(joserfc.jws.deserialize_compact(token, key_set).payload)
    lst = claims["status_list"]["lst"]
    return claims, zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))


def _status_at(raw: bytes, idx: int, bits: int = 2) -> int:
    per_byte = 8 // bits
    return (raw[idx // per_byte] >> ((idx % per_byte) * bits)) & ((1 << bits) - 1)


async def _status_ref(web: httpx.AsyncClient, citizen: Any, licence_id: str) -> tuple[str, int]:
    credential = (await web.get(f"/api/v1/licences/{licence_id}", headers=citizen.headers)).json()[
        "credential"
    ]
    payload = credential.split("~")[0].split(".")[1]
    ref = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["status"]["status_list"]
    return ref["uri"], ref["idx"]


async def _library_identifier(web: httpx.AsyncClient, citizen: Any, kind: str) -> str:
    everything = (await web.get("/_sandbox/elicence/licences")).json()
    (found,) = [
        lic["identifier"]
        for lic in everything
        if lic["holder_id_number"] == citizen.person["id_number"] and lic["kind_code"] == kind
    ]
    return str(found)


async def test_a_licence_revoked_at_the_library_reads_revoked_on_the_status_list(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen, at = await holder(web, "JMSFZ", "JDCJSZ"), await counter(services)
    driving = next(i for i in await licences(web, citizen) if i["kind_code"] == "JDCJSZ")
    uri, idx = await _status_ref(web, citizen, driving["id"])
    assert uri.endswith("/api/v1/licences/status/1")
    request_id = await asked(web, citizen, at, "JDCJSZ", ["vehicle_classes"])
    assert (await consent(web, citizen, request_id, ["vehicle_classes"])).status_code == 200

    await set_library_status(web, await _library_identifier(web, citizen, "JDCJSZ"), "revoked")
    assert await services.wiring.get(StatusLists).follow_feed() >= 1

    jwks = (await web.get("/.well-known/jwt-vc-issuer")).json()["jwks"]
    listed = await web.get("/api/v1/licences/status/1")
    assert listed.headers["content-type"].startswith("application/statuslist+jwt")
    claims, raw = _independent_statuses(listed.text, jwks)
    assert claims["sub"] == uri
    assert claims["ttl"] == 300
    assert claims["exp"] > claims["iat"]
    assert _status_at(raw, idx) == 1, "revoked reads INVALID to an independent reader"
    assert next(i for i in await licences(web, citizen) if i["kind_code"] == "JDCJSZ")["status"] == "revoked"

    presentation = (await delivered(web, at, request_id))["presentation"]
    refused = await web.post(
        f"/api/v1/licence-verification/requests/{request_id}/verify",
        json={"presentation": presentation},
        headers=at.headers,
    )
    assert refused.status_code == 422, refused.text
    assert (refused.json()["code"], refused.json()["extra"]["reason"]) == (
        "licence.presentation_invalid",
        "revoked",
    )

    again = await asked(web, citizen, at, "JDCJSZ", ["vehicle_classes"])
    blocked = await consent(web, citizen, again, ["vehicle_classes"])
    assert (blocked.status_code, blocked.json()["code"]) == (409, "licence.unusable")


async def test_a_suspension_reads_suspended_and_a_reinstatement_valid_again(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    (card,) = await licences(web, citizen)
    _, idx = await _status_ref(web, citizen, card["id"])
    identifier = await _library_identifier(web, citizen, "JMSFZ")
    jwks = (await web.get("/.well-known/jwt-vc-issuer")).json()["jwks"]
    status_lists = services.wiring.get(StatusLists)
    for library_status, expected in (("suspended", 2), ("valid", 0)):
        await set_library_status(web, identifier, library_status)
        await status_lists.follow_feed()
        _, raw = _independent_statuses((await web.get("/api/v1/licences/status/1")).text, jwks)
        assert _status_at(raw, idx) == expected


async def test_the_log_records_every_issuance_and_answer_and_any_edit_is_found(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen, at = await holder(web, "JMSFZ"), await counter(services)
    await licences(web, citizen)
    first = await asked(web, citizen, at, "JMSFZ", ["name", "address"])
    await consent(web, citizen, first, ["name"])
    second = await asked(web, citizen, at, "JMSFZ", ["name"])
    await web.post(f"/api/v1/licences/requests/{second}/decline", headers=citizen.headers)

    exported = await web.get("/api/v1/licences/log", headers=citizen.headers)
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert [r["event"] for r in body["rows"]] == ["issued", "disclosed", "declined"]
    disclosed = body["rows"][1]
    assert (disclosed["requested"], disclosed["disclosed"]) == ([["address"], ["name"]], [["name"]])
    assert disclosed["verifier_name"] == "宿城区政务服务中心3号窗口"
    assert citizen.person["name"] not in exported.text, "the log names fields, never their values"

    jwks = (await web.get("/.well-known/jwt-vc-issuer")).json()["jwks"]
    keys = wallet.jwks_lookup(jwks)
    entries, head = wallet.load_log_export(exported.content)
    verified = wallet.verify_log(entries, head, next(iter(keys.values())), sub=f"citizen:{citizen.id}")
    assert verified.n == 3

    edited = json.loads(exported.content)
    edited["rows"][1]["disclosed"] = []
    entries, head = wallet.load_log_export(json.dumps(edited))
    with pytest.raises(wallet.errors.LogRowAltered) as caught:
        wallet.verify_log(entries, head, next(iter(keys.values())))
    assert caught.value.seq == 2
    deleted = json.loads(exported.content)
    del deleted["rows"][1]
    entries, head = wallet.load_log_export(json.dumps(deleted))
    with pytest.raises(wallet.errors.LogTampered):
        wallet.verify_log(entries, head, next(iter(keys.values())))


async def test_the_library_down_leaves_held_licences_usable_and_a_refresh_says_so(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen, at = await holder(web, "JMSFZ"), await counter(services)
    await licences(web, citizen)
    await web.post("/_sandbox/elicence/faults", json={"down": True})
    try:
        refresh = await web.post("/api/v1/licences/refresh", headers=citizen.headers)
        assert (refresh.status_code, refresh.json()["code"]) == (503, "licence.library_unavailable")
        assert refresh.headers["retry-after"] == "30"
        request_id = await asked(web, citizen, at, "JMSFZ", ["name"])
        assert (await consent(web, citizen, request_id, ["name"])).status_code == 200
    finally:
        await web.post("/_sandbox/elicence/faults/reset")


async def test_an_offline_counter_verifies_with_cached_keys_and_status_list(
    web: httpx.AsyncClient, services: Services
) -> None:
    """What a counter without a network at the moment of the scan holds: the issuer's keys and a
    status list fetched earlier. The presentation verifies with those alone."""
    jwks = (await web.get("/.well-known/jwt-vc-issuer")).json()["jwks"]
    citizen, at = await holder(web, "JMSFZ"), await counter(services)
    request_id = await asked(web, citizen, at, "JMSFZ", ["age_over_18"])
    assert (await consent(web, citizen, request_id, ["age_over_18"])).status_code == 200
    received = await delivered(web, at, request_id)
    cached = (await web.get("/api/v1/licences/status/1")).text

    keys = wallet.jwks_lookup(jwks)
    now = int(services.clock.now().timestamp())
    lists = wallet.read_status_list(
        cached, uri=_uri(services), issuer_key_lookup=lambda _i, kid: keys.get(kid or ""), now=now
    )
    verified = wallet.verify(
        received["presentation"],
        issuer_key_lookup=lambda _i, kid: keys.get(kid or ""),
        audience=received["audience"],
        nonce=received["nonce"],
        now=now,
        status_check=lambda _uri, idx: lists.status_list.get(idx),
    )
    assert verified.claims["age_over_18"] is True
    assert "birth_date" not in verified.claims
    assert "name" not in verified.claims


def _uri(services: Services) -> str:
    return f"{services.wiring.get(StatusLists).issuer}/api/v1/licences/status/1"


async def test_a_field_for_another_feature_comes_with_its_provenance(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    (card,) = await licences(web, citizen)
    found = await services.wiring.get(LicenceService).field(
        citizen.id, "JMSFZ", "address", audience="urn:suqian:service:applications"
    )
    assert found.value.startswith("江苏省宿迁市")
    assert (str(found.licence_id), found.version, found.claim, found.status) == (
        card["id"],
        1,
        "address",
        "valid",
    )
    assert len(found.digest) == 43
    assert found.presentation.count("~") == 2, "just the one claim's disclosure and the KB-JWT"
