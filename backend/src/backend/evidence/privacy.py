"""Evidence anchors over the audit chains: hashes and signatures, no citizen's data."""

from __future__ import annotations

from backend.evidence.tables import EvidenceKey, EvidenceRoot
from backend.personal_data import PersonalData

PERSONAL_DATA = PersonalData(
    unrelated={
        EvidenceRoot: "daily Merkle roots of the audit chains",
        EvidenceKey: "the anchors' signing keys",
    }
)
