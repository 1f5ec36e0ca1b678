"""Pointers to licences in the citizen's WeChat and Alipay card packs (卡包).

A pointer is the licence's name, its masked number and a link back to the mini program's 亮证 page:
nothing a stranger could use (``integrations.cardpack.Pointer`` refuses more). Authenticity is never
the pass's: a counter checks a presentation. The citizen must have linked the platform account
(``backend.account_link``); one live pointer per licence and platform (a unique index decides).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from piccolo.engine.base import Engine

from backend.account_link.service import AccountLinkService
from backend.clock import Clock
from backend.database import UniqueViolation, transaction
from backend.licence.errors import (
    CardPackUnavailable,
    LicenceUnusable,
    PlatformNotLinked,
    PointerExists,
)
from backend.licence.repository import CardRepository, CardRow
from backend.licence.service import LicenceService
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.cardpack import CardPacks, PassRef

CardPlatform = Literal["wechat", "alipay"]
DEEP_LINK = "pages/licence/show?id={licence_id}"


@dataclass(frozen=True, slots=True)
class Pointer:
    row: CardRow
    # WeChat: what the mini program hands to wx.addCard (the card is in the pack once the user accepts).
    add_card: dict[str, str] | None


class CardPackService:
    def __init__(
        self,
        *,
        repository: CardRepository,
        licences: LicenceService,
        links: AccountLinkService,
        packs: CardPacks,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._licences = licences
        self._links = links
        self._packs = packs
        self._clock = clock
        self._engine = engine

    async def add(self, citizen_id: uuid.UUID, licence_id: uuid.UUID, platform: CardPlatform) -> Pointer:
        """Put a pointer to the citizen's licence in their card pack on ``platform``.

        Raises:
            LicenceNotFound, LicenceUnusable, PlatformNotLinked, PointerExists, CardPackUnavailable.
        """
        held = await self._licences.get(citizen_id, licence_id)
        if held.record.status != "valid":
            raise LicenceUnusable()
        user = await self._links.platform_user(citizen_id, platform)
        if user is None:
            raise PlatformNotLinked()
        if await self._repository.live(licence_id, platform) is not None:
            raise PointerExists()
        try:
            ref = await self._packs.add_pointer(
                platform,
                user,
                title=held.record.kind_name[:9],
                masked_number=held.record.masked_number,
                deep_link=DEEP_LINK.format(licence_id=licence_id),
            )
        except (UpstreamUnavailable, UpstreamRejected) as exc:
            raise CardPackUnavailable() from exc
        row = CardRow(
            id=uuid.uuid4(), licence_id=licence_id, citizen_id=citizen_id, platform=platform,
            serial=ref.serial, pass_id=ref.pass_id, created_at=self._clock.now(), withdrawn_at=None,
        )  # fmt: skip
        with UniqueViolation(raise_as=PointerExists):
            async with transaction(self._engine):
                await self._repository.insert(row)
        return Pointer(row=row, add_card=ref.add_card.card_list_item() if ref.add_card else None)

    async def withdraw(self, citizen_id: uuid.UUID, licence_id: uuid.UUID, platform: CardPlatform) -> None:
        """Take the pointer back from the platform, then mark it withdrawn; with no live pointer
        there is nothing to do (a repeated withdrawal changes nothing).

        Raises:
            LicenceNotFound, CardPackUnavailable.
        """
        await self._licences.get(citizen_id, licence_id)
        row = await self._repository.live(licence_id, platform)
        if row is None:
            return
        ref = PassRef(platform=row.platform, serial=row.serial, pass_id=row.pass_id)
        try:
            await self._packs.withdraw(row.platform, ref)
        except (UpstreamUnavailable, UpstreamRejected) as exc:
            raise CardPackUnavailable() from exc
        await self._repository.withdraw(row.id, now=self._clock.now())

    async def pointers(self, citizen_id: uuid.UUID, licence_id: uuid.UUID) -> list[CardRow]:
        await self._licences.get(citizen_id, licence_id)
        return await self._repository.of_licence(licence_id)
