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
    # The organisation an agent's acting-as ``headers`` act for: the object's owner then (its id, not
    # the person's, keys what a maker sets up beyond the owner's routes). None: the citizen's own.
    organisation: uuid.UUID | None = None

    @property
    def owner_id(self) -> uuid.UUID:
        """Whose object it is: the organisation acted for, or the caller (``Principal.owner``)."""
        return self.organisation or self.id


Maker = Callable[[httpx.AsyncClient, Owner], Awaitable[str]]
