"""The adapters to government and platform systems, built once from settings.

In sandbox mode (the embedded default) every adapter talks in-process to the sandbox twins, which are
also mounted at ``/_sandbox`` so a person can add test identities or read the SMS outbox over HTTP; it
is the same twin instance either way. In remote mode each adapter gets its real base URL from
``SUQIAN_UPSTREAM_<SYSTEM>_URL`` and the sandbox is not mounted.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from backend.settings import MiniProgramSettings, UpstreamSettings
from integrations import (
    AuditHook,
    BreakerPolicy,
    BreakerState,
    UpstreamConfig,
    alipay,
    log_audit_event,
    wechat,
)
from integrations.cardpack import CardPacks
from integrations.cases import CaseClient
from integrations.credit import CreditClient
from integrations.elicence import ElicenceClient
from integrations.faceverify import FaceVerifyClient
from integrations.hotelpms import HotelPmsClient
from integrations.hotline12345 import Hotline12345Client
from integrations.legalperson import LegalPersonClient
from integrations.parking import ParkingGateClient
from integrations.population import PopulationClient
from integrations.sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, Sandbox, create_sandbox
from integrations.sandbox.inprocess import SANDBOX_BASE_URL, in_process_transport
from integrations.sms import SmsClient
from integrations.telecom import TelecomClient
from integrations.tracing import traced_transport
from integrations.utility import UtilityClient


class Upstreams:
    def __init__(
        self,
        settings: UpstreamSettings,
        miniprogram: MiniProgramSettings | None = None,
        *,
        tracer_provider: Any = None,
        audit: AuditHook = log_audit_event,
    ) -> None:
        """``tracer_provider``: an OpenTelemetry SDK provider when tracing is on; each adapter's
        transport then opens a client span per attempt and sends ``traceparent``. ``audit`` is told
        of every call (the log line and the metrics)."""
        miniprogram = miniprogram or MiniProgramSettings()
        cache = Path(settings.sandbox_key_cache) if settings.sandbox_key_cache else None
        self.sandbox: Sandbox | None = create_sandbox(key_cache=cache) if settings.mode == "sandbox" else None
        transport = in_process_transport(self.sandbox) if self.sandbox is not None else None

        def config(system: str) -> UpstreamConfig:
            if self.sandbox is not None:
                base_url, key, secret = f"{SANDBOX_BASE_URL}/{system}", SANDBOX_APP_KEY, SANDBOX_APP_SECRET
            else:
                base_url = settings.base_urls.get(system, "")
                key = settings.app_keys.get(system, "")
                secret = settings.app_secrets.get(system, "")
            return UpstreamConfig(
                base_url=base_url,
                app_key=key,
                app_secret=secret,
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                total_timeout=settings.total_timeout,
                breaker=BreakerPolicy(open_seconds=settings.breaker_open_seconds),
            )

        if tracer_provider is not None and transport is not None:
            transport = traced_transport(transport, tracer_provider=tracer_provider)

        def common(system: str) -> dict[str, Any]:
            if tracer_provider is None or transport is not None:
                return {"transport": transport, "audit": audit}
            # One traced network transport per system: each keeps its own pool (the bulkhead).
            limit = config(system).max_connections
            own = traced_transport(None, tracer_provider=tracer_provider, max_connections=limit)
            return {"transport": own, "audit": audit}

        self.population = PopulationClient(config("population"), **common("population"))
        self.sms = SmsClient(config("sms"), **common("sms"))
        self.elicence = ElicenceClient(config("elicence"), **common("elicence"))
        self.credit = CreditClient(config("credit"), **common("credit"))
        self.cases = CaseClient(config("cases"), **common("cases"))
        self.telecom = TelecomClient(config("telecom"), **common("telecom"))
        self.faceverify = FaceVerifyClient(config("faceverify"), **common("faceverify"))
        self.utility = UtilityClient(config("utility"), **common("utility"))
        self.hotelpms = HotelPmsClient(config("hotelpms"), **common("hotelpms"))
        self.parking = ParkingGateClient(config("parking"), **common("parking"))
        self.legalperson = LegalPersonClient(config("legalperson"), **common("legalperson"))
        self.hotline12345 = Hotline12345Client(config("hotline12345"), **common("hotline12345"))
        # None when the platform isn't configured (remote mode without its app id): login is off.
        self.wechat: wechat.WeChatMiniProgram | None = None
        self.alipay: alipay.AlipayMiniProgram | None = None
        # Licence pointers in the platforms' card packs (卡包); a platform not configured has none.
        passes: alipay.AlipayPasses | None = None
        if self.sandbox is not None:
            twin = self.sandbox.state("alipay")
            assert isinstance(twin, alipay.AlipayTwinState)
            keys = twin.gateway.keys.public()
            self.wechat = wechat.WeChatMiniProgram(
                config("wechat"), appid=wechat.SANDBOX_APPID, secret=wechat.SANDBOX_SECRET, **common("wechat")
            )
            self.alipay = alipay.AlipayMiniProgram(
                config("alipay"),
                app_id=keys["app_id"],
                app_private_key=alipay.load_private_key(keys["app_private_key"]),
                alipay_public_key=alipay.load_public_key(keys["alipay_public_key"]),
                aes_key=keys["aes_key"],
                **common("alipay"),
            )
            passes = alipay.AlipayPasses(
                config("alipay"),
                app_id=keys["app_id"],
                app_private_key=alipay.load_private_key(keys["app_private_key"]),
                alipay_public_key=alipay.load_public_key(keys["alipay_public_key"]),
                **common("alipay"),
            )
        else:
            if miniprogram.wechat_appid:
                self.wechat = wechat.WeChatMiniProgram(
                    _platform_config(config("wechat"), wechat.BASE_URL),
                    appid=miniprogram.wechat_appid,
                    secret=miniprogram.wechat_secret,
                    **common("wechat"),
                )
            if miniprogram.alipay_app_id:
                self.alipay = alipay.AlipayMiniProgram(
                    _platform_config(config("alipay"), alipay.BASE_URL),
                    app_id=miniprogram.alipay_app_id,
                    app_private_key=alipay.load_private_key(miniprogram.alipay_private_key),
                    alipay_public_key=alipay.load_public_key(miniprogram.alipay_public_key),
                    aes_key=miniprogram.alipay_aes_key,
                    **common("alipay"),
                )
                passes = alipay.AlipayPasses(
                    _platform_config(config("alipay"), alipay.BASE_URL),
                    app_id=miniprogram.alipay_app_id,
                    app_private_key=alipay.load_private_key(miniprogram.alipay_private_key),
                    alipay_public_key=alipay.load_public_key(miniprogram.alipay_public_key),
                    **common("alipay"),
                )
        self._passes = passes
        self.card_packs = CardPacks(
            alipay=passes,
            wechat=wechat.WeChatCards(self.wechat) if self.wechat is not None else None,
            wechat_username=miniprogram.wechat_username or "gh_sandbox00000@app",
        )

    def breakers(self) -> dict[str, BreakerState]:
        """Each government system's circuit breaker, by system name (the metrics read them)."""
        adapters: tuple[Any, ...] = (
            *(self.population, self.sms, self.elicence, self.credit, self.cases, self.telecom),
            *(self.faceverify, self.utility, self.hotelpms, self.parking),
        )
        return {adapter.client.system: adapter.client.breaker.state for adapter in adapters}

    async def aclose(self) -> None:
        adapters = (self.population, self.sms, self.elicence, self.credit, self.cases)
        for adapter in (
            *adapters,
            self.telecom,
            self.faceverify,
            self.utility,
            self.hotelpms,
            self.parking,
            self.legalperson,
            self.hotline12345,
        ):
            await adapter.aclose()
        for platform in (self.wechat, self.alipay, self._passes):
            if platform is not None:
                await platform.aclose()


def _platform_config(config: UpstreamConfig, default_base_url: str) -> UpstreamConfig:
    # The platforms have one public base URL; SUQIAN_UPSTREAM_<PLATFORM>_URL may still override it.
    return config if config.base_url else dataclasses.replace(config, base_url=default_base_url)
