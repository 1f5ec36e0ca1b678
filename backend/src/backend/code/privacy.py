"""What the citizen code keeps: a random code id, the phones registered for offline codes. Scans
name the code id only (pseudonymous), never the citizen."""

from __future__ import annotations

import uuid

from backend.code.service import CitizenCodeService
from backend.code.tables import (
    CodeDevice,
    CodeHolder,
    CodeKey,
    CodeRevocation,
    CodeScan,
    CodeScanFlag,
    CodeTrustList,
)
from backend.personal_data import Category, CitizenStep, Held, PersonalData
from backend.wiring import Wiring


def _revoke(w: Wiring) -> CitizenStep:
    codes = w.get(CitizenCodeService)

    async def step(citizen_id: uuid.UUID) -> None:
        # One revocation entry voids every credential a phone could still show offline.
        await codes.suspend(citizen_id, actor="system:datarights", reason="account_closed")

    return step


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="citizen_code",
            description="Your code's random id and status, and the phones you registered for offline codes",
            purpose="Issuing the citizen code gates verify",
            legal_basis="PIPL art. 13(3): public duties of the city",
            retention="While the account is open",
        ),
    ),
    held=(
        Held(table=CodeHolder, category="citizen_code"),
        Held(table=CodeDevice, category="citizen_code"),
    ),
    unrelated={
        CodeKey: "issuer keys",
        CodeTrustList: "signed trust lists",
        CodeRevocation: "revoked code ids (random, no link to a person once the holder is deleted)",
        CodeScan: "gate scans by code id (random, no link to a person once the holder is deleted)",
        CodeScanFlag: "suspected clones by code id",
    },
    on_closure=_revoke,
)
