"""The shell every adapter shares: one :class:`UpstreamClient`, built the same way."""

from __future__ import annotations

from types import TracebackType
from typing import ClassVar, Self

import httpx

from integrations.audit import AuditHook
from integrations.client import UpstreamClient
from integrations.clock import Clock, RandomSource
from integrations.config import UpstreamConfig
from integrations.signing import RequestSigner


class BaseAdapter:
    """Owns the upstream client; subclasses set ``system`` and add typed operations."""

    system: ClassVar[str]

    def __init__(
        self,
        config: UpstreamConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: RandomSource | None = None,
        audit: AuditHook | None = None,
        signer: RequestSigner | None = None,
    ) -> None:
        self.client = UpstreamClient(
            config,
            system=self.system,
            signer=signer,
            transport=transport,
            clock=clock,
            rng=rng,
            audit=audit,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
