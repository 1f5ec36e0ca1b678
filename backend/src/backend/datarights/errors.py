"""The data-rights feature's errors.

NotFound (404)      ExportNotFound        datarights.export_not_found (not the caller's, or none)
                    ConsentUnknown        datarights.consent_unknown
Conflict (409)      ExportNotReady        datarights.export_not_ready (still being built)
                    ExportGone            datarights.export_gone (downloaded once already, or expired)
                    ClosureBlocked        datarights.closure_blocked (names what blocks it)
                    ClosureUnderway       datarights.closure_underway
"""

from __future__ import annotations

from backend.errors import Conflict, NotFound
from backend.personal_data import Blocker


class ExportNotFound(NotFound):
    code = "datarights.export_not_found"
    detail = "You have no such export"


class ConsentUnknown(NotFound):
    code = "datarights.consent_unknown"
    detail = "No such consent"


class ExportNotReady(Conflict):
    code = "datarights.export_not_ready"
    detail = "The export is still being prepared"


class ExportGone(Conflict):
    code = "datarights.export_gone"
    detail = "The export was downloaded already or has expired; ask for a new one"


class ClosureUnderway(Conflict):
    code = "datarights.closure_underway"
    detail = "The account is already being closed"


class ClosureBlocked(Conflict):
    code = "datarights.closure_blocked"
    detail = "The account cannot be closed yet"

    def __init__(self, blockers: list[Blocker] | None = None) -> None:
        found = blockers or []
        names = "; ".join(f"{b.count} {b.detail}" for b in found)
        super().__init__(
            detail=f"The account cannot be closed yet: {names}" if names else None,
            extra={"blockers": [{"code": b.code, "detail": b.detail, "count": b.count} for b in found]},
        )
