"""The payments micro-benchmark: WeChat Pay v3 notification handling and order creation, each against
the raw cryptography inside it, in this process.

* **notification**: ``WeChatPay.parse_notification`` over notifications the sandbox twin emitted for
  paid orders (header checks, the ±300 s window, the RSA-2048 platform signature, the envelope, the
  AES-256-GCM resource, the transaction's shape, our appid and mchid) against a raw SHA256withRSA
  verify of the same message plus a raw AES-GCM decrypt of the same resource.
* **order creation**: ``WeChatPay.create_jsapi_order`` against the twin over the in-process transport
  (the embedded default's), which is three RSA-2048 signatures (our request, the twin's answer, the
  ``paySign``) and two verifies (the twin checks ours, we check its), against those five raw operations.

Both loops of a pair alternate, so the ratio says what the adapter (HTTP plumbing, msgspec, checks)
costs on top of the cryptography it cannot skip. No target: the issue asks for figures with references.

The HTTP row "payment notification (replayed)" (``endpoints.py``) measures the whole notification
path with the database half (the ledger's unique insert that makes a replay a no-op); these rows say
what the adapter adds to the cryptography.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from typing import Any

import httpx
import msgspec

from load_tests.results import Row

RAW_NOTIFY = "raw RSA-2048 verify + AES-GCM decrypt"
NOTIFY = "wechatpay notification verify+decrypt"
RAW_ORDER = "raw RSA-2048 3 signs + 2 verifies"
ORDER = "wechatpay order create (twin)"


def _best(loop: Callable[[], None], best: float) -> float:
    start = time.perf_counter()
    loop()
    return min(best, time.perf_counter() - start)


def payments_rows(*, rounds: int, n: int = 100) -> list[Row]:
    try:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        from integrations import UpstreamConfig
        from integrations.payments import wechatpay
        from integrations.sandbox import create_sandbox
        from integrations.sandbox.inprocess import SANDBOX_BASE_URL, in_process_transport
        from integrations.wechat import sandbox_openid
    except ImportError as exc:
        return [Row(NOTIFY, reference=RAW_NOTIFY, status="not available", reason=f"integrations: {exc}")]

    sandbox = create_sandbox(systems={"wechatpay": wechatpay.create_wechatpay_twin})
    state = sandbox.state("wechatpay")
    assert isinstance(state, wechatpay.WeChatPayTwinState)
    keys = state.public()
    transport = in_process_transport(sandbox)
    client = wechatpay.WeChatPay(
        UpstreamConfig(base_url=f"{SANDBOX_BASE_URL}/wechatpay"),
        appid=keys["appid"],
        mchid=keys["mchid"],
        merchant_serial=keys["merchant_serial"],
        merchant_private_key=wechatpay.load_merchant_key(keys["merchant_private_key"]),
        platform_keys={keys["platform_serial"]: wechatpay.load_platform_key(keys["platform_public_key"])},
        apiv3_key=keys["apiv3_key"].encode(),
        transport=transport,
    )
    created = 0

    async def create(count: int) -> None:
        nonlocal created
        for _ in range(count):
            created += 1
            await client.create_jsapi_order(
                out_trade_no=f"BENCH{created:010d}", description="宿迁水费 2026年10月", amount_fen=4_250,
                openid=sandbox_openid(1), notify_url="https://suqian.example/api/v1/payments/notify/wechatpay",
            )  # fmt: skip

    async def pay_all() -> None:
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_BASE_URL) as http:
            for out_trade_no in list(state.orders):
                answer = await http.post(f"/wechatpay/sandbox/orders/{out_trade_no}/pay")
                answer.raise_for_status()

    async def setup() -> None:
        await create(n)
        await pay_all()

    asyncio.run(setup())
    notifications = [(dict(s.headers), s.body.encode()) for s in state.notifications]
    platform_public = state.platform_private_key.public_key()
    merchant, merchant_public = state.merchant_private_key, state.merchant_private_key.public_key()
    aes = AESGCM(state.apiv3_key)
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
    raw: list[tuple[bytes, bytes, bytes, bytes, bytes]] = []
    for headers, body in notifications:
        resource: dict[str, Any] = msgspec.json.decode(body)["resource"]
        message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n".encode() + body + b"\n"
        raw.append(
            (
                base64.b64decode(headers["Wechatpay-Signature"]),
                message,
                resource["nonce"].encode(),
                base64.b64decode(resource["ciphertext"]),
                resource["associated_data"].encode(),
            )
        )
    # What an order's round trip signs: ~300 B of request, ~50 B of answer, the paySign lines.
    order_message = b"POST\n/v3/pay/transactions/jsapi\n1700000000\nNONCE\n" + b"x" * 300 + b"\n"
    order_signature = merchant.sign(order_message, pkcs1, sha256)

    def parse() -> None:
        for headers, body in notifications:
            client.parse_notification(headers, body)

    def raw_notify() -> None:
        for signature, message, nonce, ciphertext, aad in raw:
            platform_public.verify(signature, message, pkcs1, sha256)
            aes.decrypt(nonce, ciphertext, aad)

    def orders() -> None:
        asyncio.run(create(n))

    def raw_order() -> None:
        for _ in range(n):
            for _ in range(3):
                merchant.sign(order_message, pkcs1, sha256)
            for _ in range(2):
                merchant_public.verify(order_signature, order_message, pkcs1, sha256)

    best = {NOTIFY: float("inf"), RAW_NOTIFY: float("inf"), ORDER: float("inf"), RAW_ORDER: float("inf")}
    for _ in range(rounds):
        best[NOTIFY] = _best(parse, best[NOTIFY])
        best[RAW_NOTIFY] = _best(raw_notify, best[RAW_NOTIFY])
        best[ORDER] = _best(orders, best[ORDER])
        best[RAW_ORDER] = _best(raw_order, best[RAW_ORDER])
    asyncio.run(client.aclose())
    rate = {name: n / seconds for name, seconds in best.items()}
    return [
        Row(RAW_NOTIFY, fixed_rate=rate[RAW_NOTIFY], unit="notifications/s"),
        Row(
            NOTIFY,
            reference=RAW_NOTIFY,
            fixed_rate=rate[NOTIFY],
            fixed_ratio=rate[NOTIFY] / rate[RAW_NOTIFY],
            unit="notifications/s",
            reason=f"TRANSACTION.SUCCESS of {len(notifications[0][1])} B; the ledger's no-op is not in it",
        ),
        Row(RAW_ORDER, fixed_rate=rate[RAW_ORDER], unit="orders/s"),
        Row(
            ORDER,
            reference=RAW_ORDER,
            fixed_rate=rate[ORDER],
            fixed_ratio=rate[ORDER] / rate[RAW_ORDER],
            unit="orders/s",
            reason="JSAPI order + paySign through the in-process twin (its sign and verify included)",
        ),
    ]
