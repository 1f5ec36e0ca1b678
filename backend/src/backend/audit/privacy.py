"""The audit log's part in data rights: entries about a citizen are exported and kept at closure (the
chain is append-only and hash-linked; what it says of a person is masked when written)."""

from __future__ import annotations

from backend.audit.tables import AuditEntry
from backend.personal_data import Category, Held, OnClosure, PersonalData

AUDIT_PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="audit_log",
            description="What happened on your account and who did it: sign-ins, verifications, "
            "disclosures, payments (your ID number and phone only masked)",
            purpose="Security and accountability of the system (MLPS 2.0 level 3)",
            legal_basis="PIPL art. 13(3); Cybersecurity Law art. 21 (logs kept at least 6 months)",
            retention="3 years, never edited (hash-chained)",
        ),
    ),
    held=(
        Held(
            table=AuditEntry,
            category="audit_log",
            citizen=("subject",),
            match="citizen:{}",
            omit=("prev_hash", "hash"),
            on_closure=OnClosure.RETAIN,
            retained_because="the audit chain is kept (Cybersecurity Law art. 21, MLPS 2.0); its entries "
            "hold masked values only",
        ),
    ),
)
