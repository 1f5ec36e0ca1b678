"""What the e-licence wallet keeps of a citizen, and the consent to show licences they can take back:
a licence shown to a counter and not yet verified there is withdrawn by dropping the presentation
(the counter then finds nothing to verify); a request not yet answered is declined."""

from __future__ import annotations

import uuid

from backend.licence.service import CREDENTIAL, SEALED
from backend.licence.showing import PRESENTATION
from backend.licence.tables import (
    LicenceCard,
    LicenceKey,
    LicenceLogEntry,
    LicenceRecord,
    LicenceRequest,
    LicenceSync,
    LicenceVerifier,
)
from backend.personal_data import Category, Consent, ConsentHolder, Held, PersonalData
from backend.wiring import Wiring

SHOWING = "licence.showing"
_OPEN = ("pending", "presented")


class LicenceConsents(ConsentHolder):
    async def consents(self, citizen_id: uuid.UUID) -> list[Consent]:
        live = await LicenceRequest.count().where(
            (LicenceRequest.citizen_id == citizen_id) & LicenceRequest.state.is_in(list(_OPEN))
        )
        return [
            Consent(
                name=SHOWING,
                description="Licence fields you agreed to show a counter that has not verified them yet, "
                "and counters' requests you have not answered",
                live=live,
            )
        ]

    async def withdraw(self, citizen_id: uuid.UUID, name: str) -> int:
        mine = (LicenceRequest.citizen_id == citizen_id) & LicenceRequest.state.is_in(list(_OPEN))
        ended = await LicenceRequest.count().where(mine)
        await LicenceRequest.update(
            {LicenceRequest.state: "declined", LicenceRequest.presentation: None}
        ).where(mine)
        return int(ended)


def _consents(w: Wiring) -> ConsentHolder:
    return LicenceConsents()


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="licences",
            description="Your e-licences as the city's licence library issued them, the credentials we "
            "issued for them, your wallet's holder key and the pointers in your WeChat/Alipay card pack",
            purpose="The e-licence wallet (可信電子證照): showing, sharing and using your licences",
            legal_basis="PIPL art. 13(3): public duties of the city",
            retention="While the account is open; pulled again from the library when needed",
        ),
        Category(
            name="licence_disclosures",
            description="Which counter asked for which licence fields, what you agreed to show and your "
            "disclosure log (field names, never values)",
            purpose="Showing licences field by field with your consent, and proving what was shown",
            legal_basis="PIPL art. 13(1): your consent to each showing",
            retention="While the account is open",
        ),
    ),
    held=(
        Held(
            table=LicenceRecord,
            category="licences",
            sealed={"sealed": f"{SEALED}:{{id}}", "credential": f"{CREDENTIAL}:{{id}}"},
            omit=("identifier_index",),
        ),
        Held(table=LicenceKey, category="licences", omit=("private_key",)),
        Held(table=LicenceCard, category="licences"),
        Held(table=LicenceSync, category="licences", citizen=("name",), match="citizen:{}"),
        Held(
            table=LicenceRequest,
            category="licence_disclosures",
            sealed={"presentation": f"{PRESENTATION}:{{id}}"},
            omit=("nonce",),
        ),
        Held(table=LicenceLogEntry, category="licence_disclosures"),
    ),
    unrelated={LicenceVerifier: "registered verifiers (counters, businesses)"},
    consents=_consents,
)
