"""A service item's definition: one immutable document per published version.

The form is two documents, as research §A2 recommends (JSON Forms' split): ``schema``, the data
contract (JSON Schema 2020-12, required-if logic as ``if``/``then``), and ``ui`` — steps, Chinese
labels, which licence claim fills a field, and show/hide rules whose conditions are JSON Schema too,
so the server re-checks them with the same validator as the data.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from backend.fields import doc, plain_text

ITEM_CODE = r"^SQ-[A-Z]{2,4}-[0-9]{4}$"
ItemCode = Annotated[str, Meta(pattern=ITEM_CODE, max_length=16)]
# One line of visible text (names, labels, aliases); paragraphs may break lines but hold no other
# control character (PostgreSQL refuses NUL in text, and a label must not reorder what follows it).
Text = Annotated[str, plain_text(max_length=200)]
LongText = Annotated[str, Meta(min_length=1, max_length=4000, pattern="^[^\\x00-\\x09\\x0b-\\x1f\\x7f]+$")]
# A JSON Pointer into the form data, one level or more: "/applicant/name".
FieldPath = Annotated[str, Meta(pattern=r"^(/[a-z][a-z0-9_]{0,63}){1,4}$")]
UploadKind = Literal["pdf", "jpeg", "png"]


class MaterialSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One material (材料): an e-licence of an accepted kind, or an upload of an accepted type."""

    key: Annotated[
        Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")],
        doc(
            "The material's key in the application (lower-case letters, digits, `_`); "
            "names the slot materials are attached to",
            "residence_proof",
        ),
    ]
    name: Text
    required: Annotated[
        bool, doc("Whether submission needs it (422 `application.materials_missing` while it is empty)", True)
    ] = True
    # Licence kinds (``backend.licence.kinds``) that serve as this material, e.g. ["JMSFZ"].
    licence_kinds: Annotated[
        list[Annotated[str, Meta(pattern=r"^[A-Z]{2,16}$")]],
        doc(
            "The e-licence kinds (codes of the licence wallet) that serve as this material; empty: none does",
            ["BDCQZS"],
        ),
    ] = msgspec.field(default_factory=list)
    upload_kinds: Annotated[
        list[UploadKind],
        doc(
            "The file types accepted as an upload: among `pdf`, `jpeg`, `png`; empty: "
            "no upload, only a licence",
            ["pdf", "jpeg", "png"],
        ),
    ] = msgspec.field(default_factory=list)
    note: Annotated[str, plain_text(min_length=0, max_length=400)] = ""


class Faq(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    question: Text
    answer: Annotated[
        LongText,
        doc(
            "The approved answer, one or more paragraphs (up to 4000 characters)",
            "居住证每年签注一次，逾期未签注的暂停使用。",
        ),
    ]


class Prefill(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fill the field from the citizen's licence of ``kind``, claim ``claim``
    (``LicenceService.field``); locked unless the citizen overrides it."""

    kind: Annotated[
        Annotated[str, Meta(pattern=r"^[A-Z]{2,16}$")],
        doc("The licence kind whose claim fills the field (a wallet licence code)", "BDCQZS"),
    ]
    claim: Annotated[
        Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")],
        doc("The claim of that licence that fills the field", "location"),
    ]


class FormField(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    path: Annotated[
        FieldPath,
        doc(
            "Where the value goes in the form data, a JSON Pointer of one to four levels",
            "/applicant/address",
        ),
    ]
    label: Text
    widget: Annotated[
        Literal["text", "textarea", "select", "radio", "date", "number", "checkbox"],
        doc(
            "How to render the field: `text`, `textarea`, `select`, `radio`, `date`, "
            "`number` or `checkbox` (the choices come from `schema`)",
            "text",
        ),
    ] = "text"
    help: Annotated[str, plain_text(min_length=0, max_length=400)] = ""
    prefill: Prefill | None = None


class Rule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """JSON Forms' rule: ``effect`` applies to the field at ``target`` when the value at ``scope``
    is valid against ``schema``. A hidden field must be left empty (the server checks)."""

    target: Annotated[
        FieldPath,
        doc("The field the rule shows or hides (a JSON Pointer into the form data)", "/details/employer"),
    ]
    effect: Annotated[
        Literal["SHOW", "HIDE"],
        doc(
            "`SHOW` or `HIDE` the target while the condition holds; a hidden field "
            "must be left empty (the server checks)",
            "SHOW",
        ),
    ]
    scope: Annotated[
        FieldPath,
        doc("The field whose value the condition tests (a JSON Pointer)", "/details/residence_type"),
    ]
    schema: Annotated[
        dict[str, Any],
        doc(
            "The condition, a JSON Schema (2020-12) the value at `scope` must be valid against",
            {"const": "单位宿舍"},
        ),
    ]


class Step(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Text
    fields: Annotated[
        Annotated[list[FormField], Meta(min_length=1, max_length=60)],
        doc(
            "The step's fields, in order (1–60)",
            [{"path": "/details/address", "label": "居住地址（宿迁市内）", "widget": "text"}],
        ),
    ]


class UiSchema(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    steps: Annotated[
        Annotated[list[Step], Meta(min_length=1, max_length=12)],
        doc(
            "The form's steps (pages), in order (1–12)",
            [
                {
                    "title": "居住信息",
                    "fields": [{"path": "/details/address", "label": "居住地址（宿迁市内）"}],
                }
            ],
        ),
    ]
    rules: Annotated[
        Annotated[list[Rule], Meta(max_length=60)],
        doc("Show/hide rules (JSON Forms' rules), evaluated on the form data as it is filled", []),
    ] = msgspec.field(default_factory=list)


class Form(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    schema: Annotated[
        dict[str, Any],
        doc(
            "The data contract: a JSON Schema (2020-12) the form data must satisfy, "
            "`if`/`then` for required-if",
            {"type": "object", "properties": {"details": {"type": "object"}}},
        ),
    ]
    ui: UiSchema


class ItemDefinition(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        ItemCode,
        doc(
            "The item's code (事项编码): `SQ-`, two to four capitals for the department, four digits",
            "SQ-GA-0001",
        ),
    ]
    name: Text
    department: Text
    # The item's code in the department's own case system (what a submission names).
    case_item_code: Annotated[
        ItemCode,
        doc("The item's code in the department's own case system, which a submission names", "SQ-GA-0001"),
    ]
    aliases: Annotated[
        Annotated[list[Text], Meta(max_length=30)],
        doc("Everyday words people search the item by", ["居住证申领", "暂住证", "办居住证"]),
    ] = msgspec.field(default_factory=list)
    conditions: Annotated[
        Annotated[list[LongText], Meta(max_length=30)],
        doc("受理条件: who may apply, one condition per entry", ["在宿迁市居住半年以上"]),
    ] = msgspec.field(default_factory=list)
    materials: Annotated[
        Annotated[list[MaterialSpec], Meta(max_length=30)],
        doc("申请材料: the materials the application needs", []),
    ] = msgspec.field(default_factory=list)
    # 收费: in fen; 0 is free (most items are: 不收费).
    fee_fen: Annotated[int, Meta(ge=0, le=100_000_000)] = 0
    # 承诺时限: working days the department promises, from acceptance.
    time_limit_days: Annotated[
        Annotated[int, Meta(ge=0, le=365)],
        doc(
            "承诺时限: the working days the department promises, counted from acceptance; "
            "0 means on the spot",
            7,
        ),
    ]
    faqs: Annotated[
        Annotated[list[Faq], Meta(max_length=50)],
        doc("Frequently asked questions with the department's answers", []),
    ] = msgspec.field(default_factory=list)
    form: Form
