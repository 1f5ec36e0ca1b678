"""Setup tokens: the restricted token (scope ``staff:account`` alone) a login gets while the account owes
a password change or a second-factor enrolment, and which of them still count.

A setup token carries, in its ``ctx`` claim, what it owed when issued (``owes``), the factor its login
presented (``factor``) and the account's setup generation then (``setup``). Every settled step (a
password change, a confirmed enrolment) moves the generation on in the same transaction, by a
conditional UPDATE (``StaffRepository.settle_setup``): every setup token issued before ends, except the
one that settled the step (``setup_holder``), which lives on with the steps it settled
(``setup_settled``). A setup token becomes a session only when it settled itself everything it owed —
never because the account was settled by someone else after it was issued: that answer is to sign in
again, with the second factor.
"""

from __future__ import annotations

from typing import Literal

from backend.auth.errors import TokenRevoked
from backend.auth.principal import STAFF_SCOPE, Principal
from backend.staff.repository import StaffRepository, StaffRow

Method = Literal["totp", "recovery_code"]
Step = Literal["password_change", "second_factor_enrolment"]


def setup_context(row: StaffRow, owes: tuple[str, ...], factor: Method | None) -> dict[str, str]:
    """The claims of a setup token issued now for ``row``."""
    return {"setup": str(row.setup_generation), "owes": " ".join(owes), "factor": factor or "none"}


def is_setup(principal: Principal) -> bool:
    return principal.kind == "staff" and STAFF_SCOPE not in principal.scopes


def live(principal: Principal, row: StaffRow) -> bool:
    """Whether ``principal`` still counts: a full token always (its revocation is the session's), a
    setup token issued at the current generation, or the one that settled the last step."""
    if not is_setup(principal):
        return True
    issued_now = principal.context.get("setup") == str(row.setup_generation)
    return issued_now or (row.setup_holder is not None and row.setup_holder == principal.jti)


def settled_by(principal: Principal, row: StaffRow) -> frozenset[str]:
    """The steps this very token settled."""
    if row.setup_holder is None or row.setup_holder != principal.jti:
        return frozenset()
    return frozenset(row.setup_settled.split())


def owed_by(principal: Principal) -> frozenset[str]:
    """What the token owed when it was issued."""
    return frozenset(principal.context.get("owes", "").split())


def presented_factor(principal: Principal, row: StaffRow) -> Method | None:
    """The factor this token's holder presented: the code confirming the enrolment it settled, else
    the one its login presented."""
    if "second_factor_enrolment" in settled_by(principal, row):
        return "totp"
    factor = principal.context.get("factor")
    return factor if factor in ("totp", "recovery_code") else None  # type: ignore[return-value]


async def settle(repository: StaffRepository, principal: Principal, row: StaffRow, step: Step) -> None:
    """Record that ``principal`` settled ``step`` on ``row``'s account, in the caller's transaction:
    every other setup token of the member ends. A setup token that no longer counts, or lost a race
    with another settle, is ``TokenRevoked`` (the caller's transaction rolls back)."""
    if not is_setup(principal):
        await repository.settle_setup(row.id, seen=None, holder=None, settled="")
        return
    if not live(principal, row):
        raise TokenRevoked()
    steps = " ".join(sorted(settled_by(principal, row) | {step}))
    if not await repository.settle_setup(row.id, seen=row, holder=principal.jti, settled=steps):
        raise TokenRevoked()
