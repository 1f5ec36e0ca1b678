"""Queries of the auth feature: signing keys and refresh-token families."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.auth.tables import RefreshToken, SigningKey
from backend.clock import as_utc
from backend.database import Repository, transaction


class SigningKeyRepository(Repository):
    async def published(self, oldest_generation: int, newest_generation: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await SigningKey.select(
            SigningKey.kid, SigningKey.generation, SigningKey.public_jwk, SigningKey.private_key
        ).where((SigningKey.generation >= oldest_generation) & (SigningKey.generation <= newest_generation))
        return rows

    async def add_if_absent(
        self, *, kid: str, generation: int, public_jwk: str, private_key: str, created_at: datetime
    ) -> None:
        # ON CONFLICT DO NOTHING on the unique generation: the worker that loses the race to create
        # a generation's key simply reads the winner's back.
        await SigningKey.insert(
            SigningKey(
                kid=kid,
                generation=generation,
                public_jwk=public_jwk,
                private_key=private_key,
                created_at=created_at,
            )
        ).on_conflict(target=SigningKey.generation, action="DO NOTHING")


class RefreshRecord(msgspec.Struct, frozen=True, kw_only=True):
    family_id: str
    principal_kind: str
    principal_id: uuid.UUID
    scopes: tuple[str, ...]
    roles: tuple[str, ...]
    client_id: str
    family_expires_at: datetime
    # None on rows written before sessions were listed.
    started_at: datetime | None = None


class NewRefreshToken(msgspec.Struct, frozen=True, kw_only=True):
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    # Masked address and user agent of the request that obtained this token (``SessionClient``).
    client: str = ""
    user_agent: str = ""


class LiveToken(msgspec.Struct, frozen=True, kw_only=True):
    """The newest, unspent refresh token of a live family: what a session list shows."""

    family_id: str
    client_id: str
    started_at: datetime
    issued_at: datetime
    expires_at: datetime
    client: str
    user_agent: str


_RECORD_COLUMNS = (
    RefreshToken.family_id,
    RefreshToken.principal_kind,
    RefreshToken.principal_id,
    RefreshToken.scopes,
    RefreshToken.roles,
    RefreshToken.client_id,
    RefreshToken.family_expires_at,
    RefreshToken.started_at,
)


def _record(row: dict[str, Any]) -> RefreshRecord:
    return RefreshRecord(
        family_id=row["family_id"],
        principal_kind=row["principal_kind"],
        principal_id=uuid.UUID(str(row["principal_id"])),
        scopes=tuple(row["scopes"].split()),
        roles=tuple(row["roles"].split()),
        client_id=row["client_id"],
        family_expires_at=as_utc(row["family_expires_at"]),
        started_at=as_utc(row["started_at"]) if row["started_at"] is not None else None,
    )


class RefreshTokenRepository(Repository):
    async def add(self, record: RefreshRecord, token: NewRefreshToken) -> None:
        """Insert ``token`` into ``record``'s family; its expiry never outlives the family's."""
        expires_at = min(as_utc(token.expires_at), as_utc(record.family_expires_at))
        await RefreshToken.insert(
            RefreshToken(
                family_id=record.family_id,
                token_hash=token.token_hash,
                principal_kind=record.principal_kind,
                principal_id=record.principal_id,
                scopes=" ".join(record.scopes),
                roles=" ".join(record.roles),
                client_id=record.client_id,
                issued_at=token.issued_at,
                expires_at=expires_at,
                family_expires_at=record.family_expires_at,
                started_at=record.started_at,
                client=token.client,
                user_agent=token.user_agent,
            )
        )

    async def rotate(
        self, token_hash: str, successor: NewRefreshToken, *, now: datetime, kind: str | None = None
    ) -> RefreshRecord | None:
        """Mark the live token ``token_hash`` used and insert its successor in the same family, in
        one transaction. ``None`` when the token is not live (unknown, used, revoked or expired) or,
        with ``kind``, belongs to another kind of principal (a staff session never renews at the
        citizens' endpoint, which would skip the staff account's checks).

        The conditional UPDATE decides: of two concurrent rotations of one token exactly one matches
        the row, so a refresh token can never be spent twice.
        """
        where = (
            (RefreshToken.token_hash == token_hash)
            & RefreshToken.rotated_at.is_null()
            & RefreshToken.revoked_at.is_null()
            & (RefreshToken.expires_at > now)
            & (RefreshToken.family_expires_at > now)
        )
        if kind is not None:
            where = where & (RefreshToken.principal_kind == kind)
        async with transaction(self._engine):
            rows = (
                await RefreshToken.update({RefreshToken.rotated_at: now})
                .where(where)
                .returning(*_RECORD_COLUMNS)
            )
            if not rows:
                return None
            record = _record(rows[0])
            await self.add(record, successor)
        return record

    async def find_spent(self, token_hash: str) -> RefreshRecord | None:
        """The record of ``token_hash`` if it was already rotated (a replay), else ``None``."""
        row = (
            await RefreshToken.select(*_RECORD_COLUMNS)
            .where((RefreshToken.token_hash == token_hash) & RefreshToken.rotated_at.is_not_null())
            .first()
        )
        return _record(row) if row else None

    async def live(self, kind: str, principal_id: uuid.UUID, *, now: datetime) -> list[LiveToken]:
        """The newest token of each live family of one principal, newest first: one row per session,
        since only a family's newest token is unspent."""
        rows = (
            await RefreshToken.select(
                RefreshToken.family_id,
                RefreshToken.client_id,
                RefreshToken.started_at,
                RefreshToken.issued_at,
                RefreshToken.expires_at,
                RefreshToken.client,
                RefreshToken.user_agent,
            )
            .where(
                (RefreshToken.principal_kind == kind)
                & (RefreshToken.principal_id == principal_id)
                & RefreshToken.rotated_at.is_null()
                & RefreshToken.revoked_at.is_null()
                & (RefreshToken.expires_at > now)
                & (RefreshToken.family_expires_at > now)
            )
            .order_by(RefreshToken.issued_at, ascending=False)
        )
        return [
            LiveToken(
                family_id=row["family_id"],
                client_id=row["client_id"],
                started_at=as_utc(row["started_at"] or row["issued_at"]),
                issued_at=as_utc(row["issued_at"]),
                expires_at=as_utc(row["expires_at"]),
                client=row["client"],
                user_agent=row["user_agent"],
            )
            for row in rows
        ]

    async def holds_family(self, family_id: str, kind: str, principal_id: uuid.UUID) -> bool:
        """Whether ``family_id`` is (or was) a session of this principal."""
        row = (
            await RefreshToken.select(RefreshToken.family_id)
            .where(
                (RefreshToken.family_id == family_id)
                & (RefreshToken.principal_kind == kind)
                & (RefreshToken.principal_id == principal_id)
            )
            .first()
        )
        return row is not None

    async def revoke_family(self, family_id: str, *, now: datetime) -> int:
        rows = (
            await RefreshToken.update({RefreshToken.revoked_at: now})
            .where((RefreshToken.family_id == family_id) & RefreshToken.revoked_at.is_null())
            .returning(RefreshToken.family_id)
        )
        return len(rows)

    async def revoke_subject(
        self,
        kind: str,
        principal_id: uuid.UUID,
        *,
        now: datetime,
        client_id: str | None = None,
        except_family: str | None = None,
    ) -> list[str]:
        """Revoke every family of one principal (of one client only, if given; sparing
        ``except_family``, if given); returns the family ids that were still live."""
        where = (
            (RefreshToken.principal_kind == kind)
            & (RefreshToken.principal_id == principal_id)
            & RefreshToken.revoked_at.is_null()
        )
        if client_id is not None:
            where = where & (RefreshToken.client_id == client_id)
        if except_family is not None:
            where = where & (RefreshToken.family_id != except_family)
        rows = (
            await RefreshToken.update({RefreshToken.revoked_at: now})
            .where(where)
            .returning(RefreshToken.family_id)
        )
        return sorted({row["family_id"] for row in rows})
