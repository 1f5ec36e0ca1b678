"""What sign-in keeps about a citizen: their sessions (refresh-token families)."""

from __future__ import annotations

import uuid

from backend.auth.tables import RefreshToken, SigningKey
from backend.auth.tokens import TokenService
from backend.personal_data import Category, CitizenStep, Held, PersonalData
from backend.wiring import Wiring


def _end_sessions(w: Wiring) -> CitizenStep:
    tokens = w.get(TokenService)

    async def step(citizen_id: uuid.UUID) -> None:
        # Every session and every access token still out: the account closes now, not in 15 minutes.
        await tokens.sessions.revoke_subject("citizen", citizen_id)

    return step


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="sessions",
            description="Your signed-in sessions: when they started, the client, a masked address and "
            "the browser or app that signed in",
            purpose="Keeping you signed in; showing you your sessions so you can end one",
            legal_basis="PIPL art. 13(2): necessary for the service you use",
            retention="Until the session ends, then 30 days",
        ),
    ),
    held=(Held(table=RefreshToken, category="sessions", citizen=("principal_id",), omit=("token_hash",)),),
    unrelated={SigningKey: "the keys that sign access tokens"},
    on_closure=_end_sessions,
)
