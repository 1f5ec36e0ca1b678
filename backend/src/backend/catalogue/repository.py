from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.catalogue.tables import ServiceItemVersion
from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository, UniqueViolation

T = ServiceItemVersion


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionRow:
    code: str
    version: int
    status: str
    name: str
    department: str
    search: str
    document: str
    digest: str
    created_at: datetime
    created_by: str
    published_at: datetime | None
    published_by: str | None


_FIELDS = (
    T.code, T.version, T.status, T.name, T.department, T.search, T.document, T.digest,
    T.created_at, T.created_by, T.published_at, T.published_by,
)  # fmt: skip


def _row(row: dict[str, Any]) -> VersionRow:
    return VersionRow(
        **{
            **row,
            "created_at": as_utc(row["created_at"]),
            "published_at": as_utc_or_none(row["published_at"]),
        }
    )


class CatalogueRepository(Repository):
    async def insert_draft(
        self,
        *,
        code: str,
        name: str,
        department: str,
        search: str,
        document: str,
        digest: str,
        by: str,
        now: datetime,
        first_only: bool = False,
    ) -> VersionRow | None:
        """A new draft, one version past the item's highest; None when the item has a draft already
        (the partial unique index decides, not a read first). ``first_only``: version 1 or nothing
        (None when the item has any version: two seeders racing, the ``(code, version)`` index
        decides)."""
        latest = await T.select(T.version).where(T.code == code).order_by(T.version, ascending=False).first()
        if first_only and latest is not None:
            return None
        version = (latest["version"] if latest else 0) + 1
        with UniqueViolation() as taken:
            await T.insert(
                T(
                    id=uuid.uuid4(), code=code, version=version, status="draft", name=name,
                    department=department, search=search, document=document, digest=digest,
                    created_at=now, created_by=by,
                )
            )  # fmt: skip
        return None if taken.occurred else await self.find(code, version)

    async def update_draft(
        self, code: str, version: int, *, name: str, department: str, search: str, document: str, digest: str
    ) -> bool:
        """False when the version is not a draft (published, or not there)."""
        rows = (
            await T.update(
                {
                    T.name: name,
                    T.department: department,
                    T.search: search,
                    T.document: document,
                    T.digest: digest,
                }
            )
            .where((T.code == code) & (T.version == version) & (T.status == "draft"))
            .returning(T.version)
        )
        return bool(rows)

    async def publish(self, code: str, version: int, *, by: str, now: datetime) -> bool:
        rows = (
            await T.update({T.status: "published", T.published_at: now, T.published_by: by})
            .where((T.code == code) & (T.version == version) & (T.status == "draft"))
            .returning(T.version)
        )
        return bool(rows)

    async def find(self, code: str, version: int) -> VersionRow | None:
        row = await T.select(*_FIELDS).where((T.code == code) & (T.version == version)).first()
        return _row(row) if row else None

    async def find_draft(self, code: str) -> VersionRow | None:
        row = await T.select(*_FIELDS).where((T.code == code) & (T.status == "draft")).first()
        return _row(row) if row else None

    async def current(self, code: str) -> VersionRow | None:
        row = (
            await T.select(*_FIELDS)
            .where((T.code == code) & (T.status == "published"))
            .order_by(T.version, ascending=False)
            .first()
        )
        return _row(row) if row else None

    async def versions(self, code: str) -> list[VersionRow]:
        rows = await T.select(*_FIELDS).where(T.code == code).order_by(T.version)
        return [_row(r) for r in rows]

    async def all_current(self) -> list[VersionRow]:
        """Every item's highest published version, by code."""
        rows = await T.select(*_FIELDS).where(T.status == "published").order_by(T.code).order_by(T.version)
        latest: dict[str, VersionRow] = {}
        for row in rows:
            latest[row["code"]] = _row(row)
        return list(latest.values())

    async def known_codes(self) -> set[str]:
        return {row["code"] for row in await T.select(T.code).distinct()}

    async def published_of(self, departments: list[str]) -> list[tuple[str, int]]:
        """The ``(code, version)`` of every published version whose department is one of these."""
        rows = await T.select(T.code, T.version).where(
            (T.status == "published") & T.department.is_in(departments)
        )
        return [(row["code"], row["version"]) for row in rows]

    async def departments(self) -> set[str]:
        return {row["department"] for row in await T.select(T.department).distinct()}
