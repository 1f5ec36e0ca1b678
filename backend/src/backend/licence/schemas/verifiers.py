"""The HTTP shapes of the licence library's parties: issuer metadata, the verifiers operators
register, card packs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import doc
from backend.licence.repository import VerifierRow
from backend.licence.schemas.wallet import (
    Fields,
    KindCode,
    Name,
    Text,
    VerifierKind,
)


class IssuerMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """``/.well-known/jwt-vc-issuer`` (SD-JWT VC draft §5): the issuer and its keys."""

    issuer: Annotated[
        str,
        doc("The credential issuer's identifier (the `iss` of its credentials)", "https://api.suqian.gov.cn"),
    ]
    jwks: Annotated[
        dict[str, list[dict[str, str]]],
        doc(
            'The issuer\'s public keys, a JWK Set (`{"keys": [...]}`)',
            {
                "keys": [
                    {
                        "kty": "EC",
                        "crv": "P-256",
                        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                        "kid": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
                    }
                ]
            },
        ),
    ]


class VerifierCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    device_id: uuid.UUID
    name: Name
    kind: Annotated[
        VerifierKind,
        doc(
            "What the verifier is: `department` (a government department), `counter` "
            "(a service counter) or `business` (a business, e.g. a hotel)",
            "counter",
        ),
    ]
    legal_basis: Annotated[
        Text, doc("The law or rule under which it may ask (shown to citizens)", "《居住证暂行条例》第九条")
    ]
    purpose: Annotated[Text, doc("What it asks for the fields for (shown to citizens)", "办理居住证")]
    # Licence type → the fields of it the verifier may ask for; every type and field must exist.
    allowed: Annotated[
        Annotated[dict[KindCode, Fields], msgspec.Meta(min_length=1, max_length=16)],
        doc(
            "Per licence type, the claims the verifier may ask for (1–16 types); "
            "every type and claim must exist",
            {"JMSFZ": ["name", "address"]},
        ),
    ]
    retention_days: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=3650)],
        doc("How many days it keeps what it is shown, 0–3650 (shown to citizens)", 30),
    ]
    contact: Annotated[Name, doc("Whom citizens ask about it", "宿城区政务服务中心 0527-84360000")]


class VerifierRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    device_id: uuid.UUID
    name: Annotated[str, doc("The verifier's name", "宿城区政务服务中心 3号窗口")]
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
    allowed: Annotated[
        dict[str, list[str]],
        doc("Per licence type, the claims it may ask for", {"JMSFZ": ["name", "address"]}),
    ]
    retention_days: Annotated[int, doc("How many days it keeps what it is shown", 30)]
    contact: Annotated[str, doc("Whom citizens ask about it", "宿城区政务服务中心 0527-84360000")]
    created_at: datetime
    suspended_at: datetime | None = None

    @classmethod
    def of(cls, row: VerifierRow) -> VerifierRead:
        return cls(
            id=row.id, device_id=row.device_id, name=row.name, kind=row.kind, legal_basis=row.legal_basis,
            purpose=row.purpose, allowed=row.allowed, retention_days=row.retention_days, contact=row.contact,
            created_at=row.created_at, suspended_at=row.suspended_at,
        )  # fmt: skip


class VerifierList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[VerifierRead]


class CardPackAdd(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    platform: Annotated[
        Literal["wechat", "alipay"], doc("Whose card pack: `wechat` (卡包) or `alipay` (卡包/票夹)", "wechat")
    ]


class CardPointerRead(msgspec.Struct, frozen=True, kw_only=True):
    """A pointer in a card pack. ``add_card`` (WeChat): hand it to ``wx.addCard`` unchanged — the card
    is in the pack once the citizen accepts there; Alipay's pass is in the pack at once."""

    platform: Annotated[Literal["wechat", "alipay"], doc("Whose card pack: `wechat` or `alipay`", "wechat")]
    serial: Annotated[
        str, doc("The card's serial in the pack (Alipay's serialNumber, WeChat's code)", "SQ7F3K2M9Q1X")
    ]
    created_at: datetime
    withdrawn_at: Annotated[
        datetime | None,
        doc(
            "When the card was taken out of the pack (the licence changed or was "
            "withdrawn) (ISO 8601, UTC); null while it is in",
            None,
        ),
    ] = None
    add_card: Annotated[
        dict[str, str] | None,
        doc(
            "WeChat only: hand it unchanged to `wx.addCard` as a card list item; null otherwise",
            {
                "cardId": "pFS7Fjg8kV1IdDz01r4SQwMkuCKc",
                "cardExt": '{"code":"SQ7F3K2M9Q1X","timestamp":"1796270104","signature":"…"}',
            },
        ),
    ] = None


class CardPointerList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CardPointerRead]
