"""Evidence over HTTP: the published roots and keys (anyone), proofs of any entry (operators)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter, QueryParameter

from backend.access import ANYONE
from backend.auth.guards import staff
from backend.evidence.errors import EntryNotFound, RootNotFound
from backend.evidence.schemas import ProofRead, RootPage, RootRead, Sealed, proof_read, root_read
from backend.evidence.service import EvidenceService

Chain = Annotated[str, PathParameter(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]
PageSize = Annotated[int, QueryParameter(ge=1, le=100)]


class EvidenceController(Controller):
    path = "/api/v1/evidence"
    tags = ("evidence",)

    @get("/keys", access=ANYONE, summary="The keys daily roots are signed with (JWK Set)", cache=60)
    async def keys(self, evidence: NamedDependency[EvidenceService]) -> dict[str, Any]:
        return dict(await evidence.jwks())

    @get(
        "/roots/{chain:str}",
        access=ANYONE,
        summary="A chain's sealed days, newest first",
        errors=(RootNotFound,),
    )
    async def roots(
        self,
        chain: Chain,
        evidence: NamedDependency[EvidenceService],
        before: Annotated[dt.date | None, QueryParameter()] = None,
        limit: PageSize = 30,
    ) -> RootPage:
        rows = await evidence.roots(chain, before=before, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return RootPage(items=[root_read(r) for r in rows], next_before=rows[-1].day if more else None)

    @get(
        "/roots/{chain:str}/{day:date}",
        access=ANYONE,
        summary="One sealed day of a chain",
        description="Sealed after the day ends (Beijing time) and a grace period. 404 until then.",
        errors=(RootNotFound,),
    )
    async def root(
        self, chain: Chain, day: FromPath[dt.date], evidence: NamedDependency[EvidenceService]
    ) -> RootRead:
        return root_read(await evidence.root(chain, day))


class EvidenceAdminController(Controller):
    path = "/api/v1/admin/evidence"
    tags = ("admin",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/{chain:str}/{seq:int}",
        summary="Any entry of a sealed chain with its proof",
        errors=(EntryNotFound,),
    )
    async def proof(
        self, chain: Chain, seq: FromPath[int], evidence: NamedDependency[EvidenceService]
    ) -> ProofRead:
        return proof_read(await evidence.proof(chain, seq))

    @post("/seal", status_code=200, summary="Seal every ended day not sealed yet, now")
    async def seal(self, evidence: NamedDependency[EvidenceService]) -> Sealed:
        return Sealed(sealed=await evidence.seal_due())
