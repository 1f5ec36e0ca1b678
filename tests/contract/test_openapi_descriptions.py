"""The OpenAPI document says what things mean: every tag is described, every field of every schema
has a description (its own ``Meta(description=...)``, or the common one of ``backend.openapi_docs``),
and a closed set of values is an enum.

Fields described before this test existed are listed in ``undescribed_fields.txt``; the list only
shrinks. A new field without a description fails here: describe it where it is declared
(``Annotated[T, backend.fields.doc("...", example)]``). Describing a listed one fails too, until
``SUQIAN_UPDATE_UNDESCRIBED=1 uv run pytest tests/contract/test_openapi_descriptions.py`` drops it
from the list (the update never adds a field)."""

from __future__ import annotations

import functools
import json
import os
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


def test_every_new_field_is_described() -> None:
    undescribed, listed = _undescribed(), _listed()
    if os.environ.get("SUQIAN_UPDATE_UNDESCRIBED") == "1":
        header = [line for line in LISTED.read_text().splitlines() if line.startswith("#")]
        LISTED.write_text("\n".join([*header, *sorted(listed & undescribed)]) + "\n")
        listed = _listed()
    new = sorted(undescribed - listed)
    assert not new, f"fields without a description (Annotated[T, backend.fields.doc(...)]): {new}"
    described = sorted(listed - undescribed)
    assert not described, (
        f"described now, so off the list: {described[:20]} "
        "(SUQIAN_UPDATE_UNDESCRIBED=1 uv run pytest tests/contract/test_openapi_descriptions.py)"
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
