"""What each licence type's credential says: its ``vct``, and its claims with the library's data item
(照面 item, by its Chinese name) each is read from and the label a citizen and a clerk see.

Claim names are stable ASCII: verifier registrations, consent screens and forms name fields by them,
so a department renaming an item on its certificate changes a label here, not every registration.
Every licence also carries the common claims (``COMMON``); an ID card adds the ``age_over_18``
predicate so a counter that only needs "adult" never sees a birth date.

A type the catalogue does not know yet is still pulled, listed and issued: its claims are its data
items under their own names (``generic``), so nothing a department adds is dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from integrations.elicence import Licence

VCT_PREFIX = "urn:cn:suqian:elicence:"


@dataclass(frozen=True, slots=True)
class Field:
    claim: str
    label: str
    item: str | None = None  # the library's data item; None = one of the common claims


@dataclass(frozen=True, slots=True)
class Kind:
    code: str
    name: str
    fields: tuple[Field, ...]
    # Common claims the face already carries (an ID card's number is its 公民身份号码, every known
    # kind names its holder): one disclosure per fact keeps a credential within 3 KB.
    omit: frozenset[str] = frozenset()

    @property
    def vct(self) -> str:
        return f"{VCT_PREFIX}{self.code}:1"

    @property
    def common(self) -> tuple[Field, ...]:
        return tuple(f for f in COMMON if f.claim not in self.omit)

    @property
    def claims(self) -> frozenset[str]:
        return frozenset(f.claim for f in (*self.common, *self.fields))

    def label(self, claim: str) -> str:
        return next((f.label for f in (*COMMON, *self.fields) if f.claim == claim), claim)


COMMON = (
    Field("licence_id", "证照标识"),
    Field("licence_number", "证照编号"),
    Field("holder_name", "持证主体"),
    Field("issuer_name", "发证机关"),
    Field("issuer_code", "发证机关统一社会信用代码"),
    Field("issued_on", "发证日期"),
    Field("expires_on", "有效期至"),
    Field("original_digest", "证照文件摘要"),
)


def _kind(code: str, name: str, *fields: tuple[str, str], omit: tuple[str, ...] = ("holder_name",)) -> Kind:
    return Kind(code, name, tuple(Field(claim, item, item) for claim, item in fields), frozenset(omit))


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        _kind(
            "JMSFZ", "居民身份证",
            ("name", "姓名"), ("sex", "性别"), ("ethnicity", "民族"), ("birth_date", "出生日期"),
            ("address", "住址"), ("id_number", "公民身份号码"), ("authority", "签发机关"),
            ("validity", "有效期限"),
            omit=("holder_name", "licence_number"),
        ),
        _kind(
            "JDCJSZ", "机动车驾驶证",
            ("name", "姓名"), ("sex", "性别"), ("birth_date", "出生日期"), ("address", "住址"),
            ("licence_no", "证号"), ("vehicle_classes", "准驾车型"), ("first_issued_on", "初次领证日期"),
            ("validity", "有效期限"),
        ),
        _kind(
            "JHZ", "结婚证",
            ("holder", "持证人"), ("registered_on", "登记日期"), ("certificate_no", "结婚证字号"),
            ("spouse_name", "配偶姓名"),
        ),
        _kind(
            "BDCQZS", "不动产权证书",
            ("owner", "权利人"), ("co_ownership", "共有情况"), ("location", "坐落"),
            ("unit_no", "不动产单元号"),
            ("right_type", "权利类型"), ("usage", "用途"), ("area", "面积"),
        ),
        _kind(
            "GTGSHYYZZ", "个体工商户营业执照",
            ("business_name", "名称"), ("operator", "经营者"), ("form", "组成形式"), ("premises", "经营场所"),
            ("scope", "经营范围"), ("registered_on", "注册日期"),
        ),
        _kind(
            "YYZZ", "营业执照",
            ("credit_code", "统一社会信用代码"), ("business_name", "名称"), ("type", "类型"),
            ("representative", "法定代表人"), ("domicile", "住所"), ("founded_on", "成立日期"),
            ("authority", "登记机关"),
        ),
    )
}  # fmt: skip
# Predicates an ID card adds (derived at issuance; the credential is re-issued when one flips).
AGE_OVER_18 = Field("age_over_18", "已满18周岁")
KINDS["JMSFZ"] = Kind("JMSFZ", "居民身份证", (*KINDS["JMSFZ"].fields, AGE_OVER_18), KINDS["JMSFZ"].omit)


def kind_of(licence: Licence) -> Kind:
    known = KINDS.get(licence.kind_code)
    if known is not None:
        return known
    return Kind(licence.kind_code, licence.kind_name, tuple(Field(item, item, item) for item in licence.data))


def claims_of(licence: Licence, *, today: dt.date) -> dict[str, str | bool]:
    """The credential's selectively disclosable claims; an item the licence lacks is left out."""
    kind = kind_of(licence)
    claims: dict[str, str | bool] = {
        "licence_id": licence.identifier,
        "licence_number": licence.number,
        "holder_name": licence.holder_name,
        "issuer_name": licence.issuer_name,
        "issuer_code": licence.issuer_code,
        "issued_on": licence.issued_on.isoformat(),
        "original_digest": f"sha-256:{licence.file_sha256}",
    }
    if licence.expires_on is not None:
        claims["expires_on"] = licence.expires_on.isoformat()
    for field in kind.fields:
        if field.item is not None and field.item in licence.data:
            claims[field.claim] = licence.data[field.item]
    for omitted in kind.omit:
        claims.pop(omitted, None)
    if kind.code == "JMSFZ" and "出生日期" in licence.data:
        claims[AGE_OVER_18.claim] = _adult(dt.date.fromisoformat(licence.data["出生日期"]), today)
    return claims


def _adult(born: dt.date, today: dt.date) -> bool:
    # Born on 29 February: of age on 1 March of a common year (Chinese practice counts whole years).
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return years >= 18
