"""What a client should do with each problem code: ``docs/errors.md``, generated from the catalogue.

``backend.problem_codes`` says what each code means; a mini-program or app team also needs to know
what to do with it — wait and retry, refresh the token, send the user to sign in, show the message,
fix a field. Each code gets one ``Action``: by default its kind's (``_BY_KIND``, ``_FRAMEWORK``), where
the kind says it all, or an entry of ``_OVERRIDES`` where the code asks for something else. The page
is regenerated from ``catalogue()``, so a feature's new error lands in it with its kind's action::

    uv run python -m backend.error_guide            # print the page
    uv run python -m backend.error_guide --write    # rewrite docs/errors.md

(``./scripts/regenerate.sh`` runs this with every other generator.) A test regenerates the page and
compares, so a new code without ``--write`` fails CI.
"""

from __future__ import annotations

import argparse
import sys
from enum import StrEnum
from pathlib import Path

from backend.problem_codes import FRAMEWORK, ProblemCode, catalogue

PAGE = Path(__file__).resolve().parents[3] / "docs" / "errors.md"


class Action(StrEnum):
    """What the client does; stable names a client may branch on."""

    RETRY_LATER = "retry_later"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105 (an action's name, not a secret)
    SIGN_IN_AGAIN = "sign_in_again"
    NEXT_STEP = "next_step"
    FIX_INPUT = "fix_input"
    SHOW_MESSAGE = "show_message"
    RELOAD = "reload"
    FIX_CLIENT = "fix_client"
    REPORT = "report"
    SERVER_TO_SERVER = "server_to_server"


EXPLAINED: dict[Action, str] = {
    Action.RETRY_LATER: "Wait `Retry-After` seconds (or back off from 1 s, doubling, at most 5 "
    "tries), then send the same request again, with the same `Idempotency-Key` where it had one. "
    "Tell the user only if it keeps failing (稍后再试).",
    Action.REFRESH_TOKEN: "Trade the refresh token for a new pair (`POST /api/v1/auth/token` with "
    "`grant_type=refresh_token`; keep the new refresh token, the old one is spent), then repeat the "
    "request once. If the refresh fails, sign in again.",
    Action.SIGN_IN_AGAIN: "Forget the tokens (or the ticket) the client holds and start the sign-in flow "
    "again; for a scanner, exchange its device credential for a new token.",
    Action.NEXT_STEP: "Not an error to show: the code names a step the user must take first (a face "
    "check, an SMS code, linking a platform account, signing in instead of registering). Lead them "
    "to it, then repeat the request.",
    Action.FIX_INPUT: "Show `detail` (and, for `request.invalid`, each entry of `errors` beside its "
    "field) and let the user correct what they entered.",
    Action.SHOW_MESSAGE: "Show `detail` to the user (written for people, in the language of the flow); "
    "the request will not succeed as it is, so do not retry it.",
    Action.RELOAD: "The object is gone, was never the caller's, or changed under them: reload the "
    "list or the page it came from (and start paging again for a cursor).",
    Action.FIX_CLIENT: "A bug in the client (wrong token kind, content type, malformed body, unknown "
    "path): log it with `request_id`, show a generic message, fix the code.",
    Action.REPORT: "A bug on our side: show a generic message with `request_id` (it is in our logs) "
    "and let the user try again later.",
    Action.SERVER_TO_SERVER: "Answered to another system's callback (a department, a payment "
    "platform), never to an app: that system retries or alerts by its own rules.",
}

_BY_KIND: dict[str, Action] = {
    "Unavailable": Action.RETRY_LATER,
    "RateLimited": Action.RETRY_LATER,
    "Unauthenticated": Action.SIGN_IN_AGAIN,
    "Forbidden": Action.SHOW_MESSAGE,
    "Invalid": Action.FIX_INPUT,
    "Conflict": Action.SHOW_MESSAGE,
    "NotFound": Action.RELOAD,
}

_FRAMEWORK: dict[int, Action] = {
    400: Action.FIX_CLIENT,
    401: Action.SIGN_IN_AGAIN,
    403: Action.FIX_CLIENT,
    404: Action.FIX_CLIENT,
    405: Action.FIX_CLIENT,
    408: Action.RETRY_LATER,
    413: Action.FIX_INPUT,
    414: Action.FIX_CLIENT,
    415: Action.FIX_CLIENT,
    429: Action.RETRY_LATER,
    431: Action.FIX_CLIENT,
    500: Action.REPORT,
    502: Action.SHOW_MESSAGE,
    503: Action.RETRY_LATER,
}

# Codes whose kind's action is the wrong advice. A test checks every key is a code in the catalogue.
_OVERRIDES: dict[str, Action] = {
    "auth.token_expired": Action.REFRESH_TOKEN,
    "auth.invalid_credentials": Action.FIX_INPUT,
    "auth.insufficient_scope": Action.FIX_CLIENT,
    "auth.wrong_principal_kind": Action.FIX_CLIENT,
    "request.invalid": Action.FIX_INPUT,
    "request.cursor_invalid": Action.RELOAD,
    "idempotency.in_progress": Action.RETRY_LATER,
    "idempotency.replayed_login_required": Action.SIGN_IN_AGAIN,
    "idempotency.key_invalid": Action.FIX_CLIENT,
    "idempotency.key_reused": Action.FIX_CLIENT,
    "citizen.not_registered": Action.NEXT_STEP,
    "citizen.phone_taken": Action.NEXT_STEP,
    "citizen.face_verification_required": Action.NEXT_STEP,
    "citizen.face_verification_pending": Action.RETRY_LATER,
    "citizen.sms_code_required": Action.NEXT_STEP,
    "citizen.reclaim_conflict": Action.RETRY_LATER,
    "code.holder_conflict": Action.RETRY_LATER,
    "code.device_revoked": Action.NEXT_STEP,
    "mp.sms_required": Action.NEXT_STEP,
    "licence.platform_not_linked": Action.NEXT_STEP,
    "notification.platform_not_linked": Action.NEXT_STEP,
    "payment.payer_not_linked": Action.NEXT_STEP,
    "staff.reauthentication_required": Action.NEXT_STEP,
    "staff.second_factor_invalid": Action.FIX_INPUT,
    "staff.current_password_wrong": Action.FIX_INPUT,
    "hotel.no_room_ready": Action.RETRY_LATER,
    "application.callback_signature_invalid": Action.SERVER_TO_SERVER,
}
_SERVER_TO_SERVER_PREFIXES = ("payment.notification_",)


def action(entry: ProblemCode) -> Action:
    if entry.code in _OVERRIDES:
        return _OVERRIDES[entry.code]
    if entry.code.startswith(_SERVER_TO_SERVER_PREFIXES):
        return Action.SERVER_TO_SERVER
    if entry.kind == FRAMEWORK:
        return _FRAMEWORK.get(entry.status, Action.FIX_CLIENT)
    return _BY_KIND[entry.kind]


def overridden() -> frozenset[str]:
    return frozenset(_OVERRIDES)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    entries = catalogue()
    lines = [
        "# Error codes and what a client does with them",
        "",
        "<!-- Generated by `uv run python -m backend.error_guide --write` (or ./scripts/regenerate.sh)"
        " from backend.problem_codes and backend.error_guide: do not edit by hand. -->",
        "",
        "Every error the API answers is `application/problem+json` (RFC 9457) with a stable `code`; branch "
        "on `code`, never on `title` or `detail`, and show `detail` where the action says so. Each "
        "operation of the OpenAPI document (`/schema/openapi.json`) lists exactly the codes it can "
        "answer, per status. `request_id` (also the `X-Request-ID` header) finds the request in our logs.",
        "",
        "```json",
        '{"type": "urn:suqian:problem:auth.token_expired", "title": "Unauthenticated", "status": 401,',
        ' "code": "auth.token_expired", "detail": "The access token has expired",',
        ' "instance": "/api/v1/citizen-code", "request_id": "k3m9x2p7q4r8s1t6"}',
        "```",
        "",
        "## Actions",
        "",
        "| Action | What the client does | Codes |",
        "|---|---|---|",
    ]
    counts = {a: sum(1 for e in entries if action(e) is a) for a in Action}
    for a in Action:
        lines.append(f"| `{a.value}` | {_cell(EXPLAINED[a])} | {counts[a]} |")
    lines += [
        "",
        f"## Every code ({len(entries)})",
        "",
        "| Code | Status | Action | Meaning |",
        "|---|---|---|---|",
    ]
    for entry in entries:
        lines.append(
            f"| `{entry.code}` | {entry.status} | `{action(entry).value}` | {_cell(entry.description)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backend.error_guide", description="Print (or --write) docs/errors.md."
    )
    parser.add_argument("--write", action="store_true", help=f"rewrite {PAGE}")
    args = parser.parse_args(argv)
    text = markdown()
    if not args.write:
        sys.stdout.write(text)
        return 0
    if not PAGE.exists() or PAGE.read_text() != text:
        PAGE.write_text(text)
    print(f"{PAGE}: {len(catalogue())} codes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
