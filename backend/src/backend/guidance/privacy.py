"""Guidance: no citizen's data. Asking is open to anyone (no login), and nothing of who asked is kept.

The aliases and FAQ entries are staff's work (``created_by``/``approved_by`` name staff, not
citizens). The misses are the one table residents' words reach, and they are not a citizen's personal
data either: a question is masked before it is written (``redaction.mask_question``: ID numbers,
mobile numbers, any run of 7+ digits, a name after the words that introduce one), and the row keeps
only the masked text, how many times it was asked and when first/last, one row per distinct masked
text shared by everyone who typed it. No citizen id, no client address, no session is stored: the
client address only meters the per-address limit of how many misses are kept (``KEEP_MISSES``, in the
limiter's store, expiring within the hour), and the row cannot be linked back to anyone. So it can be
neither exported to nor erased for one citizen, and a closure has nothing of theirs to find in it.
"""

from __future__ import annotations

from backend.guidance.tables import GuidanceAlias, GuidanceFaq, GuidanceMiss
from backend.personal_data import PersonalData

PERSONAL_DATA = PersonalData(
    unrelated={
        GuidanceAlias: "staff's best-bet phrases leading to catalogue items (staff names who added them)",
        GuidanceFaq: "staff-managed questions and approved answers (staff names who wrote and approved)",
        GuidanceMiss: "questions nobody's answer fit, masked before storing (ID, phone, digit runs, "
        "introduced names) and counted per distinct text; no citizen id, client address or session "
        "kept, so no row can be tied to a person",
    },
)
