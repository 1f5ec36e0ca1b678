"""Who owns an object in the authorization matrix, and the type of a maker of one."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from tests.services import Services


@dataclass(frozen=True)
class Owner:
    """Who the object belongs to: a citizen (with a session and their proven phone) or a device."""

    kind: str
    id: uuid.UUID
    headers: dict[str, str]
    phone: str | None = None
    # The app's services, for makers whose object needs setting up beyond the owner's own routes
    # (a verifier registration for a device, a request from a counter to a citizen).
    services: Services | None = None
    # The organisation a citizen acts for (an agent's acting-as token): the object is made for it,
    # not for the person (None: the citizen's own).
    organisation: uuid.UUID | None = None


Maker = Callable[[httpx.AsyncClient, Owner], Awaitable[str]]
