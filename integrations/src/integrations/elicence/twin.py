"""Sandbox twin of the e-licence library, with licences of several kinds.

API (signed): ``POST /v1/licences/search``, ``GET /v1/licences/{identifier}``,
``GET /v1/licences/changes?after=&limit=`` (the status-change feed).
Control: ``GET /licences`` (everything), ``POST /licences`` (a department issues a licence of a kind
to a person: ``{"name", "id_number", "kind_code", "address"?, "issued_on"?}``),
``POST /organisation-licences`` (market regulation issues an organisation its business licence, filed
under its credit code: ``{"credit_code", "name", "kind", "legal_representative", "address"?,
"registered_on"?}``), ``POST /licences/{identifier}/status`` (``{"status": …}``:
revoke, suspend or reinstate a licence, as its department would; it joins the feed), plus the
common ``/faults`` routes.

Each kind carries the data items (照面信息) of its real certificate, keyed by their Chinese names.

Seals carry a placeholder signature (deterministic bytes, not a real SM2 signature): the
twin exercises the shape of the metadata, not its cryptography.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._seed import NAMED_RESIDENTS, SUQIAN_AREAS, Resident, generate_residents
from integrations._twin import Twin, TwinContext, new_twin
from integrations.creditcode import is_valid_credit_code, make_credit_code
from integrations.elicence.identifier import make_licence_identifier
from integrations.elicence.schemas import (
    Licence,
    LicenceChange,
    LicenceChanges,
    LicenceList,
    LicenceSearch,
    LicenceStatus,
    LicenceSummary,
    SealInfo,
)
from integrations.errors import InvalidIdNumber
from integrations.idnumber import parse_id_number
from integrations.legalperson.schemas import Organisation, OrganisationKind
from integrations.legalperson.twin import SANDBOX_ORGANISATIONS

__all__ = ["ElicenceState", "create_twin"]


@dataclass(frozen=True, slots=True)
class _Kind:
    code: str
    name: str
    number: int  # kind number inside the type code
    issuer: str
    years: int | None  # validity; None = no expiry


_ISSUERS = {
    "公安": ("宿迁市公安局", make_credit_code("11", "321300", "01414201")),
    "交警": ("宿迁市公安局交通警察支队", make_credit_code("11", "321300", "01414305")),
    "民政": ("宿迁市宿城区民政局", make_credit_code("11", "321302", "01415107")),
    "资规": ("宿迁市自然资源和规划局", make_credit_code("11", "321300", "01416009")),
    "市监": ("宿迁市市场监督管理局", make_credit_code("11", "321300", "01417002")),
}
# The defining department of each kind; its code prefixes the type code.
_DEFINER = make_credit_code("11", "100000", "00001312")
KINDS = {
    k.code: k
    for k in (
        _Kind("JMSFZ", "居民身份证", 1, "公安", 20),
        _Kind("JDCJSZ", "机动车驾驶证", 2, "交警", 6),
        _Kind("JHZ", "结婚证", 3, "民政", None),
        _Kind("BDCQZS", "不动产权证书", 4, "资规", None),
        _Kind("GTGSHYYZZ", "个体工商户营业执照", 5, "市监", None),
        _Kind("YYZZ", "营业执照", 6, "市监", None),
    )
}
_NAMED_LICENCES: dict[str, tuple[str, ...]] = {
    "张伟": ("JMSFZ", "JDCJSZ", "BDCQZS"),
    "王芳": ("JMSFZ", "JHZ", "GTGSHYYZZ"),
    "李娜": ("JMSFZ",),
    "刘洋": ("JMSFZ", "JDCJSZ"),
    "陈静": ("JMSFZ",),
    "赵强": ("JMSFZ",),
    "周子涵": (),
    "吴明": ("JMSFZ", "LEGACY_JDCJSZ"),
}


class StatusChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    status: LicenceStatus


class NewLicence(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A department issues a licence of ``kind_code`` to a person (control route)."""

    name: str
    id_number: str
    kind_code: str
    address: str = "江苏省宿迁市宿城区幸福中路1号"
    issued_on: dt.date = dt.date(2024, 3, 1)


class NewOrganisationLicence(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Market regulation issues an organisation its business licence (control route): 营业执照 for an
    enterprise, 个体工商户营业执照 for an individual business."""

    credit_code: str
    name: str
    legal_representative: str
    kind: OrganisationKind = "enterprise"
    address: str = "江苏省宿迁市宿城区幸福中路1号"
    registered_on: dt.date = dt.date(2024, 3, 1)


def _holder(body: NewLicence) -> Resident:
    number = body.id_number.upper()
    return Resident(
        name=body.name,
        id_number=number,
        phone="",
        sex="male" if int(number[16]) % 2 else "female",
        birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        area_code=number[:6],
        address=body.address,
    )


@dataclass(slots=True)
class ElicenceState:
    licences: dict[str, Licence] = field(default_factory=dict)
    changes: list[LicenceChange] = field(default_factory=list)

    def held_by(self, id_number: str) -> list[Licence]:
        return [lic for lic in self.licences.values() if lic.holder_id_number == id_number]

    def set_status(self, identifier: str, status: LicenceStatus, at: dt.datetime) -> Licence:
        lic = self.licences[identifier]
        if lic.status != status:
            lic = msgspec.structs.replace(lic, status=status)
            self.licences[identifier] = lic
            seq = len(self.changes) + 1
            self.changes.append(LicenceChange(seq=seq, identifier=identifier, status=status, changed_at=at))
        return lic


def _kind_data(
    person: Resident, kind: _Kind, number: str, issued_on: dt.date, rng: random.Random
) -> dict[str, str]:
    """The certificate's face: what a clerk reads off the paper version of this kind."""
    sex = "男" if person.sex == "male" else "女"
    born = person.birth_date.isoformat()
    if kind.code == "JMSFZ":
        until = issued_on.replace(year=issued_on.year + (kind.years or 20)).isoformat()
        return {
            "姓名": person.name, "性别": sex, "民族": person.ethnicity.removesuffix("族"), "出生日期": born,
            "住址": person.address, "公民身份号码": person.id_number,
            "签发机关": f"宿迁市公安局{SUQIAN_AREAS.get(person.area_code, '')}分局",
            "有效期限": f"{issued_on.isoformat()}至{until}",
        }  # fmt: skip
    if kind.code == "JDCJSZ":
        return {
            "姓名": person.name, "性别": sex, "出生日期": born, "住址": person.address,
            "证号": person.id_number, "准驾车型": rng.choice(("C1", "C2", "B2", "A1")),
            "初次领证日期": issued_on.isoformat(), "有效期限": f"{kind.years}年",
        }  # fmt: skip
    if kind.code == "JHZ":
        return {
            "持证人": person.name, "登记日期": issued_on.isoformat(), "结婚证字号": number,
            "配偶姓名": rng.choice("王李张刘陈杨") + rng.choice(("明", "静", "磊", "芳")),
        }  # fmt: skip
    if kind.code == "BDCQZS":
        return {
            "权利人": person.name, "共有情况": "单独所有", "坐落": person.address,
            "不动产单元号": f"{person.area_code}{rng.randrange(10**12):012d}F0001",
            "权利类型": "国有建设用地使用权/房屋所有权", "用途": "城镇住宅用地/住宅",
            "面积": f"{rng.randrange(60, 180)}.{rng.randrange(100):02d}平方米",
        }  # fmt: skip
    return {
        "名称": f"宿迁市{person.name}便利店", "经营者": person.name, "组成形式": "个人经营",
        "经营场所": person.address, "经营范围": "预包装食品、日用百货零售",
        "注册日期": issued_on.isoformat(),
    }  # fmt: skip


def _licence(
    person: Resident,
    kind_code: str,
    serial_no: int,
    issued_on: dt.date,
    *,
    data: dict[str, str] | None = None,
) -> Licence:
    legacy = kind_code.startswith("LEGACY_")
    kind = KINDS[kind_code.removeprefix("LEGACY_")]
    issuer_name, issuer_code = _ISSUERS[kind.issuer]
    serial = f"{person.area_code}{serial_no:08d}"
    identifier = (
        f"SQ-{kind.code}-{issued_on.year}-{serial_no:06d}"  # pre-standard numbering
        if legacy
        else make_licence_identifier(f"{_DEFINER}{kind.number:03d}", issuer_code, serial)
    )
    expires = issued_on.replace(year=issued_on.year + kind.years) if kind.years else None
    status: LicenceStatus = "revoked" if person.deceased else "valid"
    if expires is not None and expires < dt.date(2025, 1, 1):
        status = "expired"
    number = person.id_number if kind.code == "JMSFZ" else f"{kind.code}{serial}"
    rng = random.Random(identifier)  # noqa: S311 - sandbox data; per licence, so seeding order holds
    data = data if data is not None else _kind_data(person, kind, number, issued_on, rng)
    digest = hashlib.sha256(msgspec.json.encode([identifier, data])).hexdigest()
    signed_at = dt.datetime.combine(issued_on, dt.time(9, 30), dt.UTC)
    return Licence(
        identifier=identifier,
        kind_code=kind.code,
        kind_name=kind.name,
        number=number,
        holder_name=person.name,
        holder_id_number=person.id_number,
        issuer_name=issuer_name,
        issuer_code=issuer_code,
        issued_on=issued_on,
        expires_on=expires,
        status=status,
        trust_level="A",
        data=data,
        file_format="OFD",
        file_sha256=digest,
        seal=SealInfo(
            seal_name=f"{issuer_name}电子证照专用章",
            seal_code=f"3213{kind.number:02d}{serial_no:08d}",
            issuer_code=issuer_code,
            algorithm="SM2withSM3",
            certificate_serial=hashlib.sha256(issuer_code.encode()).hexdigest()[:32],
            signature=base64.b64encode(hashlib.sha512(digest.encode()).digest()).decode(),
            signed_at=signed_at,
        ),
    )


def _summary(lic: Licence) -> LicenceSummary:
    return LicenceSummary(
        identifier=lic.identifier,
        kind_code=lic.kind_code,
        kind_name=lic.kind_name,
        number=lic.number,
        issuer_name=lic.issuer_name,
        issued_on=lic.issued_on,
        expires_on=lic.expires_on,
        status=lic.status,
    )


def seed_licences(seed: int) -> dict[str, Licence]:
    """Named residents get the kinds in the README; generated ones an ID card and maybe
    a driving licence."""
    rng = random.Random(f"{seed}:licences")  # noqa: S311 - sandbox data
    plan: list[tuple[Resident, str]] = []
    for person in NAMED_RESIDENTS:
        plan += [(person, kind) for kind in _NAMED_LICENCES[person.name]]
    for person in generate_residents(seed):
        plan.append((person, "JMSFZ"))
        if rng.random() < 0.5:
            plan.append((person, "JDCJSZ"))
    licences: dict[str, Licence] = {}
    for serial_no, (person, kind) in enumerate(plan, start=1):
        issued = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 12))
        lic = _licence(person, kind, serial_no, max(issued, person.birth_date))
        licences[lic.identifier] = lic
    # After the people's, so their serials stay what they were before organisations held licences.
    for serial_no, registered in enumerate(SANDBOX_ORGANISATIONS, start=len(plan) + 1):
        lic = organisation_licence(registered.organisation, serial_no)
        licences[lic.identifier] = lic
    return licences


def organisation_licence(organisation: Organisation, serial_no: int) -> Licence:
    """The business licence (营业执照, or 个体工商户营业执照) held by ``organisation`` under its unified
    social credit code: the library's holder number for an organisation is its credit code."""
    holder = Resident(
        name=organisation.name, id_number=organisation.credit_code, phone="", sex="",
        birth_date=organisation.registered_on, area_code=organisation.credit_code[2:8],
        address=organisation.address,
    )  # fmt: skip
    individual = organisation.kind == "individual_business"
    data = (
        {
            "名称": organisation.name, "经营者": organisation.legal_representative, "组成形式": "个人经营",
            "经营场所": organisation.address, "经营范围": "预包装食品、日用百货零售",
            "注册日期": organisation.registered_on.isoformat(),
        }
        if individual
        else {
            "统一社会信用代码": organisation.credit_code, "名称": organisation.name, "类型": "有限责任公司",
            "法定代表人": organisation.legal_representative, "住所": organisation.address,
            "成立日期": organisation.registered_on.isoformat(), "登记机关": organisation.authority,
        }
    )  # fmt: skip
    kind = "GTGSHYYZZ" if individual else "YYZZ"
    return _licence(holder, kind, serial_no, organisation.registered_on, data=data)


def create_twin(context: TwinContext) -> Twin:
    """The e-licence twin with seeded licences."""
    state = ElicenceState(licences=seed_licences(context.seed))
    twin, router = new_twin("elicence", context, state)

    @router.route("POST", "/v1/licences/search")
    async def search(request: Request) -> Response:
        body = request.json(LicenceSearch)
        items = [_summary(lic) for lic in state.held_by(body.holder_id_number.upper())]
        return json_response(LicenceList(items=items))

    @router.route("GET", "/v1/licences/changes")
    async def changes(request: Request) -> Response:
        try:
            after = int(request.query.get("after", "0"))
            limit = min(max(int(request.query.get("limit", "500")), 1), 1000)
        except ValueError:
            raise HttpError(400, "invalid_request", "after and limit are integers") from None
        items = [c for c in state.changes if c.seq > after][:limit]
        return json_response(LicenceChanges(items=items, last_seq=items[-1].seq if items else after))

    @router.route("GET", "/v1/licences/{identifier}")
    async def get(request: Request) -> Response:
        lic = state.licences.get(request.path_params["identifier"])
        if lic is None:
            raise HttpError(404, "licence_not_found")
        return json_response(lic)

    @router.route("POST", "/licences/{identifier}/status", control=True)
    async def set_status(request: Request) -> Response:
        identifier = request.path_params["identifier"]
        if identifier not in state.licences:
            raise HttpError(404, "licence_not_found")
        change = request.json(StatusChange)
        return json_response(
            state.set_status(
                identifier, change.status, dt.datetime.fromtimestamp(context.clock.now(), dt.UTC)
            )
        )

    @router.route("POST", "/licences", control=True)
    async def add(request: Request) -> Response:
        body = request.json(NewLicence)
        try:
            holder = _holder(body)
            parse_id_number(holder.id_number)
        except (ValueError, IndexError, InvalidIdNumber):
            raise HttpError(422, "invalid_id_number") from None
        if body.kind_code not in KINDS:
            raise HttpError(422, "unknown_kind", f"kinds: {', '.join(KINDS)}")
        # Serials above the seeded ones: a licence issued here never takes a seeded identifier.
        lic = _licence(holder, body.kind_code, 90_000_000 + len(state.licences), body.issued_on)
        state.licences[lic.identifier] = lic
        return json_response(lic, status=201)

    @router.route("POST", "/organisation-licences", control=True)
    async def add_organisation(request: Request) -> Response:
        body = request.json(NewOrganisationLicence)
        if not is_valid_credit_code(body.credit_code.upper()):
            raise HttpError(422, "invalid_credit_code")
        organisation = Organisation(
            credit_code=body.credit_code.upper(), name=body.name, kind=body.kind, status="active",
            legal_representative=body.legal_representative, registered_on=body.registered_on,
            address=body.address, authority=_ISSUERS["市监"][0],
        )  # fmt: skip
        lic = organisation_licence(organisation, 90_000_000 + len(state.licences))
        state.licences[lic.identifier] = lic
        return json_response(lic, status=201)

    @router.route("GET", "/licences", control=True)
    async def everything(_: Request) -> Response:
        return json_response(list(state.licences.values()))

    return twin
