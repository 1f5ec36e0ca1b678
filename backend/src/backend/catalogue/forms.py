"""Checking form data against a published version's form, with every field error in Chinese.

jsonschema-rs (research §A3: ~1 µs per valid form, 2.4 µs collecting every error, 100–200× the pure
Python validator; 2020-12; every error with its instance path and a typed kind) validates both the
data and the UI rules' conditions. ``format`` is checked (``validate_formats=True``: an annotation
only by default). A form's schema may only refer inside itself: a remote ``$ref`` would have the
server fetch whatever URL an operator typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from backend.catalogue.definition import Form, FormField

# A JSON Pointer, RFC 6901: "/applicant/name"; "" is the whole form.
_MESSAGES = {
    "Required": "此项为必填项",
    "Type": "类型不正确",
    "Pattern": "格式不正确",
    "Format": "格式不正确",
    "MinLength": "内容过短",
    "MaxLength": "内容过长",
    "Minimum": "数值过小",
    "Maximum": "数值过大",
    "ExclusiveMinimum": "数值过小",
    "ExclusiveMaximum": "数值过大",
    "Enum": "不是可选的值",
    "Constant": "取值不正确",
    "AdditionalProperties": "包含表单未定义的项",
    "UnevaluatedProperties": "包含表单未定义的项",
    "MinItems": "数量过少",
    "MaxItems": "数量过多",
    "UniqueItems": "存在重复项",
}
HIDDEN_MESSAGE = "此项在当前情形下不应填写"


@dataclass(frozen=True, slots=True)
class FieldError:
    path: str
    message: str
    # The validator's kind of failure (Required, Pattern…): for clients that word their own message.
    kind: str


class SchemaInvalid(Exception):
    """The form is not a valid form: the reason, in English, for the operator."""


def _pointer(parts: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _get(data: Any, pointer: str) -> tuple[bool, Any]:
    node = data
    for part in pointer.split("/")[1:]:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in ("$ref", "$dynamicRef") and isinstance(v, str)]
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _compile(schema: dict[str, Any]) -> Any:
    remote = [ref for ref in _refs(schema) if not ref.startswith("#")]
    if remote:
        raise SchemaInvalid(f"only local references (#...) are allowed, not {remote[0]}")
    try:
        jsonschema_rs.meta.validate(schema)
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    except (jsonschema_rs.ValidationError, ValueError) as exc:
        raise SchemaInvalid(str(exc).splitlines()[0]) from None


class CompiledForm:
    """A form ready to check data: compile once per version (~0.2 ms), check in microseconds."""

    def __init__(self, form: Form) -> None:
        if form.schema.get("type") != "object":
            raise SchemaInvalid('a form\'s schema is "type": "object"')
        self.form = form
        self._data = _compile(form.schema)
        self._rules = [(rule, _compile(rule.schema)) for rule in form.ui.rules]
        self.fields: dict[str, FormField] = {f.path: f for step in form.ui.steps for f in step.fields}
        for rule in form.ui.rules:
            if rule.target not in self.fields:
                raise SchemaInvalid(f"rule target {rule.target} is not a field of the form")

    def hidden(self, data: Any) -> set[str]:
        """Fields the rules hide for ``data`` (a SHOW rule hides its target unless it holds)."""
        hidden: set[str] = set()
        for rule, check in self._rules:
            present, value = _get(data, rule.scope)
            holds = present and check.is_valid(value)
            if (rule.effect == "HIDE") == holds:
                hidden.add(rule.target)
        return hidden

    def errors(self, data: Any) -> list[FieldError]:
        """Every error in ``data``: the schema's, then a value in a field the rules hide."""
        found: list[FieldError] = []
        # is_valid first: ~1 µs, and most submitted forms are valid; the errors only when they are not.
        errors = () if self._data.is_valid(data) else self._data.iter_errors(data)
        for error in errors:
            kind = error.kind.__class__.__name__
            path = _pointer(list(error.instance_path))
            if kind == "Required":
                path += _pointer([error.kind.property])
            found.append(FieldError(path=path, message=self._message(path, kind), kind=kind))
        for target in sorted(self.hidden(data)):
            present, value = _get(data, target)
            if present and value not in (None, ""):
                found.append(FieldError(path=target, message=HIDDEN_MESSAGE, kind="Hidden"))
        return found

    def _message(self, path: str, kind: str) -> str:
        field = self.fields.get(path)
        message = _MESSAGES.get(kind, "填写有误")
        return f"{field.label}：{message}" if field else message
