"""WeChat 卡券 / card pack: card templates, the ``wx_card`` api_ticket, ``card_ext`` for
``wx.addCard``, and withdrawing a code.

The server cannot put a card in a user's pack: it creates the card template once
(``POST /card/create`` → ``card_id``), signs a ``card_ext`` for one user and one code with the
``api_ticket``, and the mini program calls ``wx.addCard({cardList: [{cardId, cardExt}]})``; the
user confirms in WeChat. ``POST /card/code/unavailable`` later withdraws that code.

``card_ext`` signature, as WeChat documents it: the values of ``api_ticket``, ``timestamp``,
``card_id``, ``code``, ``openid`` and ``nonce_str`` (those given), sorted as strings,
concatenated, SHA-1, hex.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from integrations.clock import Clock, RandomSource, SystemClock
from integrations.wechat._client import WeChatMiniProgram
from integrations.wechat._schemas import Envelope
from integrations.wechat._token import AccessTokenCache


class _CardCreated(msgspec.Struct):
    card_id: str


class _Ticket(msgspec.Struct):
    ticket: str
    expires_in: int


def card_ext_signature(*values: str) -> str:
    """SHA-1 hex over the sorted, concatenated non-empty ``values`` (WeChat's card signature)."""
    joined = "".join(sorted(value for value in values if value))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - the platform's fixed scheme


@dataclass(frozen=True, slots=True)
class AddCard:
    """One ``wx.addCard`` list item: hand ``card_list_item()`` to the mini program unchanged."""

    card_id: str
    code: str | None
    openid: str | None
    card_ext: str  # the JSON string WeChat wants as ``cardExt``

    def card_list_item(self) -> dict[str, str]:
        return {"cardId": self.card_id, "cardExt": self.card_ext}


def build_card_ext(
    *,
    api_ticket: str,
    card_id: str,
    timestamp: int,
    nonce_str: str,
    code: str | None = None,
    openid: str | None = None,
) -> AddCard:
    """Sign a ``card_ext`` for ``wx.addCard``: bound to ``openid`` and ``code`` when given."""
    stamp = str(timestamp)
    signature = card_ext_signature(api_ticket, stamp, card_id, code or "", openid or "", nonce_str)
    ext: dict[str, str] = {"timestamp": stamp, "nonce_str": nonce_str, "signature": signature}
    if code:
        ext["code"] = code
    if openid:
        ext["openid"] = openid
    return AddCard(card_id=card_id, code=code, openid=openid, card_ext=msgspec.json.encode(ext).decode())


class WeChatCards:
    """The card API of one mini program (same appid and access token as ``mini_program``).

    The ``wx_card`` api_ticket is cached until five minutes before it expires, one refresher at
    a time (it is rate-limited like the access token).
    """

    def __init__(
        self, mini_program: WeChatMiniProgram, *, clock: Clock | None = None, rng: RandomSource | None = None
    ) -> None:
        self._mp = mini_program
        self._clock = clock or SystemClock()
        self._rng = rng or random.SystemRandom()
        self.tickets = AccessTokenCache(self._fetch_ticket, clock=self._clock)

    def __repr__(self) -> str:
        return f"WeChatCards(appid={self._mp.appid!r})"

    async def create_card(self, card: Mapping[str, Any]) -> str:
        """``POST /card/create`` with ``{"card": card}``; returns the new ``card_id``.

        ``card`` is ``{"card_type": "MEMBER_CARD", "member_card": {"base_info": {...}, ...}}``.
        Not retried on unavailability (a retry could create a second template).

        Raises:
            UpstreamRejected: ``40097`` a bad field (``errmsg`` names it), ``47001`` bad JSON.
        """
        body = await self._mp.call_with_token(
            "POST",
            "/card/create",
            operation="card_create",
            json={"card": dict(card)},
            response_type=_CardCreated,
            idempotent=False,
        )
        return body.card_id

    async def api_ticket(self) -> str:
        """The current ``wx_card`` api_ticket (cached)."""
        return await self.tickets.get()

    async def add_card(self, *, card_id: str, code: str | None = None, openid: str | None = None) -> AddCard:
        """A signed ``wx.addCard`` item for ``openid`` (only that user can add it) and ``code``."""
        return build_card_ext(
            api_ticket=await self.api_ticket(),
            card_id=card_id,
            timestamp=int(self._clock.now()),
            nonce_str=f"{self._rng.getrandbits(96):024x}",
            code=code,
            openid=openid,
        )

    async def make_unavailable(self, *, card_id: str, code: str, reason: str | None = None) -> None:
        """``POST /card/code/unavailable``: the code is void in the user's pack from now on.

        Raises:
            UpstreamRejected: ``40056`` unknown code, ``40099`` already void.
        """
        request: dict[str, str] = {"card_id": card_id, "code": code}
        if reason is not None:
            request["reason"] = reason
        await self._mp.call_with_token(
            "POST",
            "/card/code/unavailable",
            operation="card_code_unavailable",
            json=request,
            response_type=Envelope,
            idempotent=True,  # voiding twice answers 40099: the caller treats that as done
        )

    async def _fetch_ticket(self) -> tuple[str, int]:
        body = await self._mp.call_with_token(
            "GET",
            "/cgi-bin/ticket/getticket",
            operation="card_api_ticket",
            params={"type": "wx_card"},
            response_type=_Ticket,
            idempotent=True,
        )
        return body.ticket, body.expires_in
