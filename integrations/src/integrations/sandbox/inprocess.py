"""Talk to a sandbox in the same process, with no socket: the embedded default's transport."""

from __future__ import annotations

import httpx

from integrations.sandbox import Sandbox

__all__ = ["SANDBOX_BASE_URL", "in_process_transport"]

# Adapters address twin ``<system>`` as ``{SANDBOX_BASE_URL}/<system>``; the host name is never resolved.
SANDBOX_BASE_URL = "http://sandbox"


def in_process_transport(sandbox: Sandbox) -> httpx.AsyncBaseTransport:
    """An httpx transport that hands each request straight to ``sandbox`` (an ASGI app).

    Callers outside this library (the backend may not import httpx) pass the result to an adapter's
    ``transport=`` argument unopened.
    """
    return httpx.ASGITransport(app=sandbox)
