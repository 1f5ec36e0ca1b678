"""Builders for the seed catalogue (``seed_items.py``): every item's form shares the applicant step
(filled from the citizen's ID card), then its own details step."""

from __future__ import annotations

from typing import Any

from backend.catalogue.definition import (
    Faq,
    Form,
    FormField,
    ItemDefinition,
    MaterialSpec,
    Prefill,
    Rule,
    Step,
    UiSchema,
)

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
ID_NUMBER = {"type": "string", "pattern": "^[1-9][0-9]{16}[0-9X]$"}
PHONE = {"type": "string", "pattern": "^1[3-9][0-9]{9}$"}
NAME = {"type": "string", "minLength": 1, "maxLength": 40}
TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
LONG = {"type": "string", "minLength": 1, "maxLength": 2000}
DATE = {"type": "string", "format": "date"}
ID_CARD = MaterialSpec(
    key="id_card", name="居民身份证", licence_kinds=["JMSFZ"], upload_kinds=["jpeg", "png", "pdf"]
)


def choice(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def money(maximum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": maximum}


def upload(key: str, name: str, *, required: bool = True, licences: tuple[str, ...] = ()) -> MaterialSpec:
    return MaterialSpec(
        key=key,
        name=name,
        required=required,
        licence_kinds=list(licences),
        upload_kinds=["pdf", "jpeg", "png"],
    )


# A details field: (key, label, schema, required, widget, prefill "KIND.claim" or "").
F = tuple[str, str, dict[str, Any], bool, str, str]


def field(
    key: str,
    label: str,
    schema: dict[str, Any],
    *,
    optional: bool = False,
    widget: str = "",
    prefill: str = "",
) -> F:
    widget = widget or (
        "select" if "enum" in schema else "date" if schema.get("format") == "date" else "text"
    )
    return (key, label, schema, not optional, widget, prefill)


def _prefill(spec: str) -> Prefill | None:
    if not spec:
        return None
    kind, claim = spec.split(".")
    return Prefill(kind=kind, claim=claim)


def item(
    code: str,
    name: str,
    department: str,
    *,
    aliases: list[str],
    days: int,
    details: list[F],
    materials: list[MaterialSpec],
    conditions: list[str],
    faqs: list[tuple[str, str]],
    rules: list[tuple[str, str, str, dict[str, Any]]] = (),  # type: ignore[assignment]
    fee_fen: int = 0,
    case_item_code: str | None = None,
    all_of: list[dict[str, Any]] | None = None,
) -> ItemDefinition:
    """``rules``: (target key, SHOW|HIDE, scope key, condition schema), keys of the details step."""
    applicant_fields = [
        FormField(path="/applicant/name", label="申请人姓名", prefill=Prefill(kind="JMSFZ", claim="name")),
        FormField(
            path="/applicant/id_number",
            label="公民身份号码",
            prefill=Prefill(kind="JMSFZ", claim="id_number"),
        ),
        FormField(path="/applicant/phone", label="联系电话"),
    ]
    details_schema: dict[str, Any] = {
        "type": "object",
        "properties": {key: schema for key, _, schema, _, _, _ in details},
        "required": [key for key, _, _, required, _, _ in details if required],
        "additionalProperties": False,
    }
    if all_of:
        details_schema["allOf"] = all_of
    schema = {
        "$schema": SCHEMA,
        "type": "object",
        "properties": {
            "applicant": {
                "type": "object",
                "properties": {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE},
                "required": ["name", "id_number", "phone"],
                "additionalProperties": False,
            },
            "details": details_schema,
        },
        "required": ["applicant", "details"],
        "additionalProperties": False,
    }
    ui = UiSchema(
        steps=[
            Step(title="申请人信息", fields=applicant_fields),
            Step(
                title="办理信息",
                fields=[
                    FormField(path=f"/details/{key}", label=label, widget=widget, prefill=_prefill(prefill))  # type: ignore[arg-type]
                    for key, label, _, _, widget, prefill in details
                ],
            ),
        ],
        rules=[
            Rule(target=f"/details/{target}", effect=effect, scope=f"/details/{scope}", schema=condition)  # type: ignore[arg-type]
            for target, effect, scope, condition in rules
        ],
    )
    return ItemDefinition(
        code=code,
        name=name,
        department=department,
        case_item_code=case_item_code or code,
        aliases=aliases,
        conditions=conditions,
        materials=materials,
        fee_fen=fee_fen,
        time_limit_days=days,
        faqs=[Faq(question=q, answer=a) for q, a in faqs],
        form=Form(schema=schema, ui=ui),
    )
