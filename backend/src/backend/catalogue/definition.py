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

from backend.fields import plain_text

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

    key: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    name: Text
    required: bool = True
    # Licence kinds (``backend.licence.kinds``) that serve as this material, e.g. ["JMSFZ"].
    licence_kinds: list[Annotated[str, Meta(pattern=r"^[A-Z]{2,16}$")]] = msgspec.field(default_factory=list)
    upload_kinds: list[UploadKind] = msgspec.field(default_factory=list)
    note: Annotated[str, plain_text(min_length=0, max_length=400)] = ""


class Faq(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    question: Text
    answer: LongText


class Prefill(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fill the field from the citizen's licence of ``kind``, claim ``claim``
    (``LicenceService.field``); locked unless the citizen overrides it."""

    kind: Annotated[str, Meta(pattern=r"^[A-Z]{2,16}$")]
    claim: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class FormField(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    path: FieldPath
    label: Text
    widget: Literal["text", "textarea", "select", "radio", "date", "number", "checkbox"] = "text"
    help: Annotated[str, plain_text(min_length=0, max_length=400)] = ""
    prefill: Prefill | None = None


class Rule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """JSON Forms' rule: ``effect`` applies to the field at ``target`` when the value at ``scope``
    is valid against ``schema``. A hidden field must be left empty (the server checks)."""

    target: FieldPath
    effect: Literal["SHOW", "HIDE"]
    scope: FieldPath
    schema: dict[str, Any]


class Step(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Text
    fields: Annotated[list[FormField], Meta(min_length=1, max_length=60)]


class UiSchema(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    steps: Annotated[list[Step], Meta(min_length=1, max_length=12)]
    rules: Annotated[list[Rule], Meta(max_length=60)] = msgspec.field(default_factory=list)


class Form(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    schema: dict[str, Any]
    ui: UiSchema


class ItemDefinition(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: ItemCode
    name: Text
    department: Text
    # The item's code in the department's own case system (what a submission names).
    case_item_code: ItemCode
    aliases: Annotated[list[Text], Meta(max_length=30)] = msgspec.field(default_factory=list)
    conditions: Annotated[list[LongText], Meta(max_length=30)] = msgspec.field(default_factory=list)
    materials: Annotated[list[MaterialSpec], Meta(max_length=30)] = msgspec.field(default_factory=list)
    # 收费: in fen; 0 is free (most items are: 不收费).
    fee_fen: Annotated[int, Meta(ge=0, le=100_000_000)] = 0
    # 承诺时限: working days the department promises, from acceptance.
    time_limit_days: Annotated[int, Meta(ge=0, le=365)]
    faqs: Annotated[list[Faq], Meta(max_length=50)] = msgspec.field(default_factory=list)
    form: Form
