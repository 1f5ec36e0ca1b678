"""The card-pack part of the WeChat twin: card templates, the ``wx_card`` api_ticket, the
user's ``wx.addCard`` (a control route) and ``/card/code/unavailable``.

* ``POST /card/create`` ``{"card": {"card_type": T, "<t>": {"base_info": {...}}}}`` checks the
  documented required ``base_info`` fields and limits (``title`` ≤ 9, ``brand_name`` ≤ 12,
  ``notice`` ≤ 16 characters) → ``card_id`` (``p`` + 27 characters). Cards are usable at once
  (no review).
* ``GET /cgi-bin/ticket/getticket?type=wx_card`` → the api_ticket, the same until it expires.
* ``POST /card-pack/add`` (control) ``{"openid", "cardList": [{"cardId", "cardExt"}]}`` plays
  the user's ``wx.addCard``: every ``cardExt`` must be signed with a valid api_ticket
  (SHA-1 over the sorted values), name this ``openid`` if it names one (and name one when the
  card has ``bind_openid``), and carry a code not yet used when the card has
  ``use_custom_code``; otherwise nothing is added (400, like ``addCard:fail``).
* ``POST /card/code/unavailable`` ``{"code", "card_id"}`` voids a code (40056 unknown, 40099
  already void). ``GET /card-pack?openid=`` (control) lists that user's cards.
"""

from __future__ import annotations

import hmac
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from integrations._asgi import Request, Response, Router, json_response
from integrations.clock import Clock
from integrations.wechat._cards import card_ext_signature

TICKET_LIFETIME_SECONDS = 7200
CARD_TYPES = frozenset(
    {
        "GROUPON", "CASH", "DISCOUNT", "GIFT", "GENERAL_COUPON", "MEMBER_CARD",
        "SCENIC_TICKET", "MOVIE_TICKET", "BOARDING_PASS", "MEETING_TICKET", "BUS_TICKET",
    }
)  # fmt: skip
CODE_TYPES = frozenset(
    {"CODE_TYPE_TEXT", "CODE_TYPE_BARCODE", "CODE_TYPE_QRCODE", "CODE_TYPE_ONLY_QRCODE",
     "CODE_TYPE_ONLY_BARCODE", "CODE_TYPE_NONE"}
)  # fmt: skip
DATE_TYPES = frozenset({"DATE_TYPE_FIX_TIME_RANGE", "DATE_TYPE_FIX_TERM", "DATE_TYPE_PERMANENT"})
_LIMITS = {"title": 9, "brand_name": 12, "notice": 16, "description": 1024}
_REQUIRED = ("logo_url", "brand_name", "code_type", "title", "color", "notice", "description")
_CARD_ID_CHARS = string.ascii_letters + string.digits + "-_"

TokenCheck = Callable[[Request], Response | None]


@dataclass(slots=True)
class CardInPack:
    card_id: str
    code: str
    openid: str
    status: str = "NORMAL"  # or UNAVAILABLE
    outer_str: str | None = None


@dataclass(slots=True)
class CardTwinState:
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # card_id → the create body's card
    tickets: dict[str, float] = field(default_factory=dict)  # api_ticket → expires at
    current_ticket: str | None = None
    codes: dict[tuple[str, str], CardInPack] = field(default_factory=dict)  # (card_id, code) → card

    def base_info(self, card_id: str) -> dict[str, Any]:
        card = self.cards[card_id]
        info: dict[str, Any] = card[card["card_type"].lower()]["base_info"]
        return info

    def pack(self, openid: str) -> list[dict[str, Any]]:
        shown = []
        for held in self.codes.values():
            if held.openid == openid:
                info = self.base_info(held.card_id)
                keys = (
                    "title",
                    "brand_name",
                    "center_title",
                    "center_app_brand_user_name",
                    "center_app_brand_pass",
                )
                shown.append(
                    {"card_id": held.card_id, "code": held.code, "status": held.status}
                    | {key: info[key] for key in keys if key in info}
                )
        return shown


def _envelope(errcode: int, errmsg: str, **fields: Any) -> Response:
    return json_response({"errcode": errcode, "errmsg": errmsg, **fields})


def _card_problem(body: Any) -> str | None:
    """What is wrong with a ``/card/create`` body, or ``None``."""
    card = body.get("card") if isinstance(body, dict) else None
    card_type = card.get("card_type") if isinstance(card, dict) else None
    if not isinstance(card, dict) or card_type not in CARD_TYPES:
        return "card.card_type"
    detail = card.get(str(card_type).lower())
    info = detail.get("base_info") if isinstance(detail, dict) else None
    if not isinstance(info, dict):
        return f"card.{str(card_type).lower()}.base_info"
    for key in _REQUIRED:
        value = info.get(key)
        if not isinstance(value, str) or not value or len(value) > _LIMITS.get(key, 128):
            return f"base_info.{key}"
    if info["code_type"] not in CODE_TYPES:
        return "base_info.code_type"
    sku, date_info = info.get("sku"), info.get("date_info")
    if not isinstance(sku, dict) or not isinstance(sku.get("quantity"), int):
        return "base_info.sku.quantity"
    if not isinstance(date_info, dict) or date_info.get("type") not in DATE_TYPES:
        return "base_info.date_info.type"
    return None


def add_card_routes(
    router: Router, state: CardTwinState, *, valid_token: TokenCheck, rng: random.Random, clock: Clock
) -> None:
    """Register the card routes on the WeChat twin's router."""

    def parse(request: Request) -> Any:
        try:
            return msgspec.json.decode(request.body)
        except msgspec.DecodeError:
            return None

    @router.route("POST", "/card/create")
    async def create(request: Request) -> Response:
        if (bad := valid_token(request)) is not None:
            return bad
        body = parse(request)
        if body is None:
            return _envelope(47001, "data format error")
        if (problem := _card_problem(body)) is not None:
            return _envelope(40097, f"invalid args: {problem}")
        card_id = "p" + "".join(rng.choice(_CARD_ID_CHARS) for _ in range(27))
        state.cards[card_id] = body["card"]
        return _envelope(0, "ok", card_id=card_id)

    @router.route("GET", "/cgi-bin/ticket/getticket")
    async def ticket(request: Request) -> Response:
        if (bad := valid_token(request)) is not None:
            return bad
        if request.query.get("type") != "wx_card":
            return _envelope(40097, "invalid args: type (only wx_card in the sandbox)")
        now = clock.now()
        current = state.current_ticket
        if current is None or state.tickets.get(current, 0.0) <= now:
            current = f"sandbox-card-ticket-{rng.getrandbits(96):024x}"
            state.tickets[current] = now + TICKET_LIFETIME_SECONDS
            state.current_ticket = current
        return _envelope(0, "ok", ticket=current, expires_in=int(state.tickets[current] - now))

    @router.route("POST", "/card/code/unavailable")
    async def unavailable(request: Request) -> Response:
        if (bad := valid_token(request)) is not None:
            return bad
        body = parse(request)
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            return _envelope(47001, "data format error")
        held = state.codes.get((str(body.get("card_id", "")), body["code"]))
        if held is None:
            return _envelope(40056, "invalid serial code")
        if held.status == "UNAVAILABLE":
            return _envelope(40099, "invalid code, this code has consumed")
        held.status = "UNAVAILABLE"
        return _envelope(0, "ok")

    @router.route("POST", "/card-pack/add", control=True)
    async def add(request: Request) -> Response:
        body = parse(request)
        openid = body.get("openid") if isinstance(body, dict) else None
        items = body.get("cardList") if isinstance(body, dict) else None
        if not isinstance(openid, str) or not isinstance(items, list) or not items:
            return json_response({"errMsg": "addCard:fail invalid cardList"}, status=400)
        added: list[CardInPack] = []
        for item in items:
            outcome = _check_item(state, item, openid, clock.now())
            if isinstance(outcome, str):
                return json_response({"errMsg": f"addCard:fail {outcome}"}, status=400)
            added.append(outcome)
        for held in added:
            state.codes[(held.card_id, held.code)] = held
        listed = [{"cardId": held.card_id, "code": held.code, "isSuccess": True} for held in added]
        return json_response({"errMsg": "addCard:ok", "cardList": listed})

    @router.route("GET", "/card-pack", control=True)
    async def pack(request: Request) -> Response:
        return json_response(state.pack(request.query.get("openid", "")))

    _ = (create, ticket, unavailable, add, pack)


def _check_item(state: CardTwinState, item: Any, openid: str, now: float) -> CardInPack | str:
    """The card one ``cardList`` item adds, or why ``wx.addCard`` fails."""
    card_id = item.get("cardId") if isinstance(item, dict) else None
    if not isinstance(card_id, str) or card_id not in state.cards:
        return "invalid card_id"
    try:
        ext = msgspec.json.decode(str(item.get("cardExt", "")))
    except msgspec.DecodeError:
        return "invalid cardExt"
    if not isinstance(ext, dict) or not all(isinstance(v, str) for v in ext.values()):
        return "invalid cardExt"
    code, bound = ext.get("code", ""), ext.get("openid", "")
    signed = [ext.get("timestamp", ""), card_id, code, bound, ext.get("nonce_str", "")]
    live = [t for t, expires_at in state.tickets.items() if expires_at > now]
    signature = ext.get("signature", "").lower().encode()
    if not any(hmac.compare_digest(card_ext_signature(t, *signed).encode(), signature) for t in live):
        return "signature error"
    if bound and bound != openid:
        return "openid mismatch"
    if state.base_info(card_id).get("bind_openid") and not bound:
        return "openid required"
    if state.base_info(card_id).get("use_custom_code") and not code:
        return "code required"
    if not code:
        code = f"{len(state.codes) + 1:012d}"  # WeChat assigns one
    if (card_id, code) in state.codes:
        return "code already added"
    return CardInPack(card_id=card_id, code=code, openid=openid, outer_str=ext.get("outer_str"))
