"""Recorded exchanges (fixtures/<system>/recorded.json) replayed against each twin.

Each fixture holds real-shaped requests and responses, recorded from the seed-0 sandbox
on a fixed clock. The test checks both directions of the contract: the twin still
answers exactly what was recorded, and our schemas still decode every recorded payload.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from integrations import ManualClock, UpstreamClient, UpstreamConfig, UpstreamRejected
from integrations.cases.schemas import ApplicationSubmission, CaseReceipt, CaseStatus
from integrations.credit.schemas import (
    CreditReport,
    EnterpriseCreditQuery,
    ObjectionReceipt,
    ObjectionRequest,
    PersonCreditQuery,
)
from integrations.elicence.schemas import Licence, LicenceChanges, LicenceList, LicenceSearch
from integrations.faceverify.schemas import FaceQuery, FaceResult, FaceSession, FaceStartRequest
from integrations.population.schemas import (
    PersonAttributes,
    PersonQuery,
    VerifyRequest,
    VerifyResponse,
)
from integrations.sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, create_sandbox
from integrations.sms.schemas import SendSmsRequest, SmsReceipt
from integrations.telecom.schemas import MobileCheck, MobileCheckRequest

FIXTURES = Path(__file__).parent / "fixtures"
SYSTEMS = ("population", "sms", "elicence", "credit", "cases", "telecom", "faceverify")


class ErrorBody(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    message: str


# Exchange name → (request schema, success response schema).
SCHEMAS: dict[str, tuple[type[Any] | None, type[Any]]] = {
    "population.verify": (VerifyRequest, VerifyResponse),
    "population.query_person": (PersonQuery, PersonAttributes),
    "sms.send": (SendSmsRequest, SmsReceipt),
    "elicence.search": (LicenceSearch, LicenceList),
    "elicence.get": (None, Licence),
    "elicence.changes": (None, LicenceChanges),
    "credit.query_person": (PersonCreditQuery, CreditReport),
    "credit.query_enterprise": (EnterpriseCreditQuery, CreditReport),
    "credit.file_objection": (ObjectionRequest, ObjectionReceipt),
    "cases.submit": (ApplicationSubmission, CaseReceipt),
    "cases.status": (None, CaseStatus),
    "telecom.verify": (MobileCheckRequest, MobileCheck),
    "faceverify.start": (FaceStartRequest, FaceSession),
    "faceverify.result": (FaceQuery, FaceResult),
}


def load(system: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / system / "recorded.json").read_text("utf-8"))
    return data


def schemas_for(system: str, name: str) -> tuple[type[Any] | None, type[Any]]:
    # "verify_match" and "verify_mismatch" share the schemas of "verify".
    key = next(k for k in SCHEMAS if k.startswith(f"{system}.") and name.startswith(k.split(".")[1]))
    return SCHEMAS[key]


@pytest.mark.parametrize("system", SYSTEMS)
def test_recorded_payloads_decode_with_our_schemas(system: str) -> None:
    for exchange in load(system)["exchanges"]:
        request_type, response_type = schemas_for(system, exchange["name"])
        if request_type is not None:
            msgspec.convert(exchange["request"], request_type, strict=False)
        expected_type = response_type if exchange["status"] < 300 else ErrorBody
        msgspec.convert(exchange["response"], expected_type, strict=False)


@pytest.mark.parametrize("system", SYSTEMS)
async def test_twin_still_answers_what_was_recorded(system: str) -> None:
    recording = load(system)
    clock = ManualClock(start=recording["clock"])
    sandbox = create_sandbox(clock=clock, seed=recording["seed"], seeded_ids=True)
    config = UpstreamConfig(
        base_url=f"http://sandbox/{system}", app_key=SANDBOX_APP_KEY, app_secret=SANDBOX_APP_SECRET
    )
    transport = httpx.ASGITransport(app=sandbox)
    async with UpstreamClient(
        config, system=system, transport=transport, clock=clock, audit=lambda _: None
    ) as client:
        for exchange in recording["exchanges"]:
            try:
                answer = await client.request(
                    exchange["method"],
                    exchange["path"],
                    operation=exchange["name"],
                    json=exchange.get("request"),
                    idempotency_key=exchange.get("idempotency_key"),
                )
                status: int | None = answer.status_code
                body = json.loads(answer.content)
            except UpstreamRejected as exc:
                status, body = exc.status_code, {"code": exc.code, "message": exc.upstream_message}
            assert (exchange["name"], status, body) == (
                exchange["name"],
                exchange["status"],
                exchange["response"],
            )
