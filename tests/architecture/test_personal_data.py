"""Every feature with tables says what it holds about citizens (``Feature.personal_data``): each of its
tables either held (with the column naming the citizen and what closing the account does to it) or
unrelated (with why). A table with a citizen column that no declaration covers would be missing from
exports and survive closures; a sealed column neither opened nor left out would hand the export
ciphertext; a retained table the retention doc does not name would be kept silently."""

from __future__ import annotations

import importlib
from pathlib import Path

from piccolo.columns import UUID
from piccolo.table import Table

from backend.app import FEATURES
from backend.audit.privacy import AUDIT_PERSONAL_DATA
from backend.personal_data import Held, OnClosure, PersonalData
from backend.wiring import INFRASTRUCTURE_APPS

RETENTION_DOC = Path(__file__).parents[2] / "docs" / "data-retention.md"


def _tables(app: str) -> list[type[Table]]:
    return list(importlib.import_module(app).APP_CONFIG.table_classes)


def _declared() -> list[tuple[str, list[type[Table]], PersonalData | None]]:
    found: list[tuple[str, list[type[Table]], PersonalData | None]] = [
        (app, _tables(app), AUDIT_PERSONAL_DATA) for app in INFRASTRUCTURE_APPS
    ]
    found += [(f.name, _tables(f.piccolo_app), f.personal_data) for f in FEATURES if f.piccolo_app]
    return found


def citizen_columns(table: type[Table]) -> set[str]:
    """Columns that name a citizen by id: UUIDs called ``citizen*``/``*_citizen``, and principals."""
    return {
        c._meta.name
        for c in table._meta.columns
        if isinstance(c, UUID) and ("citizen" in c._meta.name or c._meta.name == "principal_id")
    }


def test_every_feature_with_tables_declares_its_personal_data() -> None:
    missing = [name for name, _, declared in _declared() if declared is None]
    assert missing == [], f"features with tables but no personal_data=PersonalData(...): {missing}"


def test_every_table_is_held_or_said_unrelated_once_by_its_own_feature() -> None:
    problems = []
    for name, tables, declared in _declared():
        assert declared is not None
        held = [h.table for h in declared.held]
        said = held + list(declared.unrelated)
        for table in tables:
            if said.count(table) != 1:
                problems.append(f"{name}: {table._meta.tablename} declared {said.count(table)} times")
        for table in said:
            if table not in tables:
                problems.append(f"{name}: declares {table._meta.tablename}, another feature's table")
    assert problems == []


def test_every_citizen_column_is_covered_by_a_held_declaration() -> None:
    uncovered = []
    for name, _, declared in _declared():
        assert declared is not None
        for held in declared.held:
            left = citizen_columns(held.table) - set(held.citizen)
            # A child named through its parent may carry the citizen column too: then it must say it.
            if left and held.parent is None:
                uncovered.append(f"{name}: {held.name} columns {sorted(left)} not in citizen=")
        for table in declared.unrelated:
            if citizen_columns(table):
                uncovered.append(
                    f"{name}: {table._meta.tablename} is said unrelated but has {citizen_columns(table)}"
                )
    assert uncovered == []


def test_every_sealed_or_secret_column_of_a_held_table_is_opened_or_left_out() -> None:
    problems = []
    for name, _, declared in _declared():
        assert declared is not None
        for held in declared.held:
            for column in held.table._meta.columns:
                column_name = column._meta.name
                secret = column._meta.secret or column_name.endswith(("_sealed", "_index", "_hash"))
                if secret and column_name not in held.sealed and column_name not in held.omit:
                    problems.append(f"{name}: {held.name}.{column_name}")
    assert problems == [], f"sealed/secret columns neither in sealed= nor omit=: {problems}"


def _retained() -> list[Held]:
    return [h for _, _, d in _declared() if d is not None for h in d.held if h.on_closure is OnClosure.RETAIN]


def test_every_retained_table_says_why_and_is_named_in_the_retention_doc() -> None:
    doc = RETENTION_DOC.read_text()
    for held in _retained():
        assert held.retained_because, f"{held.name} is retained without a reason"
        assert f"`{held.name}`" in doc, f"docs/data-retention.md does not name the retained table {held.name}"


def test_a_parent_is_a_held_table() -> None:
    held_tables = {h.table for _, _, d in _declared() if d is not None for h in d.held}
    for _, _, declared in _declared():
        assert declared is not None
        for held in declared.held:
            if held.parent is not None:
                assert held.parent[1] in held_tables, f"{held.name}'s parent is not held"
