from __future__ import annotations

import sqlite3

import pytest

from backend.database import UniqueViolation


class Taken(Exception):
    pass


def _violation() -> sqlite3.IntegrityError:
    return sqlite3.IntegrityError("UNIQUE constraint failed: staff_account.username")


def test_unique_violation_raises_the_domain_error_from_the_violation() -> None:
    violation = _violation()
    with pytest.raises(Taken) as raised, UniqueViolation(raise_as=Taken):
        raise violation
    assert raised.value.__cause__ is violation


def test_unique_violation_without_an_error_is_swallowed_and_recorded() -> None:
    with UniqueViolation() as taken:
        raise _violation()
    assert taken.occurred
    with UniqueViolation() as untouched:
        pass
    assert not untouched.occurred


def test_other_database_errors_pass_through() -> None:
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"), UniqueViolation(raise_as=Taken):
        raise sqlite3.IntegrityError("NOT NULL constraint failed: staff_account.role")
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"), UniqueViolation():
        raise sqlite3.IntegrityError("NOT NULL constraint failed: staff_account.role")
