"""The wallet's HTTP shapes: the citizen's licences, showing one at a counter (requests, consent,
presentations), the disclosure log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from backend.fields import doc, plain_text, token_text
from backend.licence.repository import RecordRow, RequestRow
from backend.licence.verifiers import audience

KindCode = Annotated[str, token_text(r"[A-Z_]+", max_length=32)]
# A claim name; whether the licence type has it is the services' to check (``kinds.py``).
Claim = Annotated[str, token_text(r"[a-z0-9_]+", max_length=48)]
Fields = Annotated[list[Claim], msgspec.Meta(min_length=1, max_length=32)]
# 16 random bytes in base64url: 22 characters.
Handle = Annotated[str, token_text(r"[A-Za-z0-9_-]+", min_length=22, max_length=22)]
# An SD-JWT+KB of a licence is ~2 KB; 16 KB refuses garbage early and leaves room for x5c chains.
PresentationText = Annotated[str, token_text(r"[A-Za-z0-9_.~-]+", max_length=16_384)]
Text = Annotated[str, plain_text(max_length=256)]
Name = Annotated[str, plain_text(max_length=128)]
VerifierKind = Literal["department", "counter", "business"]


class LicenceRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind_code: Annotated[
        str,
        doc(
            "The licence type's code in the e-licence library: `JMSFZ` (居民身份证), "
            "`JDCJSZ` (机动车驾驶证), `BDCQZS` (不动产权证书), `GTGSHYYZZ` (个体工商户营业执照)…",
            "JMSFZ",
        ),
    ]
    kind_name: Annotated[str, doc("The licence type's name", "居民身份证")]
    masked_number: Annotated[
        str,
        doc(
            "The licence's number, masked: an ID number (and any of 16 characters or "
            "more) keeps its first 4 and last 4, a shorter one at most a quarter",
            "3213**********1234",
        ),
    ]
    issuer_name: Annotated[str, doc("The authority that issued it", "宿迁市公安局宿城分局")]
    issued_on: Annotated[str, doc("The day it was issued (YYYY-MM-DD)", "2019-05-20")]
    expires_on: Annotated[
        str | None, doc("The day it expires (YYYY-MM-DD); null for a licence without end", "2039-05-20")
    ]
    status: Annotated[
        Literal["valid", "suspended", "expired", "revoked"],
        doc(
            "`valid`, `suspended`, `expired` or `revoked` (as the library says; only "
            "a valid one can be shown)",
            "valid",
        ),
    ]
    version: Annotated[
        int, doc("The library's version of the licence: a change (renewal, correction) is a new version", 2)
    ]
    fetched_at: Annotated[
        datetime,
        doc("When it was last read from the e-licence library (ISO 8601, UTC)", "2026-12-03T02:15:04Z"),
    ]

    @classmethod
    def of(cls, row: RecordRow) -> LicenceRead:
        return cls(
            id=row.id, kind_code=row.kind_code, kind_name=row.kind_name, masked_number=row.masked_number,
            issuer_name=row.issuer_name, issued_on=row.issued_on, expires_on=row.expires_on,
            status=row.status, version=row.version, fetched_at=row.fetched_at,
        )  # fmt: skip


class LicenceList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[LicenceRead]


class FieldRead(msgspec.Struct, frozen=True, kw_only=True):
    claim: Annotated[str, doc("The field's claim name in the credential", "address")]
    label: Annotated[str, doc("The field's label, as the licence prints it", "住址")]
    value: Annotated[
        str | bool | None,
        doc(
            "The field's value, unmasked (the citizen's own eyes only); null when the licence has none",
            "江苏省宿迁市宿城区幸福中路88号",
        ),
    ]


class LicenceDetail(msgspec.Struct, frozen=True, kw_only=True):
    """The licence's face (every field, for the citizen's own eyes) and the credential issued for it."""

    licence: LicenceRead
    vct: Annotated[
        str,
        doc(
            "The credential's type (SD-JWT VC `vct`): `urn:cn:suqian:elicence:<kind>:1`",
            "urn:cn:suqian:elicence:JMSFZ:1",
        ),
    ]
    fields: Annotated[list[FieldRead], doc("Every field of the licence's face, in print order", [])]
    credential: Annotated[
        str,
        doc(
            "The SD-JWT VC issued for the licence (`~`-separated, with its "
            "disclosures): what the wallet presents",
            "eyJhbGciOiJFUzI1NiIsInR5cCI6ImRjK3NkLWp3dCJ9.eyJ2Y3QiOiJ1cm46Y246c3VxaWFuOmVsaWNlbmNlOkpNU0ZaOjEifQ.sig~WyJzYWx0IiwibmFtZSIsIuW8oOS4iSJd~",
        ),
    ]


class ShownRead(msgspec.Struct, frozen=True, kw_only=True):
    """What the app renders as a QR (``qr_text``, ≤ 80 characters); ask for a new one at
    ``refresh_at``; a counter can use it once until ``expires_at``."""

    handle: Annotated[
        str,
        doc(
            "The one-time show handle (22 characters, base64url): what the counter sends to ask for fields",
            "Vb3kX9qL2mN8pR4sT6wY1z",
        ),
    ]
    qr_text: Annotated[
        str,
        doc(
            "What to render as the QR (at most 80 characters): the issuer's `/l/<handle>` URL",
            "https://api.suqian.gov.cn/l/Vb3kX9qL2mN8pR4sT6wY1z",
        ),
    ]
    expires_at: datetime
    refresh_at: Annotated[
        datetime, doc("When to ask for a new one (ISO 8601, UTC), before it expires", "2026-12-03T02:16:04Z")
    ]


class VerifierBrief(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: Annotated[str, doc("The verifier's name, as registered", "宿城区政务服务中心 3号窗口")]
    kind: Annotated[
        VerifierKind,
        doc(
            "What the verifier is: `department` (a government department), `counter` "
            "(a service counter) or `business` (a business, e.g. a hotel)",
            "counter",
        ),
    ]
    legal_basis: Annotated[str, doc("The law or rule under which it may ask", "《居住证暂行条例》第九条")]
    purpose: Annotated[str, doc("What it asks for the fields for", "办理居住证")]
    retention_days: Annotated[int, doc("How many days it keeps what it is shown (0: not at all)", 30)]
    contact: Annotated[str, doc("Whom to ask about it", "宿城区政务服务中心 0527-84360000")]


class FieldAsk(msgspec.Struct, frozen=True, kw_only=True):
    claim: Annotated[str, doc("The claim asked for", "address")]
    label: Annotated[str, doc("Its label, as the licence prints it", "住址")]


class RequestRead(msgspec.Struct, frozen=True, kw_only=True):
    """A counter's request as the citizen sees it: who asks, why, for which fields."""

    id: uuid.UUID
    state: Annotated[
        str,
        doc(
            "Where the request is: `pending` (waiting for your answer), `presented` "
            "(you consented), `declined`, `expired` (not answered in time), "
            "`verified` (the counter checked it) or `lapsed` (consented, not verified "
            "in time)",
            "pending",
        ),
    ]
    verifier: VerifierBrief
    kind_code: Annotated[
        str,
        doc(
            "The licence type's code in the e-licence library: `JMSFZ` (居民身份证), "
            "`JDCJSZ` (机动车驾驶证), `BDCQZS` (不动产权证书), `GTGSHYYZZ` (个体工商户营业执照)…",
            "JMSFZ",
        ),
    ]
    kind_name: Annotated[str, doc("The licence type's name", "居民身份证")]
    fields: Annotated[list[FieldAsk], doc("The fields asked for", [])]
    disclosed: Annotated[
        list[str] | None,
        doc("The fields you disclosed, once you consented; null before", ["name", "address"]),
    ] = None
    expires_at: datetime


class RequestList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[RequestRead]


class Consent(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    fields: Annotated[
        Fields,
        doc("The claims you agree to disclose: some or all of those asked for (1–32)", ["name", "address"]),
    ]


class Ask(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    handle: Annotated[Handle, doc("The show handle the citizen's QR carried", "Vb3kX9qL2mN8pR4sT6wY1z")]
    kind_code: Annotated[KindCode, doc("The licence type asked for (its library code)", "JMSFZ")]
    fields: Annotated[
        Fields,
        doc(
            "The claims asked for (1–32), within what the verifier's registration allows for the type",
            ["name", "address"],
        ),
    ]


class CounterRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The counter's view: the presentation appears once the citizen consents, until it is verified
    or the request expires."""

    id: uuid.UUID
    state: Annotated[
        Literal["pending", "presented", "declined", "expired", "verified", "lapsed"],
        doc(
            "`pending` (the citizen has not answered), `presented` (fetch "
            "`presentation` and verify it), `declined`, `expired`, `verified` or "
            "`lapsed` (not verified in time)",
            "presented",
        ),
    ]
    kind_code: Annotated[str, doc("The licence type asked for", "JMSFZ")]
    requested: Annotated[list[str], doc("The claims asked for", ["name", "address"])]
    disclosed: Annotated[
        list[str] | None,
        doc("The claims the citizen disclosed, once they consented; null before", ["name", "address"]),
    ] = None
    nonce: Annotated[
        str, doc("The nonce the presentation's key binding must carry", "q8Zp3LxV0bN7sW2yK5dF1hJ4mR6tU9cE")
    ]
    audience: Annotated[
        str,
        doc(
            "The `aud` the presentation is bound to: `urn:suqian:verifier:<verifier id>`",
            "urn:suqian:verifier:5b1f0a5e-2a4f-4c3d-9e8b-7a6c5d4e3f21",
        ),
    ]
    expires_at: datetime
    presentation: Annotated[
        str | None,
        doc(
            "The SD-JWT+KB the citizen presented, once `presented`, until verified or expired; null otherwise"
        ),
    ] = None

    @classmethod
    def of(cls, request: RequestRow, presentation: str | None = None) -> CounterRequest:
        return cls(
            id=request.id, state=request.state, kind_code=request.kind_code, requested=request.requested,
            disclosed=request.disclosed, nonce=request.nonce, audience=audience(request.verifier_id),
            expires_at=request.expires_at, presentation=presentation,
        )  # fmt: skip


class VerifyPresentation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    presentation: Annotated[PresentationText, doc("The SD-JWT+KB presentation, as the request answered it")]


class VerifiedRead(msgspec.Struct, frozen=True, kw_only=True):
    vct: Annotated[str, doc("The credential's type", "urn:cn:suqian:elicence:JMSFZ:1")]
    iss: Annotated[str, doc("Its issuer", "https://api.suqian.gov.cn")]
    status: Annotated[Literal["valid"], doc("Always `valid`: any other outcome answers a problem", "valid")]
    disclosed: Annotated[list[str], doc("The claims disclosed", ["name", "address"])]
    claims: Annotated[
        dict[str, Any],
        doc(
            "The disclosed claims with their values",
            {"name": "张三", "address": "江苏省宿迁市宿城区幸福中路88号"},
        ),
    ]


class LogRowRead(msgspec.Struct, frozen=True, kw_only=True):
    seq: Annotated[int, doc("The row's number in the citizen's log, from 1", 12)]
    time: Annotated[int, doc("When it happened, in Unix seconds (the log's canonical encoding)", 1796270104)]
    event: Annotated[
        str,
        doc(
            "What happened: `issued`, `disclosed`, `declined`, `expired` or `status` "
            "(the licence's status changed)",
            "disclosed",
        ),
    ]
    verifier_id: Annotated[
        str | None,
        doc("The verifier that asked; null for events without one", "5b1f0a5e-2a4f-4c3d-9e8b-7a6c5d4e3f21"),
    ]
    verifier_name: Annotated[str | None, doc("Its name", "宿城区政务服务中心 3号窗口")]
    purpose: Annotated[str | None, doc("What it asked for", "办理居住证")]
    licence_type: Annotated[str | None, doc("The licence type concerned (its library code)", "JMSFZ")]
    requested: Annotated[
        list[list[str | int]],
        doc("The claims asked for, as paths (arrays of names and indexes)", [["name"], ["address"]]),
    ]
    disclosed: Annotated[list[list[str | int]], doc("The claims disclosed, as paths", [["name"]])]
    outcome: Annotated[
        str,
        doc(
            "How it ended: the event's name for a request, `version <n>` for an "
            "issue, the new status for a status change",
            "disclosed",
        ),
    ]
    row_hash: Annotated[
        str,
        doc(
            "SHA-256 (hex) chaining the row to the ones before (wallet/README.md: disclosure log)",
            "9b74c9897bac770ffc029102a200c5de6c4a6e6f2e1e1f4b3f5e8d7c6b5a4938",
        ),
    ]


class LogRead(msgspec.Struct, frozen=True, kw_only=True):
    """The export format of wallet/README.md: re-verify ``rows`` against ``head`` with our JWKS."""

    format: Annotated[str, doc("The export format: `suqian-disclosure-log/1`", "suqian-disclosure-log/1")]
    rows: Annotated[list[LogRowRead], doc("Every row of the log, oldest first", [])]
    head: Annotated[
        str,
        doc(
            "The signed head (compact JWS ES256, `typ` `log-head+jwt`) naming the row "
            "count and the last `row_hash`: verify it with the issuer's keys",
            "eyJhbGciOiJFUzI1NiIsInR5cCI6ImxvZy1oZWFkK2p3dCJ9.eyJuIjoxMn0.sig",
        ),
    ]
