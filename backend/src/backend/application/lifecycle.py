"""The application's lifecycle: which moves exist, who makes them, and how the department's case
statuses map onto them.

    draft ─submit→ submitted ─accept→ accepted ─review→ in_review ─approve→ approved ─complete→ completed
                       └─refuse at intake→ intake_refused        ├─refuse→ refused
                                                                 └─request correction→ correction_requested
    correction_requested ─resubmit→ resubmitted ─review→ in_review
    withdrawn: by the citizen from draft, submitted, accepted or correction_requested
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
