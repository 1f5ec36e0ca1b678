"""Citizens who pay, orders to pay, and notifications as the platforms (or a forger) would send them."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec

from backend.clock import SystemClock
from backend.outbox.feature import handlers
from backend.outbox.jobs import Handler
from backend.outbox.repository import OutboxRepository
from backend.outbox.settings import OutboxSettings
from backend.outbox.worker import OutboxWorker
from backend.payment.refunds import RefundService
from backend.payment.service import CreatedOrder, PaymentService
from integrations.payments.wechatpay import (
    SANDBOX_PLATFORM_SERIAL,
    SignedNotification,
    WeChatPayTwinState,
    encrypt_resource,
    platform_signature_headers,
)
from tests.backend.citizen.factories import bearer, register
from tests.miniprogram_api.sandbox_users import bound_on_wechat
from tests.services import Services


@dataclass(frozen=True)
class Payer:
    id: uuid.UUID
    headers: dict[str, str]


async def make_payer(client: httpx.AsyncClient) -> Payer:
    """A registered citizen with a WeChat mini-program user linked (JSAPI pays as its openid)."""
    registered = await register(client)
    await bound_on_wechat(client, registered["_person"])
    return Payer(uuid.UUID(registered["citizen"]["id"]), bearer(registered["tokens"]["access_token"]))


def payments(services: Services) -> PaymentService:
    return services.wiring.get(PaymentService)


def refunds(services: Services) -> RefundService:
    return services.wiring.get(RefundService)


async def tell_owners(services: Services, extra: dict[str, Handler] | None = None) -> int:
    """Run the owners' payment notices due in the outbox (topics ``payment.*`` of the app, and
    ``extra``) until none is left; how many ran. The test app runs no outbox workers of its own."""
    topics = {t: h for t, h in handlers(services.wiring).items() if t.startswith("payment.")}
    worker = OutboxWorker(
        "test payment owners",
        repository=OutboxRepository(services.wiring.infra.engine),
        handlers={**topics, **(extra or {})},
        settings=OutboxSettings(in_process=False, batch=50),
        clock=SystemClock(),
        cipher=services.wiring.infra.cipher,
    )
    ran = 0
    while taken := await worker.step():
        ran += taken
    return ran


def wechat_twin(services: Services) -> WeChatPayTwinState:
    sandbox = services.upstreams.sandbox
    assert sandbox is not None
    state = sandbox.state("wechatpay")
    assert isinstance(state, WeChatPayTwinState)
    return state


async def place(
    services: Services,
    payer: Payer,
    *,
    amount_fen: int = 1500,
    owner: str = "test",
    payable: str | None = None,
    channel: str = "wechat_jsapi",
) -> CreatedOrder:
    return await payments(services).create_order(
        citizen_id=payer.id,
        owner=owner,
        payable=payable or f"bill-{secrets.token_hex(6)}",
        description="宿迁水费",
        amount_fen=amount_fen,
        channel=channel,
    )


async def buyer_pays(
    client: httpx.AsyncClient, out_trade_no: str, platform: str = "wechatpay"
) -> httpx.Response:
    """The citizen pays in the cashier; the twin records the notification it would send."""
    route = "orders" if platform == "wechatpay" else "trades"
    paid = await client.post(f"/_sandbox/{platform}/sandbox/{route}/{out_trade_no}/pay")
    assert paid.status_code == 200, paid.text
    return paid


def last_notification(services: Services) -> SignedNotification:
    return wechat_twin(services).notifications[-1]


async def deliver(client: httpx.AsyncClient, notification: SignedNotification) -> httpx.Response:
    return await client.post(
        "/api/v1/payments/notify/wechatpay", content=notification.body.encode(), headers=notification.headers
    )


def forged(
    services: Services, resource: dict[str, Any], *, age: int = 0, event: str = "TRANSACTION.SUCCESS"
) -> SignedNotification:
    """A notification signed with the twin's platform key (a genuine one, unless ``age`` makes it
    stale) over ``resource``: what the platform would say, or what a replay of an old one looks like."""
    state = wechat_twin(services)
    nonce = secrets.token_hex(6)
    body = msgspec.json.encode(
        {
            "id": f"EV-{secrets.token_hex(8)}",
            "create_time": "2025-01-01T00:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event,
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "transaction",
                "ciphertext": encrypt_resource(
                    msgspec.json.encode(resource),
                    nonce=nonce,
                    associated_data="transaction",
                    apiv3_key=state.apiv3_key,
                ),
            },
        }
    )
    headers = platform_signature_headers(
        body,
        private_key=state.platform_private_key,
        serial=SANDBOX_PLATFORM_SERIAL,
        timestamp=int(time.time()) - age,
        nonce=secrets.token_hex(8),
    )
    return SignedNotification(url="", headers=headers, body=body.decode())


def transaction(
    services: Services, out_trade_no: str, *, amount_fen: int, transaction_id: str | None = None
) -> dict[str, Any]:
    state = wechat_twin(services)
    return {
        "appid": state.appid,
        "mchid": state.mchid,
        "out_trade_no": out_trade_no,
        "transaction_id": transaction_id or f"4200{secrets.randbelow(10**24):024d}",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "success_time": "2025-01-01T10:00:00+08:00",
        "payer": {"openid": "o-someone"},
        "amount": {
            "total": amount_fen,
            "payer_total": amount_fen,
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    }
