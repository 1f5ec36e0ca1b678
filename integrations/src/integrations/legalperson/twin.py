"""Sandbox twin of the legal-person registry (法人库), seeded with Suqian enterprises and individual
businesses whose legal representatives are the sandbox's named residents (``SANDBOX_ORGANISATIONS``;
the e-licence twin holds their business licences under the same credit codes).

API (signed): ``GET /v1/organisations/{credit_code}``,
``POST /v1/organisations/{credit_code}/representative/check`` ``{"name", "id_number"}`` →
``{"match": bool}`` (never which field differed).
Control: ``GET /organisations`` (everything, representatives' ID numbers masked),
``POST /organisations`` (register one: ``{"credit_code", "name", "kind", "representative_name",
"representative_id_number", "status"?}``), plus the common ``/faults`` routes.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._seed import NAMED_RESIDENTS
from integrations._twin import Twin, TwinContext, new_twin
from integrations.creditcode import is_valid_credit_code, make_credit_code
from integrations.legalperson.schemas import (
    Organisation,
    OrganisationKind,
    RegistrationStatus,
    RepresentativeCheck,
    RepresentativeVerdict,
)
from integrations.masking import mask_id_number

__all__ = ["SANDBOX_ORGANISATIONS", "LegalPersonState", "NewOrganisation", "Registered", "create_twin"]

_AUTHORITY = "宿迁市市场监督管理局"


@dataclass(frozen=True, slots=True)
class Registered:
    """A registration and its representative's identity (which the registry never publishes)."""

    organisation: Organisation
    representative_id_number: str


def _seeded(
    prefix: str, region: str, base: str, name: str, kind: OrganisationKind, person: int, on: str
) -> Registered:
    rep = NAMED_RESIDENTS[person]
    return Registered(
        organisation=Organisation(
            credit_code=make_credit_code(prefix, region, base), name=name, kind=kind, status="active",
            legal_representative=rep.name, registered_on=dt.date.fromisoformat(on), address=rep.address,
            authority=_AUTHORITY,
        ),
        representative_id_number=rep.id_number,
    )  # fmt: skip


# Representatives are NAMED_RESIDENTS by position: 0 张伟, 1 王芳, 3 刘洋, 7 吴明.
SANDBOX_ORGANISATIONS: tuple[Registered, ...] = (
    _seeded("91", "321302", "MA1XQ7L2", "宿迁市洋河酒业贸易有限公司", "enterprise", 0, "2016-04-12"),
    _seeded("91", "321311", "MA2B8K4N", "宿迁宿豫电子商务有限公司", "enterprise", 3, "2019-09-03"),
    _seeded("92", "321311", "L0002468", "宿迁市宿豫区王芳便利店", "individual_business", 1, "2018-05-20"),
    _seeded("92", "321302", "L0001357", "宿迁市宿城区吴明修车铺", "individual_business", 7, "2021-03-15"),
)


class NewOrganisation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    credit_code: str
    name: str
    kind: OrganisationKind
    representative_name: str
    representative_id_number: str
    status: RegistrationStatus = "active"
    registered_on: dt.date = dt.date(2024, 3, 1)
    address: str = "江苏省宿迁市宿城区幸福中路1号"


@dataclass(slots=True)
class LegalPersonState:
    organisations: dict[str, Registered] = field(default_factory=dict)
    # Representative checks answered (credit code, match), for tests that count calls.
    checks: list[tuple[str, bool]] = field(default_factory=list)


def create_twin(context: TwinContext) -> Twin:
    state = LegalPersonState(organisations={r.organisation.credit_code: r for r in SANDBOX_ORGANISATIONS})
    twin, router = new_twin("legalperson", context, state)

    def registered(request: Request) -> Registered:
        found = state.organisations.get(request.path_params["code"].upper())
        if found is None:
            raise HttpError(404, "organisation_not_found", "未找到该统一社会信用代码的登记")
        return found

    @router.route("GET", "/v1/organisations/{code}")
    async def read(request: Request) -> Response:
        return json_response(registered(request).organisation)

    @router.route("POST", "/v1/organisations/{code}/representative/check")
    async def check(request: Request) -> Response:
        found = registered(request)
        body = request.json(RepresentativeCheck)
        same_number = hmac.compare_digest(body.id_number.upper(), found.representative_id_number)
        match = same_number and body.name == found.organisation.legal_representative
        state.checks.append((found.organisation.credit_code, match))
        return json_response(RepresentativeVerdict(match=match))

    @router.route("POST", "/organisations", control=True)
    async def register(request: Request) -> Response:
        body = request.json(NewOrganisation)
        if not is_valid_credit_code(body.credit_code):
            raise HttpError(422, "invalid_credit_code")
        organisation = Organisation(
            credit_code=body.credit_code, name=body.name, kind=body.kind, status=body.status,
            legal_representative=body.representative_name, registered_on=body.registered_on,
            address=body.address, authority=_AUTHORITY,
        )  # fmt: skip
        state.organisations[body.credit_code] = Registered(
            organisation, body.representative_id_number.upper()
        )
        return json_response(organisation, status=201)

    @router.route("GET", "/organisations", control=True)
    async def everything(_: Request) -> Response:
        return json_response(
            [
                {
                    **msgspec.to_builtins(r.organisation),
                    "representative_id_number": mask_id_number(r.representative_id_number),
                }
                for r in state.organisations.values()
            ]
        )

    return twin
