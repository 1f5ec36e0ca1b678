"""docs/errors.md is the catalogue as it is now, and every code has an action a client can follow."""

from __future__ import annotations

from backend.error_guide import EXPLAINED, PAGE, Action, action, markdown, overridden
from backend.problem_codes import catalogue


def test_the_page_is_current() -> None:
    assert PAGE.read_text() == markdown(), (
        "docs/errors.md is stale: run `uv run python -m backend.error_guide --write` "
        "(or ./scripts/regenerate.sh)"
    )


def test_every_code_has_an_explained_action() -> None:
    for entry in catalogue():
        assert action(entry) in EXPLAINED, entry.code
        assert f"| `{entry.code}` | {entry.status} | `{action(entry).value}` |" in markdown()


def test_overrides_name_codes_that_exist() -> None:
    codes = {entry.code for entry in catalogue()}
    assert overridden() <= codes, sorted(overridden() - codes)


def test_the_advice_where_the_kind_alone_would_mislead() -> None:
    by_code = {entry.code: action(entry) for entry in catalogue()}
    assert by_code["auth.token_expired"] is Action.REFRESH_TOKEN
    assert by_code["auth.refresh_token_reused"] is Action.SIGN_IN_AGAIN
    assert by_code["auth.invalid_credentials"] is Action.FIX_INPUT
    assert by_code["store.unavailable"] is Action.RETRY_LATER
    assert by_code["citizen.face_verification_required"] is Action.NEXT_STEP
    assert by_code["internal.error"] is Action.REPORT
    assert by_code["payment.notification_signature_invalid"] is Action.SERVER_TO_SERVER
