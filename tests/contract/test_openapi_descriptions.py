"""The OpenAPI document says what things mean: every tag is described, every field of every schema
has a description (its own ``Meta(description=...)``, or the common one of ``backend.openapi_docs``),
and a closed set of values is an enum.

``undescribed_fields.txt`` listed the fields described before this test existed; it is empty now and
stays so: a field without a description fails here. Describe it where it is declared
(``Annotated[T, backend.fields.doc("...", example)]``; a struct-typed field in
``backend.openapi_docs``)."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from citizen_code import Reason

LISTED = Path(__file__).with_name("undescribed_fields.txt")


@functools.cache
def _document() -> dict[str, Any]:
    # In a process of its own: building the app binds the database engine process-wide, and this
    # one's (a throwaway embedded default) must not become the test session's.
    exported = subprocess.run(
        [sys.executable, "-m", "miniprogram_api.openapi_export"], capture_output=True, text=True, check=True
    ).stdout
    body: dict[str, Any] = json.loads(exported)
    return body


def _undescribed() -> set[str]:
    return {
        f"{name}.{field}"
        for name, schema in _document()["components"]["schemas"].items()
        for field, prop in (schema.get("properties") or {}).items()
        if not prop.get("description")
    }


def _listed() -> set[str]:
    return {line for line in LISTED.read_text().splitlines() if line and not line.startswith("#")}


def test_every_field_is_described() -> None:
    assert not _listed(), f"{LISTED.name} is empty for good: describe the field instead of listing it"
    undescribed = sorted(_undescribed())
    assert not undescribed, (
        f"fields without a description (Annotated[T, backend.fields.doc(...)]): {undescribed}"
    )


def test_every_tag_is_described() -> None:
    doc = _document()
    described = {tag["name"] for tag in doc.get("tags", []) if tag.get("description")}
    used = {
        tag
        for item in doc["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for tag in operation.get("tags", [])
    }
    assert used <= described, (
        f"tags without a description (backend.openapi_docs.TAGS): {sorted(used - described)}"
    )


def test_a_verdicts_reason_is_a_closed_set() -> None:
    schemas = _document()["components"]["schemas"]
    assert set(schemas["Reason"]["enum"]) == {reason.value for reason in Reason}
    assert schemas["VerifyResult"]["properties"]["reason"]["allOf"] == [
        {"$ref": "#/components/schemas/Reason"}
    ]


def test_examples_of_personal_data_in_answers_are_masked() -> None:
    """The citizen as the API shows them: the examples a client copies are masked like the answers."""
    read = _document()["components"]["schemas"]["CitizenRead"]["properties"]
    for field in ("name", "id_number", "phone"):
        assert read[field]["examples"], field
        assert all("*" in example for example in read[field]["examples"]), field
