"""What notifications keep of a citizen: the inbox, their choices, and the subscribe-message
authorisations they gave in WeChat/Alipay (a consent they can take back here)."""

from __future__ import annotations

import uuid

from backend.notification.tables import NotificationGrant, NotificationMessage, NotificationPreference
from backend.personal_data import Category, Consent, ConsentHolder, Held, PersonalData
from backend.wiring import Wiring

SUBSCRIPTIONS = "notification.subscriptions"


class NotificationConsents(ConsentHolder):
    async def consents(self, citizen_id: uuid.UUID) -> list[Consent]:
        live = await NotificationGrant.count().where(
            (NotificationGrant.citizen_id == citizen_id) & (NotificationGrant.remaining > 0)
        )
        return [
            Consent(
                name=SUBSCRIPTIONS,
                description="Subscribe messages you allowed in WeChat or Alipay (each allow is one message)",
                live=live,
            )
        ]

    async def withdraw(self, citizen_id: uuid.UUID, name: str) -> int:
        mine = (NotificationGrant.citizen_id == citizen_id) & (NotificationGrant.remaining > 0)
        ended = await NotificationGrant.count().where(mine)
        # remaining 0, not the row gone: a send in flight spends with an UPDATE that requires one left.
        await NotificationGrant.update({NotificationGrant.remaining: 0}).where(mine)
        return int(ended)


def _consents(w: Wiring) -> ConsentHolder:
    return NotificationConsents()


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="notifications",
            description="Messages we sent you and how each was delivered, your channel choices and quiet "
            "hours, and your subscribe-message authorisations",
            purpose="Telling you about your applications, bookings and payments",
            legal_basis="PIPL art. 13(2) (the services you use); 13(1) consent for subscribe messages",
            retention="While the account is open",
        ),
    ),
    held=(
        Held(table=NotificationMessage, category="notifications"),
        Held(table=NotificationGrant, category="notifications"),
        Held(table=NotificationPreference, category="notifications"),
    ),
    consents=_consents,
)
