"""A service item's form as a citizen would meet it, for an operator's preview: each step's fields
with their labels, widgets, required marks and choices, read from the item's two documents (the
JSON Schema for types, enums and ``required``; the UI schema for steps, labels and widgets). Rendered
read-only on the server (``catalogue_preview.html``): no script."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.catalogue.definition import Form


@dataclass(frozen=True, slots=True)
class PreviewField:
    path: str
    label: str
    widget: str
    required: bool
    choices: tuple[str, ...]
    help: str
    prefill: str  # "JMSFZ.name" when a licence claim fills it
    shown_when: str  # a rule's condition, in words, when one shows or hides it


@dataclass(frozen=True, slots=True)
class PreviewStep:
    title: str
    fields: tuple[PreviewField, ...]


def _schema_at(schema: dict[str, Any], path: str) -> tuple[dict[str, Any], bool]:
    """The property schema at a JSON Pointer, and whether every level of it is ``required``."""
    node, required = schema, True
    for part in path.strip("/").split("/"):
        required = required and part in (node.get("required") or [])
        properties = node.get("properties") or {}
        child = properties.get(part) if isinstance(properties, dict) else None
        node = child if isinstance(child, dict) else {}
    return node, required


def _choices(node: dict[str, Any]) -> tuple[str, ...]:
    values = node.get("enum")
    if values is None and isinstance(node.get("items"), dict):
        values = node["items"].get("enum")
    if values is None and isinstance(node.get("oneOf"), list):
        values = [c.get("const") for c in node["oneOf"] if isinstance(c, dict) and "const" in c]
    return tuple(str(v) for v in values or ())


def preview(form: Form) -> list[PreviewStep]:
    rules: dict[str, str] = {}
    for rule in form.ui.rules:
        rules[rule.target] = f"{rule.effect} when {rule.scope} matches {rule.schema}"
    steps = []
    for step in form.ui.steps:
        fields = []
        for f in step.fields:
            node, required = _schema_at(form.schema, f.path)
            choices = _choices(node)
            widget = f.widget if f.widget != "text" or not choices else "select"
            fields.append(
                PreviewField(
                    path=f.path,
                    label=f.label,
                    widget=widget,
                    required=required,
                    choices=choices,
                    help=f.help,
                    prefill=f"{f.prefill.kind}.{f.prefill.claim}" if f.prefill else "",
                    shown_when=rules.get(f.path, ""),
                )
            )
        steps.append(PreviewStep(title=step.title, fields=tuple(fields)))
    return steps
