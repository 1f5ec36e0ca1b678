"""Seeding for the acting-as row, over the public API only: a citizen registers, the legal-person
registry's sandbox is told they represent an enterprise (on the same connection: the sandbox's state
is per worker), they claim it, and each run takes a fresh token acting for it. The measured request is
an agent's read of the organisation's applications: the guard's live check of the authorisation (one
primary-key read) on top of what the citizen's own read costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from load_tests.identities import Identity
from load_tests.seed import API, Seeder
from load_tests.wrk import RequestSpec

# A valid GB 32100 code (checked by the API) no seeded organisation uses; each run has a fresh sandbox.
CREDIT_CODE = "91321302MABENCH143"


@dataclass
class _Claimed:
    organisation_id: str | None = None


_claimed: dict[int, _Claimed] = {}


def acting_applications(seeder: Seeder) -> RequestSpec:
    """``GET /api/v1/applications`` with a token acting for an enterprise the citizen claimed."""
    seeder.require(
        ("POST", f"{API}/organisations"), ("POST", f"{API}/organisations/{{organisation_id}}/acting")
    )
    state = _claimed.setdefault(id(seeder), _Claimed())

    def claim(call: Any, identity: Identity, token: str) -> None:
        call(
            "POST",
            "/_sandbox/legalperson/organisations",
            json={
                "credit_code": CREDIT_CODE, "name": "宿迁压测贸易有限公司", "kind": "enterprise",
                "representative_name": identity.name, "representative_id_number": identity.id_number,
            },
        )  # fmt: skip
        claimed = call(
            "POST", f"{API}/organisations", json={"credit_code": CREDIT_CODE},
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        state.organisation_id = str(claimed["id"])

    citizen = seeder.representative(claim)
    acting = seeder.call(
        "POST",
        f"{API}/organisations/{state.organisation_id}/acting",
        headers={"Authorization": f"Bearer {citizen.access_token}"},
    )
    return RequestSpec("GET", f"{API}/applications", {"Authorization": f"Bearer {acting['access_token']}"})
