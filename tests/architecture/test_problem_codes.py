"""Codes are never string literals at raise sites (ARCHITECTURE §2a): a raise names a leaf of the
feature's ``errors.py``, and the leaves live in their feature's ``errors.py`` or a shared module."""

from __future__ import annotations

import ast
from pathlib import Path

from backend.errors import CODE_PATTERN, DomainError
from backend.problem_codes import domain_errors, leaves

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("backend/src", "miniprogram-api/src")
# Shared infrastructure below every feature (ARCHITECTURE §2a): its errors live with the code.
SHARED_PACKAGES = {"store", "audit", "observability"}
# Takes a leaf, or a code as data: a literal there is a code spelt out all the same.
CODE_CARRIERS = {"RateLimit"}


def _literal_code(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_PATTERN.fullmatch(node.value):
        return node.value
    return None


def _callee(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else ""


def literal_codes(path: Path, error_names: set[str]) -> list[str]:
    """``file:line code`` for every call that builds a problem from a string-literal code: a call of a
    ``DomainError`` class or of a code carrier, or any ``raise X("a.b", ...)``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    raised = {id(node.exc) for node in ast.walk(tree) if isinstance(node, ast.Raise) and node.exc}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if id(node) not in raised and _callee(node) not in error_names | CODE_CARRIERS:
            continue
        arguments = [*node.args[:1], *(k.value for k in node.keywords if k.arg in {"code", "error"})]
        for argument in arguments:
            code = _literal_code(argument)
            if code is not None:
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                found.append(f"{where}:{node.lineno} {code}")
    return found


def _error_names() -> set[str]:
    return {DomainError.__name__, *(cls.__name__ for cls in domain_errors())}


def test_no_raise_site_spells_a_problem_code() -> None:
    names = _error_names()
    sources = [
        path
        for root in SOURCES
        for path in sorted((ROOT / root).rglob("*.py"))
        if "piccolo_migrations" not in path.parts
    ]
    assert len(sources) > 50
    offenders = [hit for path in sources for hit in literal_codes(path, names)]
    assert offenders == [], "raise the leaf from the feature's errors.py:\n" + "\n".join(offenders)


def test_the_literal_code_check_catches_each_form(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "raise Conflict('citizen.already_registered', 'taken')\n"
        "error = Invalid(code='citizen.name_invalid', detail='empty')\n"
        "raise SomethingElse('x.y_z')\n"
        "RULE = RateLimit('auth.sms_rate_limited', limit=5, window=60)\n"
        "raise AlreadyRegistered()\n"
        "log.info('citizen.registered')\n"
        "raise ValueError('not a code')\n"
    )
    hits = literal_codes(probe, _error_names())
    assert [hit.rsplit(" ", 1)[1] for hit in hits] == [
        "citizen.already_registered",
        "citizen.name_invalid",
        "x.y_z",
        "auth.sms_rate_limited",
    ]


def test_leaves_live_in_their_features_errors_module() -> None:
    misplaced = []
    for leaf in leaves():
        parts = leaf.__module__.split(".")
        shared = len(parts) == 2 or parts[1] in SHARED_PACKAGES
        if not shared and parts[2:] != ["errors"]:
            misplaced.append(f"{leaf.__module__}.{leaf.__qualname__}")
    assert misplaced == [], "a feature's errors belong in its errors.py:\n" + "\n".join(misplaced)
