"""The adapters to government and platform systems, built once from settings.

In sandbox mode (the embedded default) every adapter talks in-process to the sandbox twins, which are
also mounted at ``/_sandbox`` so a person can add test identities or read the SMS outbox over HTTP; it
is the same twin instance either way. In remote mode each adapter gets its real base URL from
``SUQIAN_UPSTREAM_<SYSTEM>_URL`` and the sandbox is not mounted.
"""

from __future__ import annotations

from typing import Any

from backend.settings import UpstreamSettings
from integrations import UpstreamConfig, log_audit_event
from integrations.cases import CaseClient
from integrations.credit import CreditClient
from integrations.elicence import ElicenceClient
from integrations.population import PopulationClient
from integrations.sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, Sandbox, create_sandbox
from integrations.sandbox.inprocess import SANDBOX_BASE_URL, in_process_transport
from integrations.sms import SmsClient


class Upstreams:
    def __init__(self, settings: UpstreamSettings) -> None:
        self.sandbox: Sandbox | None = create_sandbox() if settings.mode == "sandbox" else None
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
            )

        common: dict[str, Any] = {"transport": transport, "audit": log_audit_event}
        self.population = PopulationClient(config("population"), **common)
        self.sms = SmsClient(config("sms"), **common)
        self.elicence = ElicenceClient(config("elicence"), **common)
        self.credit = CreditClient(config("credit"), **common)
        self.cases = CaseClient(config("cases"), **common)

    async def aclose(self) -> None:
        for adapter in (self.population, self.sms, self.elicence, self.credit, self.cases):
            await adapter.aclose()
