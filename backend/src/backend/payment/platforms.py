"""The two payment platforms behind one face: create, query, close, refund, refund query and the
day's bill, in fen and in our words. Adapter errors become the feature's: unavailable is
``PlatformUnavailable`` (503, nothing half-made), a refusal ``PlatformRejected`` with the platform's
own code logged."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Literal, TypeVar

import msgspec

from backend.payment.errors import ChannelUnavailable, PlatformRejected, PlatformUnavailable
from backend.payment.repository import OrderRow
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.payments.alipay_trade import AlipayPayments
from integrations.payments.bills import BillLine
from integrations.payments.wechatpay import WeChatPay

log = logging.getLogger("backend.payment")

Platform = Literal["wechatpay", "alipay"]
# Mini programs (the payer is the citizen's linked mini-program user) and our mobile app (no payer
# is named: whoever pays in the WeChat / Alipay app the order string or PayReq opens).
Channel = Literal["wechat_jsapi", "alipay_mini", "wechat_app", "alipay_app"]
CHANNEL_PLATFORM: dict[str, Platform] = {
    "wechat_jsapi": "wechatpay",
    "alipay_mini": "alipay",
    "wechat_app": "wechatpay",
    "alipay_app": "alipay",
}
# Channels whose order names its payer (the platform's user id in our mini program).
PAYER_CHANNELS = frozenset({"wechat_jsapi", "alipay_mini"})
# What each platform says when a close finds the order paid (refund it instead).
_PAID_ON_CLOSE = frozenset({"ORDERPAID", "ACQ.TRADE_STATUS_ERROR"})
# What each platform says when asked about an order the buyer never opened.
_NOT_THERE = frozenset({"ORDER_NOT_EXIST", "ACQ.TRADE_NOT_EXIST"})

T = TypeVar("T")


class PlatformTrade(msgspec.Struct, frozen=True, kw_only=True):
    paid: bool
    closed: bool
    transaction_id: str | None
    amount_fen: int | None


class PlatformRefund(msgspec.Struct, frozen=True, kw_only=True):
    # "succeeded", "processing" (WeChat: its notification or query settles it), "failed".
    status: Literal["succeeded", "processing", "failed"]
    refund_id: str | None


class NotPaidAtPlatform(Exception):
    """The platform has no payment for the order (never opened, or closed)."""


async def _call(platform: str, operation: str, call: Callable[[], Awaitable[T]]) -> T:
    try:
        return await call()
    except UpstreamUnavailable as exc:
        log.warning("payment platform %s unavailable during %s: %s", platform, operation, exc)
        raise PlatformUnavailable() from None
    except UpstreamRejected as exc:
        if exc.code in _NOT_THERE or exc.code in _PAID_ON_CLOSE:
            raise
        log.error("payment platform %s refused %s: %s", platform, operation, exc.code)
        raise PlatformRejected() from None


class PaymentPlatforms:
    """The configured platforms (either may be absent: its channels are then unavailable)."""

    def __init__(
        self, *, wechatpay: WeChatPay | None, alipay: AlipayPayments | None, notify_base_url: str
    ) -> None:
        self.wechatpay = wechatpay
        self.alipay = alipay
        self._notify = notify_base_url.rstrip("/")

    def notify_url(self, platform: Platform) -> str:
        return f"{self._notify}/api/v1/payments/notify/{platform}"

    def _wechat(self) -> WeChatPay:
        if self.wechatpay is None:
            raise ChannelUnavailable()
        return self.wechatpay

    def _alipay(self) -> AlipayPayments:
        if self.alipay is None:
            raise ChannelUnavailable()
        return self.alipay

    def check(self, channel: str) -> Platform:
        """The channel's platform; ``ChannelUnavailable`` when it (or its app) is not configured."""
        platform = CHANNEL_PLATFORM[channel]
        if channel == "wechat_app" and self._wechat().app_appid is None:
            raise ChannelUnavailable()
        if channel == "alipay_app" and self._alipay().mobile_app_id is None:
            raise ChannelUnavailable()
        self._wechat() if platform == "wechatpay" else self._alipay()
        return platform

    async def create(
        self, channel: str, *, out_trade_no: str, description: str, amount_fen: int, payer: str
    ) -> str:
        """Place the order at the platform; its prepay id (WeChat) or trade number (Alipay mini
        program). An Alipay app order is placed by the Alipay app itself: nothing to call, ``""``."""
        if channel == "alipay_app":
            self._alipay()
            return ""
        if channel == "wechat_app":
            wechat = self._wechat()
            app = await _call(
                "wechatpay",
                "create",
                lambda: wechat.create_app_order(
                    out_trade_no=out_trade_no,
                    description=description,
                    amount_fen=amount_fen,
                    notify_url=self.notify_url("wechatpay"),
                ),
            )
            return app.prepayid
        if CHANNEL_PLATFORM[channel] == "wechatpay":
            wechat = self._wechat()
            placed = await _call(
                "wechatpay",
                "create",
                lambda: wechat.create_jsapi_order(
                    out_trade_no=out_trade_no,
                    description=description,
                    amount_fen=amount_fen,
                    openid=payer,
                    notify_url=self.notify_url("wechatpay"),
                ),
            )
            return placed.package.removeprefix("prepay_id=")
        alipay = self._alipay()
        created = await _call(
            "alipay",
            "create",
            lambda: alipay.create_trade(
                out_trade_no=out_trade_no,
                subject=description,
                amount_fen=amount_fen,
                buyer_open_id=payer,
                notify_url=self.notify_url("alipay"),
            ),
        )
        return created.trade_no

    def pay_arguments(self, order: OrderRow) -> dict[str, str]:
        """What the client hands its cashier, signed now: ``wx.requestPayment``'s five arguments,
        ``my.tradePay``'s ``tradeNO``, the WeChat Open SDK's ``PayReq`` fields (appid, partnerid,
        prepayid, package, noncestr, timestamp, sign), or the Alipay SDK's ``orderStr`` (it stops
        taking the payment when the order expires)."""
        channel, prepay = order.channel, order.prepay
        signed: msgspec.Struct
        if channel == "alipay_app":
            order_string = self._alipay().app_order_string(
                out_trade_no=order.out_trade_no,
                subject=order.description,
                amount_fen=order.amount_fen,
                notify_url=self.notify_url("alipay"),
                time_expire=order.expires_at,
            )
            return {"orderStr": order_string}
        if channel == "wechat_app":
            signed = self._wechat().app_payment_arguments(prepay)
        elif CHANNEL_PLATFORM[channel] == "wechatpay":
            signed = self._wechat().payment_arguments(prepay)
        else:
            return {"tradeNO": prepay}
        arguments: dict[str, str] = msgspec.to_builtins(signed)
        return arguments

    async def query(self, platform: str, out_trade_no: str) -> PlatformTrade:
        try:
            if platform == "wechatpay":
                wechat = self._wechat()
                found = await _call(platform, "query", lambda: wechat.query_order(out_trade_no))
                return PlatformTrade(
                    paid=found.trade_state in ("SUCCESS", "REFUND"),
                    closed=found.trade_state in ("CLOSED", "REVOKED"),
                    transaction_id=found.transaction_id,
                    amount_fen=found.amount.total if found.amount is not None else None,
                )
            alipay = self._alipay()
            trade = await _call(platform, "query", lambda: alipay.query_trade(out_trade_no))
        except UpstreamRejected:  # the buyer never opened the cashier: nothing there yet
            return PlatformTrade(paid=False, closed=False, transaction_id=None, amount_fen=None)
        paid = trade.status in ("TRADE_SUCCESS", "TRADE_FINISHED")
        # A trade refunded in full is TRADE_CLOSED with its trade number: it was paid.
        return PlatformTrade(
            paid=paid,
            closed=trade.status == "TRADE_CLOSED",
            transaction_id=trade.trade_no,
            amount_fen=trade.total_fen,
        )

    async def close(self, platform: str, out_trade_no: str) -> bool:
        """Close an unpaid order at the platform: True once it can't be paid; False when the
        platform says it was paid (query it and settle)."""
        try:
            if platform == "wechatpay":
                wechat = self._wechat()
                await _call(platform, "close", lambda: wechat.close_order(out_trade_no))
            else:
                alipay = self._alipay()
                await _call(platform, "close", lambda: alipay.close_trade(out_trade_no))
        except UpstreamRejected as exc:
            # Alipay creates the trade only when the cashier opens; WeChat knows every order. Either
            # way nothing can be paid that is not there; anything else means it was paid.
            return exc.code in _NOT_THERE
        return True

    async def refund(
        self,
        platform: str,
        *,
        out_trade_no: str,
        out_refund_no: str,
        amount_fen: int,
        total_fen: int,
        reason: str,
    ) -> PlatformRefund:
        try:
            if platform == "wechatpay":
                wechat = self._wechat()
                refund = await _call(
                    platform,
                    "refund",
                    lambda: wechat.refund(
                        out_trade_no=out_trade_no,
                        out_refund_no=out_refund_no,
                        refund_fen=amount_fen,
                        total_fen=total_fen,
                        reason=reason or None,
                        notify_url=self.notify_url("wechatpay"),
                    ),
                )
                return PlatformRefund(status=_wechat_refund(refund.status), refund_id=refund.refund_id)
            alipay = self._alipay()
            await _call(
                platform,
                "refund",
                lambda: alipay.refund(
                    out_trade_no=out_trade_no,
                    out_request_no=out_refund_no,
                    refund_fen=amount_fen,
                    reason=reason or None,
                ),
            )
        except UpstreamRejected as exc:
            log.error("payment platform %s refused refund %s: %s", platform, out_refund_no, exc.code)
            return PlatformRefund(status="failed", refund_id=None)
        # Alipay refunds synchronously: an answer is the refund (a repeat answers fund_change N).
        return PlatformRefund(status="succeeded", refund_id=out_refund_no)

    async def query_refund(self, platform: str, *, out_trade_no: str, out_refund_no: str) -> PlatformRefund:
        try:
            if platform == "wechatpay":
                wechat = self._wechat()
                refund = await _call(platform, "query_refund", lambda: wechat.query_refund(out_refund_no))
                return PlatformRefund(status=_wechat_refund(refund.status), refund_id=refund.refund_id)
            alipay = self._alipay()
            found = await _call(
                platform,
                "query_refund",
                lambda: alipay.query_refund(out_trade_no=out_trade_no, out_request_no=out_refund_no),
            )
        except UpstreamRejected:
            return PlatformRefund(status="failed", refund_id=None)
        # Not there yet at Alipay: ask again with the same number (it is the idempotency key).
        return PlatformRefund(status="succeeded" if found.refunded else "processing", refund_id=out_refund_no)

    async def bill(self, platform: str, day: date) -> list[BillLine]:
        """The platform's bill of ``day`` (Beijing time) as lines; empty when there was no trade."""
        if platform == "wechatpay":
            wechat = self._wechat()
            return await _call(platform, "bill", lambda: wechat.trade_bill(day))
        alipay = self._alipay()
        return await _call(platform, "bill", lambda: alipay.trade_bill(day))


def _wechat_refund(status: str) -> Literal["succeeded", "processing", "failed"]:
    if status == "SUCCESS":
        return "succeeded"
    return "processing" if status == "PROCESSING" else "failed"
