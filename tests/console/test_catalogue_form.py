"""The catalogue draft form's text fields read without a browser: a form nested beyond the parser's
depth is the console's 422 ``console.form_invalid``, one the parser takes but the schema compiler
can't the catalogue's ``catalogue.form_invalid`` — never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.catalogue.errors import FormInvalid as CatalogueFormInvalid
from backend.catalogue.seed_items import SEED
from backend.catalogue.service import CatalogueService
from backend.console.controller.catalogue import draft_values, edited
from backend.console.errors import FormInvalid
from tests.services import Services


@pytest.mark.parametrize(
    "form", ["[" * 60000, "[" * 5000 + "]" * 5000, '{"schema": ' * 3000 + "1" + "}" * 3000]
)
def test_a_form_nested_too_deep_is_form_invalid(form: str) -> None:
    definition = SEED[0]
    with pytest.raises(FormInvalid):
        edited(definition, {**draft_values(definition), "form": form})


async def test_a_schema_the_parser_takes_but_nested_hundreds_deep_is_the_catalogues_form_invalid(
    services: Services,
) -> None:
    deep: dict[str, Any] = {"type": "object"}
    for _ in range(300):
        deep = {"type": "object", "properties": {"a": deep}}
    form = json.dumps(
        {"schema": deep, "ui": {"steps": [{"title": "t", "fields": [{"path": "/a", "label": "a"}]}]}}
    )
    definition = SEED[0]
    changed = edited(definition, {**draft_values(definition), "form": form})
    with pytest.raises(CatalogueFormInvalid):
        await services.wiring.get(CatalogueService).draft(changed, by="staff:tests")
