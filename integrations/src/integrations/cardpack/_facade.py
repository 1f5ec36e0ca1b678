"""Platform-neutral licence pointers in the WeChat and Alipay card packs.

A pointer carries the licence's name, a masked number and a link back to the mini program's
亮证 page — nothing else: :class:`Pointer` refuses a number that is not masked and a link
that is not a mini-program page path. It proves nothing; authenticity comes from the QR /
presentation flow.

* Alipay: one template per process (``alipay.pass.template.add``, deterministic ``unique_id``),
  then one pass per pointer issued straight into the user's pack (``user`` is the 2088 user id);
  withdrawing closes it.
* WeChat: the card template's title and link are fixed per card, so one card per (title, link)
  is created and cached; ``user`` is the openid and the pointer becomes a signed ``wx.addCard``
  item (:attr:`PassRef.add_card`) for the mini program — the card is in the pack once the user
  accepts it. Withdrawing voids the code. The masked number is not shown on a WeChat card
  (a per-user field would need member-card activation, not done here).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import msgspec

from integrations.alipay import AlipayPasses
from integrations.clock import RandomSource
from integrations.errors import UpstreamRejected
from integrations.wechat import AddCard, WeChatCards

Platform = Literal["wechat", "alipay"]
A = TypeVar("A")

_MASKED = re.compile(r"^[0-9A-Za-z]{0,6}\*{4,}[0-9A-Za-z]{0,4}$")
_PAGE = re.compile(r"^[A-Za-z0-9_/.-]{1,96}(\?[A-Za-z0-9_=&%.-]{0,128})?$")
_TITLE_MAX = 9  # WeChat's card title limit, and short enough for an Alipay pass head


class PointerRefused(ValueError):
    """The pointer would carry more than a title, a masked number and a page link."""


@dataclass(frozen=True, slots=True)
class Pointer:
    """What a card-pack entry may carry, and nothing more.

    ``title``: the licence's name (居民身份证), at most 9 characters. ``masked_number``: e.g.
    ``3213**********1234`` — at most 6 leading and 4 trailing characters in clear.
    ``deep_link``: a mini-program page path (``pages/licence/show?id=...``), no scheme or host.
    """

    title: str
    masked_number: str
    deep_link: str

    def __post_init__(self) -> None:
        if not self.title or len(self.title) > _TITLE_MAX or not self.title.isprintable():
            raise PointerRefused("title")
        if _MASKED.match(self.masked_number) is None:
            raise PointerRefused("masked_number is not masked")
        if _PAGE.match(self.deep_link) is None or self.deep_link.startswith("/"):
            raise PointerRefused("deep_link is not a mini-program page path")


@dataclass(frozen=True, slots=True)
class PassRef:
    """Where a pointer lives: store it to withdraw the pointer later.

    ``serial``: Alipay's serialNumber or WeChat's code (ours, random). ``pass_id``: Alipay's
    passId, or the WeChat ``card_id``. ``add_card``: WeChat only — hand
    ``add_card.card_list_item()`` to ``wx.addCard``.
    """

    platform: Platform
    serial: str
    pass_id: str
    add_card: AddCard | None = None


def alipay_template(app_id: str) -> dict[str, Any]:
    """The pass.json layout of a licence pointer (our reading of the alipass docs)."""
    return {
        "logo": "https://suqian.example/static/cardpack-logo.png",
        "content": {
            "evoucherInfo": {
                "title": "$title$",
                "type": "boardingPass",
                "product": "free",
                "startDate": "2025-01-01 00:00:00",
                "endDate": "2099-12-31 23:59:59",
                "einfo": {
                    "logoText": "我的宿迁",
                    "headFields": [
                        {"key": "number", "label": "证号", "value": "$maskedNumber$", "type": "text"}
                    ],
                },
                "operation": [
                    {"format": "url", "message": "$deepLink$", "messageEncoding": "UTF-8", "altText": "亮证"}
                ],
            },
            "merchant": {"mname": "我的宿迁"},
            "platform": {"channelID": app_id},
            "fileInfo": {
                "formatVersion": "2",
                "canShare": False,
                "canBuy": False,
                "serialNumber": "$serialNumber$",
            },
            "style": {"backgroundColor": "RGB(26,115,232)"},
        },
    }


def wechat_card(title: str, deep_link: str, *, mini_program_username: str) -> dict[str, Any]:
    """A member card whose only content is the licence name and a link to the 亮证 page."""
    return {
        "card_type": "MEMBER_CARD",
        "member_card": {
            "base_info": {
                "logo_url": "https://suqian.example/static/cardpack-logo.png",
                "brand_name": "我的宿迁",
                "code_type": "CODE_TYPE_NONE",
                "title": title,
                "color": "Color010",
                "notice": "打开亮证页出示",
                "description": "证照入口；真伪以亮证二维码核验为准。",
                "sku": {"quantity": 100_000_000},
                "date_info": {"type": "DATE_TYPE_PERMANENT"},
                "use_custom_code": True,
                "bind_openid": True,
                "get_limit": 1,
                "can_share": False,
                "can_give_friend": False,
                "center_title": "亮证",
                "center_app_brand_user_name": mini_program_username,
                "center_app_brand_pass": deep_link,
            },
            "prerogative": "电子证照入口",
            "supply_bonus": False,
            "supply_balance": False,
        },
    }


class CardPacks:
    """Add and withdraw licence pointers in either platform's card pack.

    Args:
        alipay: the 卡包 adapter of our Alipay mini program (or ``None`` if not offered).
        wechat: the card adapter of our WeChat mini program (or ``None``).
        wechat_username: the mini program's original id + ``@app`` (``gh_xxx@app``).
        rng: serial numbers and codes (``random.SystemRandom()`` unless given).
    """

    def __init__(
        self,
        *,
        alipay: AlipayPasses | None = None,
        wechat: WeChatCards | None = None,
        wechat_username: str = "",
        rng: RandomSource | None = None,
    ) -> None:
        self._alipay = alipay
        self._wechat = wechat
        self._wechat_username = wechat_username
        self._rng = rng or random.SystemRandom()
        self._lock = asyncio.Lock()
        self._alipay_tpl: str | None = None
        self._wechat_cards: dict[tuple[str, str], str] = {}

    async def add_pointer(
        self, platform: Platform, user: str, *, title: str, masked_number: str, deep_link: str
    ) -> PassRef:
        """Put a pointer for ``user`` (Alipay user id, or WeChat openid) in that platform's pack.

        Raises:
            PointerRefused: the content is more than a pointer.
            UpstreamRejected / UpstreamUnavailable: from the platform.
        """
        pointer = Pointer(title=title, masked_number=masked_number, deep_link=deep_link)
        serial = f"SQ{self._rng.getrandbits(64):020d}"
        if platform == "alipay":
            alipay = self._require(self._alipay, platform)
            issued = await alipay.add_instance(
                tpl_id=await self._alipay_template(alipay),
                tpl_params={
                    "title": pointer.title,
                    "maskedNumber": pointer.masked_number,
                    "deepLink": self._alipay_link(alipay, pointer.deep_link),
                    "serialNumber": serial,
                },
                user_id=user,
            )
            return PassRef(platform="alipay", serial=issued.serial_number, pass_id=issued.pass_id)
        wechat = self._require(self._wechat, platform)
        card_id = await self._wechat_card(wechat, pointer)
        item = await wechat.add_card(card_id=card_id, code=serial, openid=user)
        return PassRef(platform="wechat", serial=serial, pass_id=card_id, add_card=item)

    async def withdraw(self, platform: Platform, ref: PassRef) -> None:
        """Take the pointer out of the pack (Alipay: CLOSED; WeChat: the code made unavailable).

        Withdrawing twice is not an error. A WeChat pointer the user never accepted answers
        ``40056`` (no such code in any pack): nothing to withdraw either.
        """
        if platform != ref.platform:
            raise ValueError(f"{ref.platform} pass withdrawn as {platform}")
        if platform == "alipay":
            alipay = self._require(self._alipay, platform)
            try:
                await alipay.update_instance(
                    serial_number=ref.serial, channel_id=alipay.gateway.app_id, status="CLOSED"
                )
            except UpstreamRejected as exc:
                if exc.code != "KP.PASS_STATUS_ERROR":
                    raise
            return
        wechat = self._require(self._wechat, platform)
        try:
            await wechat.make_unavailable(
                card_id=ref.pass_id, code=ref.serial, reason="licence pointer withdrawn"
            )
        except UpstreamRejected as exc:
            if exc.code not in ("40056", "40099"):
                raise

    async def _alipay_template(self, alipay: AlipayPasses) -> str:
        async with self._lock:
            if self._alipay_tpl is None:
                content = alipay_template(alipay.gateway.app_id)
                digest = hashlib.sha256(msgspec.json.encode(content)).hexdigest()[:32]
                template = await alipay.add_template(
                    unique_id=f"sq-licence-pointer-{digest}", tpl_content=content
                )
                self._alipay_tpl = template.tpl_id
            return self._alipay_tpl

    async def _wechat_card(self, wechat: WeChatCards, pointer: Pointer) -> str:
        key = (pointer.title, pointer.deep_link)
        async with self._lock:
            if key not in self._wechat_cards:
                card = wechat_card(
                    pointer.title, pointer.deep_link, mini_program_username=self._wechat_username
                )
                self._wechat_cards[key] = await wechat.create_card(card)
            return self._wechat_cards[key]

    @staticmethod
    def _alipay_link(alipay: AlipayPasses, deep_link: str) -> str:
        page, _, query = deep_link.partition("?")
        link = f"alipays://platformapi/startapp?appId={alipay.gateway.app_id}&page={quote(page, safe='')}"
        return f"{link}&query={quote(query, safe='')}" if query else link

    @staticmethod
    def _require(adapter: A | None, platform: Platform) -> A:
        if adapter is None:
            raise ValueError(f"no {platform} card-pack adapter configured")
        return adapter
