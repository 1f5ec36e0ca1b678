"""Organisations as their people make them over HTTP: one registered at the legal-person registry's
twin and claimed by its representative, agents authorised with some scopes, acting-as tokens."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from integrations.creditcode import make_credit_code
from tests.backend.citizen.factories import register


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def registered(client: httpx.AsyncClient, person: dict[str, str], *, status: str = "active") -> str:
    code = make_credit_code("91", "321302", f"T{secrets.randbelow(10**7):07d}")
    added = await client.post(
        "/_sandbox/legalperson/organisations",
        json={
            "credit_code": code, "name": f"测试{code[-6:]}有限公司", "kind": "enterprise", "status": status,
            "representative_name": person["name"], "representative_id_number": person["id_number"],
        },
    )  # fmt: skip
    assert added.status_code == 201, added.text
    return code


async def claimed(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, str], str]:
    """A citizen (registration answer), their headers, and the organisation they claimed."""
    citizen = await register(client)
    headers = bearer(citizen["tokens"]["access_token"])
    code = await registered(client, citizen["_person"])
    answer = await client.post("/api/v1/organisations", json={"credit_code": code}, headers=headers)
    assert answer.status_code == 201, answer.text
    return citizen, headers, answer.json()["id"]


async def authorise(
    client: httpx.AsyncClient, representative: dict[str, str], organisation_id: str, *scopes: str
) -> tuple[dict[str, Any], str]:
    """A newly registered citizen (registration answer) the representative authorised with
    ``scopes`` for three days, and the authorisation's id."""
    agent = await register(client)
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    person = {k: agent["_person"][k] for k in ("phone", "name", "id_number")}
    granted = await client.post(
        f"/api/v1/organisations/{organisation_id}/agents",
        json={**person, "scopes": list(scopes), "expires_at": until},
        headers=representative,
    )
    assert granted.status_code == 201, granted.text
    return agent, granted.json()["id"]


async def acting(client: httpx.AsyncClient, agent: dict[str, Any], organisation_id: str) -> dict[str, str]:
    """Headers of ``agent``'s acting-as token for the organisation."""
    own = bearer(agent["tokens"]["access_token"])
    answer = await client.post(f"/api/v1/organisations/{organisation_id}/acting", headers=own)
    assert answer.status_code == 201, answer.text
    return bearer(answer.json()["access_token"])
