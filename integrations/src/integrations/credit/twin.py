"""Sandbox twin of the public credit platform.

API (signed): ``POST /v1/credit/persons/query``, ``POST /v1/credit/enterprises/query``,
``POST /v1/credit/disclosures/search`` (enterprises' records by name fragment or exact credit code,
in ``record_id`` order, keyset-paged by ``after``), ``POST /v1/credit/objections`` (honours
``Idempotency-Key``), ``GET /v1/credit/objections/{id}`` (its status and reply).
Control: ``GET /enterprises``, ``POST /enterprises`` ``{"credit_code", "name"}``, ``POST /people``
``{"id_number", "name"}``, ``POST /records`` ``{"subject", "record": {...}}`` (a record about a person's
ID number or an enterprise's code), ``GET /objections``, ``POST /objections/{id}/decision``
``{"status", "reply"}``, plus the common ``/faults`` routes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._seed import NAMED_RESIDENTS, all_residents
from integrations._twin import IdempotencyStore, Twin, TwinContext, new_twin
from integrations.credit.schemas import (
    CreditRecord,
    CreditReport,
    Disclosure,
    DisclosurePage,
    DisclosureSearch,
    EnterpriseCreditQuery,
    ObjectionReceipt,
    ObjectionRequest,
    ObjectionState,
    ObjectionStatus,
    PersonCreditQuery,
)
from integrations.creditcode import make_credit_code

__all__ = ["CreditState", "Enterprise", "create_twin"]


class Enterprise(msgspec.Struct, frozen=True):
    credit_code: str
    name: str


class NewPerson(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id_number: str
    name: str


class NewRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    subject: str
    record: CreditRecord


class Decision(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    status: ObjectionState
    reply: str = ""


@dataclass(slots=True)
class CreditState:
    names: dict[str, str] = field(default_factory=dict)  # person ID number → name
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    records: dict[str, list[CreditRecord]] = field(default_factory=dict)  # subject → records
    objections: list[ObjectionReceipt] = field(default_factory=list)
    statuses: dict[str, ObjectionStatus] = field(default_factory=dict)  # objection id → status
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)

    def subject_of(self, record_id: str) -> str | None:
        for subject, records in self.records.items():
            if any(r.record_id == record_id for r in records):
                return subject
        return None


def _record(
    rid: str, category: str, title: str, authority: str, decided: str, until: str | None = None
) -> CreditRecord:
    return msgspec.convert(
        {
            "record_id": rid,
            "category": category,
            "title": title,
            "authority": authority,
            "decided_on": decided,
            "valid_until": until,
            "status": "active",
        },
        CreditRecord,
    )


ENTERPRISES = (
    Enterprise(make_credit_code("91", "321302", "MA1Y0T21"), "宿迁市运河食品有限公司"),
    Enterprise(make_credit_code("91", "321311", "MA1W8K37"), "宿迁市骆马湖物流有限公司"),
    Enterprise(make_credit_code("91", "321300", "MA20QP4H"), "江苏宿城数字科技有限公司"),
    Enterprise(make_credit_code("91", "321324", "MA1R6N5C"), "泗洪县湖滨建材有限公司"),
)


def _seed_records() -> dict[str, list[CreditRecord]]:
    zhang, _, li, liu, *_ = NAMED_RESIDENTS
    food, logistics, tech, building = (e.credit_code for e in ENTERPRISES)
    return {
        zhang.id_number: [
            _record("CR0001", "admin_licence", "食品经营许可", "宿迁市市场监督管理局", "2023-04-12")
        ],
        li.id_number: [
            _record("CR0002", "commendation", "无偿献血奉献奖", "宿迁市卫生健康委员会", "2022-06-14")
        ],
        liu.id_number: [
            _record("CR0003", "dishonest", "失信被执行人", "泗阳县人民法院", "2024-03-01", "2027-03-01")
        ],
        food: [_record("CR1001", "admin_licence", "食品生产许可", "宿迁市市场监督管理局", "2021-09-30")],
        logistics: [
            _record("CR1002", "admin_penalty", "超限运输罚款", "宿迁市交通运输局", "2024-08-19", "2025-08-19")
        ],
        tech: [_record("CR1003", "commendation", "A级纳税人", "国家税务总局宿迁市税务局", "2024-04-01")],
        building: [
            _record("CR1004", "dishonest", "重大税收违法失信主体", "国家税务总局泗洪县税务局", "2023-11-02")
        ],
    }


def create_twin(context: TwinContext) -> Twin:
    """The credit twin: named residents and four enterprises carry records."""
    state = CreditState(
        names={p.id_number: p.name for p in all_residents(context.seed)},
        enterprises={e.credit_code: e for e in ENTERPRISES},
        records=_seed_records(),
    )
    twin, router = new_twin("credit", context, state)

    def now() -> dt.datetime:
        return dt.datetime.fromtimestamp(context.clock.now(), dt.UTC)

    @router.route("POST", "/v1/credit/persons/query")
    async def query_person(request: Request) -> Response:
        body = request.json(PersonCreditQuery)
        name = state.names.get(body.id_number.upper())
        if name is None:
            raise HttpError(404, "subject_not_found")
        records = state.records.get(body.id_number.upper(), [])
        return json_response(
            CreditReport(subject_type="person", subject_name=name, records=records, queried_at=now())
        )

    @router.route("POST", "/v1/credit/enterprises/query")
    async def query_enterprise(request: Request) -> Response:
        body = request.json(EnterpriseCreditQuery)
        enterprise = state.enterprises.get(body.credit_code)
        if enterprise is None:
            raise HttpError(404, "enterprise_not_found")
        return json_response(
            CreditReport(
                subject_type="enterprise",
                subject_name=enterprise.name,
                records=state.records.get(enterprise.credit_code, []),
                queried_at=now(),
            )
        )

    @router.route("POST", "/v1/credit/objections")
    async def objection(request: Request) -> Response:
        replay = state.idempotency.replay(request)
        if replay is not None:
            return replay
        body = request.json(ObjectionRequest)
        subject = state.subject_of(body.record_id)
        if subject is None:
            raise HttpError(404, "record_not_found")
        if subject != body.applicant_id_number.upper():
            raise HttpError(403, "not_record_subject")
        if any(o.record_id == body.record_id for o in state.objections):
            raise HttpError(409, "objection_pending")
        receipt = ObjectionReceipt(
            objection_id=f"OB{len(state.objections) + 1:08d}",
            record_id=body.record_id,
            status="received",
            received_at=now(),
        )
        state.objections.append(receipt)
        state.statuses[receipt.objection_id] = ObjectionStatus(
            objection_id=receipt.objection_id, record_id=receipt.record_id, status="received"
        )
        return state.idempotency.remember(request, json_response(receipt, status=201))

    @router.route("GET", "/v1/credit/objections/{objection_id}")
    async def objection_status(request: Request) -> Response:
        found = state.statuses.get(request.path_params["objection_id"])
        if found is None:
            raise HttpError(404, "objection_not_found")
        return json_response(found)

    @router.route("POST", "/v1/credit/disclosures/search")
    async def search(request: Request) -> Response:
        body = request.json(DisclosureSearch)
        q = body.q.strip()
        if not q or len(q) > 64 or not 1 <= body.limit <= 50:
            raise HttpError(400, "invalid_query")
        hits = sorted(
            (
                Disclosure(credit_code=e.credit_code, name=e.name, record=r)
                for e in state.enterprises.values()
                if q == e.credit_code or q in e.name
                for r in state.records.get(e.credit_code, [])
                if body.category in (None, r.category)
            ),
            key=lambda d: d.record.record_id,
        )
        if body.after is not None:
            hits = [d for d in hits if d.record.record_id > body.after]
        return json_response(DisclosurePage(items=hits[: body.limit], more=len(hits) > body.limit))

    @router.route("POST", "/enterprises", control=True)
    async def add_enterprise(request: Request) -> Response:
        enterprise = request.json(Enterprise)
        state.enterprises[enterprise.credit_code] = enterprise
        return json_response(enterprise, status=201)

    @router.route("POST", "/people", control=True)
    async def add_person(request: Request) -> Response:
        person = request.json(NewPerson)
        state.names[person.id_number.upper()] = person.name
        return json_response(person, status=201)

    @router.route("POST", "/records", control=True)
    async def add_record(request: Request) -> Response:
        new = request.json(NewRecord)
        if state.subject_of(new.record.record_id) is not None:
            raise HttpError(409, "record_exists")
        state.records.setdefault(new.subject.upper(), []).append(new.record)
        return json_response(new.record, status=201)

    @router.route("POST", "/objections/{objection_id}/decision", control=True)
    async def decide(request: Request) -> Response:
        found = state.statuses.get(request.path_params["objection_id"])
        if found is None:
            raise HttpError(404, "objection_not_found")
        decision = request.json(Decision)
        final = decision.status in ("upheld", "dismissed")
        state.statuses[found.objection_id] = ObjectionStatus(
            objection_id=found.objection_id,
            record_id=found.record_id,
            status=decision.status,
            reply=decision.reply,
            decided_at=now() if final else None,
        )
        return json_response(state.statuses[found.objection_id])

    @router.route("GET", "/enterprises", control=True)
    async def enterprises(_: Request) -> Response:
        return json_response(list(state.enterprises.values()))

    @router.route("GET", "/objections", control=True)
    async def objections(_: Request) -> Response:
        return json_response(state.objections)

    return twin
