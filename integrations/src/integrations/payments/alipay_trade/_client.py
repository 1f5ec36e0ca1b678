"""Alipay mini-program and app payments: ``alipay.trade.create``/``query``/``close``/``refund``,
``alipay.trade.fastpay.refund.query``, the app's signed ``alipay.trade.app.pay`` order string and
the async notification. Amounts are fen in our API and
yuan strings (``"88.00"``) on Alipay's wire."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Unpack
from urllib.parse import parse_qsl, urlsplit

import msgspec
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from integrations.alipay import (
    AlipayAdapter,
    GatewayOptions,
    gateway_timestamp,
    verify_notification,
)
from integrations.client import UpstreamClient
from integrations.config import UpstreamConfig
from integrations.errors import SignatureRejected, UpstreamMalformed, UpstreamRejected
from integrations.payments._money import fen_to_yuan, yuan_to_fen
from integrations.payments.alipay_trade._app import app_order_string
from integrations.payments.bills import BillLine, parse_alipay_bill
from integrations.payments.errors import MerchantMismatch, NotificationMalformed

SYSTEM = "alipay_pay"
# Reply body Alipay expects, exactly these 7 characters; anything else means "retry".
NOTIFICATION_ACK = "success"
# Alipay retries for ~25 h; a signed notification older than 48 h is a replay, not a retry.
NOTIFICATION_MAX_AGE_SECONDS = 48 * 3600
_TIME = "%Y-%m-%d %H:%M:%S"

TradeStatus = Literal["WAIT_BUYER_PAY", "TRADE_CLOSED", "TRADE_SUCCESS", "TRADE_FINISHED"]


class _CreateBody(msgspec.Struct):
    out_trade_no: str
    trade_no: str


class _QueryBody(msgspec.Struct):
    out_trade_no: str
    trade_status: TradeStatus
    total_amount: str
    trade_no: str | None = None


class _RefundBody(msgspec.Struct):
    out_trade_no: str
    refund_fee: str
    fund_change: str
    trade_no: str | None = None


class _CloseBody(msgspec.Struct):
    out_trade_no: str | None = None
    trade_no: str | None = None


class _BillUrlBody(msgspec.Struct):
    bill_download_url: str


class _RefundQueryBody(msgspec.Struct):
    out_trade_no: str | None = None
    trade_no: str | None = None
    out_request_no: str | None = None
    refund_amount: str | None = None
    total_amount: str | None = None
    refund_status: str | None = None


@dataclass(frozen=True, slots=True)
class AlipayTradeCreated:
    """Pass ``trade_no`` to ``my.tradePay({tradeNO})`` in the mini program."""

    out_trade_no: str
    trade_no: str


@dataclass(frozen=True, slots=True)
class AlipayTrade:
    """A trade as Alipay reports it; only ``TRADE_SUCCESS``/``TRADE_FINISHED`` mean paid."""

    out_trade_no: str
    trade_no: str | None
    status: TradeStatus
    total_fen: int


@dataclass(frozen=True, slots=True)
class AlipayRefund:
    """``refund_fee_fen`` is the trade's *cumulative* refund; ``fund_change`` is false when
    this call changed nothing (a repeated ``out_request_no``)."""

    out_trade_no: str
    trade_no: str | None
    refund_fee_fen: int
    fund_change: bool


@dataclass(frozen=True, slots=True)
class AlipayRefundQuery:
    """One refund request as Alipay reports it. ``refunded`` is Alipay's own rule: the answer
    carries the refund and its ``refund_status`` is absent or ``REFUND_SUCCESS``; when false,
    the refund did not happen (retry it with the same ``out_request_no``)."""

    out_trade_no: str
    out_request_no: str
    refunded: bool
    refund_fen: int | None
    trade_no: str | None


@dataclass(frozen=True, slots=True)
class AlipayTradeNotification:
    """A verified ``trade_status_sync`` notification. Deduplicate on
    ``(app_id, out_trade_no, status)``; reply :data:`NOTIFICATION_ACK` once stored."""

    notify_id: str
    app_id: str
    out_trade_no: str
    trade_no: str
    status: TradeStatus
    total_fen: int
    buyer_open_id: str | None
    seller_id: str | None
    notify_time: str

    @property
    def paid(self) -> bool:
        return self.status in ("TRADE_SUCCESS", "TRADE_FINISHED")


class AlipayPayments(AlipayAdapter):
    """Trades of one Alipay mini program, over the RSA2 gateway channel.

    Args:
        config, app_id, app_private_key, alipay_public_key: see
            :class:`~integrations.alipay.AlipayGateway`; ``options`` (``transport``, ``clock``,
            ``rng``, ``audit``) go to the core client.
        seller_id: when set, notifications for another seller are refused.
        mobile_app_id: our mobile app's APPID, when it takes payments (``app_order_string``);
            it signs with the same private key (one key pair configured for both apps).
        bill_base_url: where bill download URLs point (``https://dwbillcenter.alipay.com``); a
            twin's bill host replaces only scheme and host.
    """

    system = SYSTEM

    def __init__(
        self,
        config: UpstreamConfig,
        *,
        app_id: str,
        app_private_key: RSAPrivateKey,
        alipay_public_key: RSAPublicKey,
        seller_id: str | None = None,
        bill_base_url: str = "https://dwbillcenter.alipay.com",
        mobile_app_id: str | None = None,
        **options: Unpack[GatewayOptions],
    ) -> None:
        # Bill files are fetched unsigned from their own host, with the gateway's timeouts.
        self._bills = UpstreamClient(
            dataclasses.replace(config, base_url=bill_base_url, app_key="", app_secret=""),
            system=SYSTEM,
            transport=options.get("transport"),
            clock=options.get("clock"),
            rng=options.get("rng"),
            audit=options.get("audit"),
        )
        super().__init__(
            config,
            app_id=app_id,
            app_private_key=app_private_key,
            alipay_public_key=alipay_public_key,
            **options,
        )
        self._seller_id = seller_id
        self._app_private_key = app_private_key
        self.mobile_app_id = mobile_app_id

    async def create_trade(
        self, *, out_trade_no: str, subject: str, amount_fen: int, buyer_open_id: str,
        notify_url: str,
    ) -> AlipayTradeCreated:  # fmt: skip
        """``alipay.trade.create`` for ``my.tradePay``; idempotent on ``out_trade_no``.

        Raises:
            UpstreamRejected: ``ACQ.TRADE_HAS_SUCCESS``, ``ACQ.CONTEXT_INCONSISTENT`` (same
                out_trade_no, other content), ``ACQ.INVALID_PARAMETER``...
        """
        if amount_fen <= 0:
            raise ValueError("amount_fen must be a positive number of fen")
        biz = {
            "out_trade_no": out_trade_no,
            "total_amount": fen_to_yuan(amount_fen),
            "subject": subject,
            "buyer_open_id": buyer_open_id,
            "product_code": "JSAPI_PAY",
        }
        body = await self.gateway.execute(
            "alipay.trade.create",
            params={"notify_url": notify_url},
            biz_content=biz,
            response_type=_CreateBody,
            idempotent=True,
        )
        return AlipayTradeCreated(out_trade_no=body.out_trade_no, trade_no=body.trade_no)

    def app_order_string(
        self, *, out_trade_no: str, subject: str, amount_fen: int, notify_url: str,
        time_expire: datetime | None = None,
    ) -> str:  # fmt: skip
        """The signed ``alipay.trade.app.pay`` order string for the mobile app (no gateway call);
        ``time_expire`` (aware) is when Alipay stops taking the payment."""
        if self.mobile_app_id is None:
            raise ValueError("no mobile_app_id: this merchant takes no app payments here")
        return app_order_string(
            app_id=self.mobile_app_id, private_key=self._app_private_key, out_trade_no=out_trade_no,
            subject=subject, amount_fen=amount_fen, notify_url=notify_url, now=self._clock.now(),
            time_expire=None if time_expire is None else gateway_timestamp(time_expire.timestamp()),
        )  # fmt: skip

    async def query_trade(self, out_trade_no: str) -> AlipayTrade:
        """``alipay.trade.query``, for reconciliation when no notification arrived.

        Raises:
            UpstreamRejected: ``ACQ.TRADE_NOT_EXIST``.
        """
        body = await self.gateway.execute(
            "alipay.trade.query",
            biz_content={"out_trade_no": out_trade_no},
            response_type=_QueryBody,
            idempotent=True,
        )
        return AlipayTrade(
            out_trade_no=body.out_trade_no,
            trade_no=body.trade_no,
            status=body.trade_status,
            total_fen=yuan_to_fen(body.total_amount),
        )

    async def refund(
        self, *, out_trade_no: str, out_request_no: str, refund_fen: int, reason: str | None = None
    ) -> AlipayRefund:
        """``alipay.trade.refund``; ``out_request_no`` makes a partial refund idempotent.

        Raises:
            UpstreamRejected: ``ACQ.TRADE_NOT_EXIST``, ``ACQ.REFUND_AMT_NOT_EQUAL_TOTAL``
                (more than is refundable), ``ACQ.TRADE_STATUS_ERROR`` (not paid)...
        """
        if refund_fen <= 0:
            raise ValueError("refund_fen must be a positive number of fen")
        biz: dict[str, str] = {
            "out_trade_no": out_trade_no,
            "out_request_no": out_request_no,
            "refund_amount": fen_to_yuan(refund_fen),
        }
        if reason is not None:
            biz["refund_reason"] = reason
        body = await self.gateway.execute(
            "alipay.trade.refund", biz_content=biz, response_type=_RefundBody, idempotent=True
        )
        return AlipayRefund(
            out_trade_no=body.out_trade_no,
            trade_no=body.trade_no,
            refund_fee_fen=yuan_to_fen(body.refund_fee),
            fund_change=body.fund_change == "Y",
        )

    async def close_trade(self, out_trade_no: str) -> None:
        """``alipay.trade.close``: an unpaid trade can no longer be paid.

        Close before abandoning a trade, then query it once more: a payment may have landed in
        between.

        Raises:
            UpstreamRejected: ``ACQ.TRADE_STATUS_ERROR`` (paid, or closed already: query it),
                ``ACQ.TRADE_NOT_EXIST`` (the buyer never opened the cashier).
        """
        await self.gateway.execute(
            "alipay.trade.close",
            biz_content={"out_trade_no": out_trade_no},
            response_type=_CloseBody,
            idempotent=True,
        )

    async def query_refund(self, *, out_trade_no: str, out_request_no: str) -> AlipayRefundQuery:
        """``alipay.trade.fastpay.refund.query``, for reconciliation of one refund request.

        Raises:
            UpstreamRejected: ``ACQ.TRADE_NOT_EXIST``.
        """
        body = await self.gateway.execute(
            "alipay.trade.fastpay.refund.query",
            biz_content={"out_trade_no": out_trade_no, "out_request_no": out_request_no},
            response_type=_RefundQueryBody,
            idempotent=True,
        )
        refunded = body.refund_amount is not None and body.refund_status in (None, "REFUND_SUCCESS")
        return AlipayRefundQuery(
            out_trade_no=body.out_trade_no or out_trade_no,
            out_request_no=body.out_request_no or out_request_no,
            refunded=refunded,
            refund_fen=yuan_to_fen(body.refund_amount) if body.refund_amount is not None else None,
            trade_no=body.trade_no,
        )

    async def aclose(self) -> None:
        """Close both connection pools (gateway and bill host)."""
        await self._bills.aclose()
        await super().aclose()

    async def trade_bill(self, bill_date: date) -> list[BillLine]:
        """The day's trade bill: ``alipay.data.dataservice.bill.downloadurl.query`` (``bill_type``
        ``trade``), then the zip its URL serves. Empty when Alipay has no bill for the day.

        Raises:
            UpstreamMalformed: the file is no trade bill.
        """
        try:
            body = await self.gateway.execute(
                "alipay.data.dataservice.bill.downloadurl.query",
                biz_content={"bill_type": "trade", "bill_date": bill_date.isoformat()},
                response_type=_BillUrlBody,
                idempotent=True,
            )
        except UpstreamRejected as exc:
            if exc.code == "isp.bill_not_exist":
                return []
            raise
        url = urlsplit(body.bill_download_url)
        downloaded = await self._bills.request(
            "GET", url.path, operation="download_bill", params=dict(parse_qsl(url.query)), idempotent=True
        )
        try:
            return parse_alipay_bill(downloaded.content)
        except ValueError as exc:
            raise UpstreamMalformed(system=SYSTEM, operation="download_bill", detail=str(exc)) from None

    def parse_notification(self, params: Mapping[str, str]) -> AlipayTradeNotification:
        """Verify an asynchronous notification's form parameters (URL-decoded once).

        Raises:
            SignatureRejected: ``missing_header``/``bad_signature``; ``unsupported_sign_type``
                (:class:`~integrations.alipay.SignTypeUnsupported`) for anything but RSA2;
                ``stale`` when ``notify_time`` is over 48 h old (or in the future).
            MerchantMismatch: a genuine notification for another ``app_id`` / ``seller_id``.
            NotificationMalformed: verified, but fields are missing or amounts malformed.
        """
        verify_notification(params, self.gateway.alipay_public_key)
        try:
            sent = datetime.strptime(params["notify_time"], _TIME)
            now = datetime.strptime(gateway_timestamp(self._clock.now()), _TIME)
            status = params["trade_status"]
            total_fen = yuan_to_fen(params["total_amount"])
            notification = AlipayTradeNotification(
                notify_id=params["notify_id"],
                app_id=params["app_id"],
                out_trade_no=params["out_trade_no"],
                trade_no=params["trade_no"],
                status=msgspec.convert(status, TradeStatus),
                total_fen=total_fen,
                buyer_open_id=params.get("buyer_open_id"),
                seller_id=params.get("seller_id"),
                notify_time=params["notify_time"],
            )
        except (KeyError, ValueError, msgspec.ValidationError) as exc:
            raise NotificationMalformed(detail=f"{type(exc).__name__}: {exc}") from None
        age = (now - sent).total_seconds()
        if not -300 <= age <= NOTIFICATION_MAX_AGE_SECONDS:
            raise SignatureRejected("stale")
        if notification.app_id not in (self.gateway.app_id, self.mobile_app_id):
            raise MerchantMismatch(field="app_id", expected=self.gateway.app_id, actual=notification.app_id)
        if self._seller_id is not None and notification.seller_id != self._seller_id:
            raise MerchantMismatch(
                field="seller_id", expected=self._seller_id, actual=str(notification.seller_id)
            )
        return notification
