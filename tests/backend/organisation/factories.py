"""Factories for organisation tests: an organisation at the legal-person twin, claimed by its
representative over HTTP, an agent authorised by them, and a token acting for the organisation."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from integrations.creditcode import make_credit_code
from tests.backend.citizen.factories import register

# 91: an enterprise (企业), 92: an individual business (个体工商户), GB 32100's registration kinds.
KIND_PREFIX = {"enterprise": "91", "individual_business": "92"}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def registered(
    client: httpx.AsyncClient, person: dict[str, str], *, status: str = "active", kind: str = "enterprise"
) -> str:
    """A new organisation at the legal-person twin whose representative is ``person``; its credit code."""
    code = make_credit_code(KIND_PREFIX[kind], "321302", f"T{secrets.randbelow(10**7):07d}")
    added = await client.post(
        "/_sandbox/legalperson/organisations",
        json={
            "credit_code": code, "name": name_of(code), "kind": kind, "status": status,
            "representative_name": person["name"], "representative_id_number": person["id_number"],
        },
    )  # fmt: skip
    assert added.status_code == 201, added.text
    return code


def name_of(code: str) -> str:
    """The registered name ``registered`` gives the organisation with ``code``."""
    return f"测试{code[-6:]}有限公司"


async def business_licence(
    client: httpx.AsyncClient, code: str, representative: str, *, kind: str = "enterprise"
) -> dict[str, Any]:
    """Market regulation issues the organisation ``registered`` made its business licence at the
    e-licence twin (营业执照, or 个体工商户营业执照 for an individual business), filed under its code."""
    issued = await client.post(
        "/_sandbox/elicence/organisation-licences",
        json={
            "credit_code": code,
            "name": name_of(code),
            "kind": kind,
            "legal_representative": representative,
        },
    )
    assert issued.status_code == 201, issued.text
    licence: dict[str, Any] = issued.json()
    return licence


async def claimed(
    client: httpx.AsyncClient, *, kind: str = "enterprise"
) -> tuple[dict[str, Any], dict[str, str], str]:
    """A citizen (registration answer), their headers, and the organisation they claimed."""
    citizen = await register(client)
    headers = bearer(citizen["tokens"]["access_token"])
    code = await registered(client, citizen["_person"], kind=kind)
    answer = await client.post("/api/v1/organisations", json={"credit_code": code}, headers=headers)
    assert answer.status_code == 201, answer.text
    return citizen, headers, answer.json()["id"]


async def authorise(
    client: httpx.AsyncClient, representative: dict[str, str], organisation_id: str, *scopes: str
) -> tuple[dict[str, Any], str]:
    """A newly registered citizen (registration answer) the representative authorised with
    ``scopes`` for three days, and the authorisation's id."""
    registered_agent = await register(client)
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    person = {k: registered_agent["_person"][k] for k in ("phone", "name", "id_number")}
    granted = await client.post(
        f"/api/v1/organisations/{organisation_id}/agents",
        json={**person, "scopes": list(scopes), "expires_at": until},
        headers=representative,
    )
    assert granted.status_code == 201, granted.text
    return registered_agent, granted.json()["id"]


async def acting(client: httpx.AsyncClient, agent: dict[str, Any], organisation_id: str) -> dict[str, str]:
    """Headers of ``agent``'s acting-as token for the organisation."""
    own = bearer(agent["tokens"]["access_token"])
    token = await client.post(f"/api/v1/organisations/{organisation_id}/acting", headers=own)
    assert token.status_code == 201, token.text
    return bearer(token.json()["access_token"])
