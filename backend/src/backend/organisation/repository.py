"""Organisations and the grants to act for them. A grant is live while unrevoked and unexpired; the
partial unique index keeps one live-or-unexpired grant per person and organisation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.clock import as_utc
from backend.database import Repository
from backend.organisation.tables import Organisation, OrganisationGrant

# ``representative_id`` while nobody represents the organisation (RFC 9562's nil UUID, never a
# citizen's id): the registry stopped naming the last representative and the next has not claimed it.
NOBODY = uuid.UUID(int=0)


class OrganisationRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    credit_code: str
    name: str
    kind: str
    representative_id: uuid.UUID
    claimed_at: datetime
    recheck_at: datetime | None = None


class GrantRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    organisation_id: uuid.UUID
    citizen_id: uuid.UUID
    role: str
    scopes: str
    expires_at: datetime | None
    revoked_at: datetime | None
    granted_by: uuid.UUID
    created_at: datetime

    def live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _organisation(raw: dict[str, Any]) -> OrganisationRow:
    recheck = raw.get("recheck_at")
    raw = {
        **raw,
        "claimed_at": as_utc(raw["claimed_at"]),
        "recheck_at": None if recheck is None else as_utc(recheck),
    }
    return msgspec.convert(raw, OrganisationRow)


def _grant(raw: dict[str, Any]) -> GrantRow:
    times = {k: as_utc(raw[k]) if raw[k] is not None else None for k in ("expires_at", "revoked_at")}
    return msgspec.convert({**raw, **times, "created_at": as_utc(raw["created_at"])}, GrantRow)


class OrganisationRepository(Repository):
    async def insert(self, row: OrganisationRow) -> None:
        """Raises a unique violation when the credit code is claimed already."""
        await Organisation.insert(Organisation(**msgspec.structs.asdict(row)))

    async def find(self, organisation_id: uuid.UUID) -> OrganisationRow | None:
        raw = await Organisation.select().where(Organisation.id == organisation_id).first()
        return None if raw is None else _organisation(raw)

    async def find_by_code(self, credit_code: str) -> OrganisationRow | None:
        raw = await Organisation.select().where(Organisation.credit_code == credit_code).first()
        return None if raw is None else _organisation(raw)

    async def of_ids(self, ids: list[uuid.UUID]) -> list[OrganisationRow]:
        if not ids:
            return []
        rows = await Organisation.select().where(Organisation.id.is_in(ids)).order_by(Organisation.name)
        return [_organisation(r) for r in rows]

    async def add_grant(self, row: GrantRow) -> None:
        """Raises a unique violation when the person holds an unrevoked grant for the organisation."""
        await OrganisationGrant.insert(OrganisationGrant(**msgspec.structs.asdict(row)))

    async def find_grant(self, grant_id: uuid.UUID) -> GrantRow | None:
        raw = await OrganisationGrant.select().where(OrganisationGrant.id == grant_id).first()
        return None if raw is None else _grant(raw)

    async def grant_of(self, organisation_id: uuid.UUID, citizen_id: uuid.UUID) -> GrantRow | None:
        """The person's unrevoked grant for the organisation (perhaps expired)."""
        raw = (
            await OrganisationGrant.select()
            .where(
                (OrganisationGrant.organisation_id == organisation_id)
                & (OrganisationGrant.citizen_id == citizen_id)
                & OrganisationGrant.revoked_at.is_null()
            )
            .first()
        )
        return None if raw is None else _grant(raw)

    async def grants_of_citizen(self, citizen_id: uuid.UUID) -> list[GrantRow]:
        rows = await OrganisationGrant.select().where(
            (OrganisationGrant.citizen_id == citizen_id) & OrganisationGrant.revoked_at.is_null()
        )
        return [_grant(r) for r in rows]

    async def grants_of(self, organisation_id: uuid.UUID) -> list[GrantRow]:
        rows = (
            await OrganisationGrant.select()
            .where(OrganisationGrant.organisation_id == organisation_id)
            .order_by(OrganisationGrant.created_at)
        )
        return [_grant(r) for r in rows]

    async def revoke(
        self, grant_id: uuid.UUID, organisation_id: uuid.UUID, *, now: datetime
    ) -> GrantRow | None:
        """Revoke an agent's unrevoked grant (never the representative's); the row as revoked, or
        None when there was no such grant to revoke (one conditional UPDATE decides)."""
        rows = (
            await OrganisationGrant.update({OrganisationGrant.revoked_at: now})
            .where(
                (OrganisationGrant.id == grant_id)
                & (OrganisationGrant.organisation_id == organisation_id)
                & (OrganisationGrant.role == "agent")
                & OrganisationGrant.revoked_at.is_null()
            )
            .returning(*OrganisationGrant.all_columns())
        )
        return _grant(rows[0]) if rows else None

    async def take_over(
        self,
        organisation_id: uuid.UUID,
        *,
        previous: uuid.UUID,
        representative: uuid.UUID,
        now: datetime,
        recheck_at: datetime,
    ) -> bool:
        """Make ``representative`` the organisation's, if ``previous`` still is (one conditional
        UPDATE decides between two claimants)."""
        rows = (
            await Organisation.update(
                {Organisation.representative_id: representative, Organisation.claimed_at: now,
                 Organisation.recheck_at: recheck_at}
            )
            .where((Organisation.id == organisation_id) & (Organisation.representative_id == previous))
            .returning(Organisation.id)
        )  # fmt: skip
        return bool(rows)

    async def release(self, organisation_id: uuid.UUID, *, representative: uuid.UUID) -> bool:
        """Clear the representative, if ``representative`` still is it; whether this call did."""
        rows = (
            await Organisation.update({Organisation.representative_id: NOBODY, Organisation.recheck_at: None})
            .where((Organisation.id == organisation_id) & (Organisation.representative_id == representative))
            .returning(Organisation.id)
        )
        return bool(rows)

    async def still_represented(self, organisation_id: uuid.UUID, *, representative: uuid.UUID) -> bool:
        """Whether ``representative`` still represents the organisation, read by a no-op conditional
        UPDATE: the row stays locked to the caller's transaction, so a claim ending at the same moment
        (``release`` then ``end_grants``) waits for it and ends what it adds, or went first and this
        answers False."""
        rows = (
            await Organisation.update({Organisation.representative_id: representative})
            .where((Organisation.id == organisation_id) & (Organisation.representative_id == representative))
            .returning(Organisation.id)
        )
        return bool(rows)

    async def end_grants(self, organisation_id: uuid.UUID, *, now: datetime) -> list[GrantRow]:
        """Revoke every unrevoked grant of the organisation, the representative's too; those it ended."""
        rows = (
            await OrganisationGrant.update({OrganisationGrant.revoked_at: now})
            .where(
                (OrganisationGrant.organisation_id == organisation_id)
                & OrganisationGrant.revoked_at.is_null()
            )
            .returning(*OrganisationGrant.all_columns())
        )
        return [_grant(r) for r in rows]

    async def due(self, *, now: datetime, limit: int) -> list[OrganisationRow]:
        """Represented organisations whose representative is due to be asked about again."""
        rows = (
            await Organisation.select()
            .where(
                (Organisation.representative_id != NOBODY)
                & (Organisation.recheck_at.is_null() | (Organisation.recheck_at <= now))
            )
            .order_by(Organisation.recheck_at)
            .limit(limit)
        )
        return [_organisation(r) for r in rows]

    async def lease(
        self, organisation_id: uuid.UUID, *, now: datetime, until: datetime
    ) -> OrganisationRow | None:
        """Take a due organisation's re-check (not due again before ``until``), or None when another
        worker took it first (one conditional UPDATE decides)."""
        rows = (
            await Organisation.update({Organisation.recheck_at: until})
            .where(
                (Organisation.id == organisation_id)
                & (Organisation.representative_id != NOBODY)
                & (Organisation.recheck_at.is_null() | (Organisation.recheck_at <= now))
            )
            .returning(*Organisation.all_columns())
        )
        return _organisation(rows[0]) if rows else None

    async def schedule(self, organisation_id: uuid.UUID, *, representative: uuid.UUID, at: datetime) -> None:
        """The next re-check of the organisation, while ``representative`` still represents it."""
        await Organisation.update({Organisation.recheck_at: at}).where(
            (Organisation.id == organisation_id) & (Organisation.representative_id == representative)
        )

    async def forget(self, citizen_id: uuid.UUID) -> int:
        """Delete every grant the citizen holds or gave (their agents' authority ended with their
        claim); repeating it deletes nothing more. Returns how many grants went."""
        where = (OrganisationGrant.citizen_id == citizen_id) | (OrganisationGrant.granted_by == citizen_id)
        count = await OrganisationGrant.count().where(where)
        await OrganisationGrant.delete().where(where)
        return int(count)
