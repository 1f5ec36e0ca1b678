"""What the credit feature keeps of a citizen: the objections (信用異議) they filed, the reason and
contact phone sealed. The credit report and public disclosures are read from the platform on demand,
never stored.

An objection still ``queued`` (owed to the credit platform through the outbox, e.g. while it is down)
blocks closing the account: closing now would drop it unfiled, silently, and its delivery needs the
real identity the closure erases. Once the platform has it (``received`` and later), the objection
is the platform's own record under the credit-repair rules and it answers on the contact phone the
citizen gave: our copy (a mirror for following it in the app) is deleted with the account, and the
poll simply finds no row to update."""

from __future__ import annotations

import uuid

from backend.credit.service import _PHONE, _REASON
from backend.credit.tables import CreditObjection
from backend.personal_data import Blocker, BlockerCheck, Category, Held, PersonalData
from backend.wiring import Wiring


def _blockers(w: Wiring) -> BlockerCheck:
    async def check(citizen_id: uuid.UUID) -> list[Blocker]:
        queued = await CreditObjection.count().where(
            (CreditObjection.citizen_id == citizen_id) & (CreditObjection.status == "queued")
        )
        if not queued:
            return []
        detail = "credit objection(s) not yet delivered to the credit platform: wait for them to be received"
        return [Blocker(code="credit.objection_queued", detail=detail, count=queued)]

    return check


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="credit",
            description="The objections you filed to records of your credit report: the record, your "
            "reason, your contact phone and the platform's decision",
            purpose="Filing your objection with the credit platform and telling you its decision",
            legal_basis="PIPL art. 13(3): public duties (the credit platform's objection procedure)",
            retention="While the account is open; the credit platform keeps its own record of the objection",
        ),
    ),
    held=(
        Held(
            table=CreditObjection,
            category="credit",
            sealed={"reason": f"{_REASON}:{{id}}", "contact_phone": f"{_PHONE}:{{id}}"},
        ),
    ),
    blockers=_blockers,
)
