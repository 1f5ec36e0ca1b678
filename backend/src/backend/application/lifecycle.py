"""The application's lifecycle: which moves exist, who makes them, and how the department's case
statuses map onto them.

    draft ─submit→ submitted ─accept→ accepted ─review→ in_review ─approve→ approved ─complete→ completed
                       └─refuse at intake→ intake_refused        ├─refuse→ refused
                                                                 └─request correction→ correction_requested
    correction_requested ─resubmit→ resubmitted ─review→ in_review
    withdrawn: by the citizen from draft, submitted, accepted or correction_requested

The moves after submission are the department's (its case system calls back) or, for an application
reviewed at a counter (窗口), a clerk's (``STAFF_MOVES``, ``staff_move``): the same moves, recorded with
source ``staff``.
"""

from __future__ import annotations

from typing import Literal

Status = Literal[
    "draft",
    "submitted",
    "accepted",
    "intake_refused",
    "in_review",
    "correction_requested",
    "resubmitted",
    "approved",
    "refused",
    "completed",
    "withdrawn",
]
STATUSES: tuple[Status, ...] = (
    "draft", "submitted", "accepted", "intake_refused", "in_review", "correction_requested",
    "resubmitted", "approved", "refused", "completed", "withdrawn",
)  # fmt: skip
Source = Literal["citizen", "department", "system", "staff"]

MOVES: dict[Status, frozenset[Status]] = {
    "draft": frozenset({"submitted", "withdrawn"}),
    "submitted": frozenset({"accepted", "intake_refused", "withdrawn"}),
    "accepted": frozenset({"in_review", "refused", "withdrawn"}),
    "in_review": frozenset({"correction_requested", "approved", "refused"}),
    "correction_requested": frozenset({"resubmitted", "in_review", "withdrawn"}),
    "resubmitted": frozenset({"in_review", "refused"}),
    "approved": frozenset({"completed"}),
    "intake_refused": frozenset(),
    "refused": frozenset(),
    "completed": frozenset(),
    "withdrawn": frozenset(),
}
WITHDRAWABLE: frozenset[Status] = frozenset(s for s, moves in MOVES.items() if "withdrawn" in moves)
# Where the citizen may still change the form: a draft, and a case the department returned (补正).
EDITABLE: frozenset[Status] = frozenset({"draft", "correction_requested"})


# A reviewer's moves, by name (the admin API's routes and the console's buttons); ``refuse`` from
# ``submitted`` is a refusal at intake (不予受理), as the department's ``rejected`` is.
StaffMove = Literal["accept", "review", "request_correction", "approve", "refuse", "complete"]
STAFF_MOVES: tuple[StaffMove, ...] = (
    "accept",
    "review",
    "request_correction",
    "approve",
    "refuse",
    "complete",
)
_STAFF_TARGETS: dict[StaffMove, Status] = {
    "accept": "accepted",
    "review": "in_review",
    "request_correction": "correction_requested",
    "approve": "approved",
    "refuse": "refused",
    "complete": "completed",
}
# The moves whose reason the citizen is told (a refusal's grounds, what to correct): never empty.
NEEDS_REASON: frozenset[StaffMove] = frozenset({"refuse", "request_correction"})


def allowed(current: Status, target: Status) -> bool:
    return target in MOVES[current]


def department_move(current: Status, case_status: str) -> Status | None:
    """Our status for the department's ``case_status`` reached from ``current``; None when it is no
    move from there (the application was withdrawn, or the department said something we did not
    expect: it is recorded, not applied)."""
    target: Status | None
    if case_status == "rejected":
        target = "intake_refused" if current == "submitted" else "refused"
    else:
        target = {
            "accepted": "accepted",
            "in_review": "in_review",
            "returned": "correction_requested",
            "approved": "approved",
            "completed": "completed",
        }.get(case_status)  # type: ignore[assignment]
    return target if target is not None and allowed(current, target) else None


def staff_target(current: Status, move: StaffMove) -> Status:
    """The status ``move`` leads to from ``current`` (whether or not the lifecycle allows it)."""
    if move == "refuse" and current == "submitted":
        return "intake_refused"
    return _STAFF_TARGETS[move]


def staff_move(current: Status, move: StaffMove) -> Status | None:
    """Our status after a reviewer's ``move`` from ``current``; None when it is no move from there."""
    target = staff_target(current, move)
    return target if allowed(current, target) else None


def staff_moves(current: Status) -> list[StaffMove]:
    """The moves a reviewer may make from ``current``, in ``STAFF_MOVES``' order (the console's buttons)."""
    return [move for move in STAFF_MOVES if staff_move(current, move) is not None]
