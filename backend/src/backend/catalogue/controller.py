"""The catalogue over HTTP: anyone reads the published items; operators draft and publish."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import staff
from backend.auth.principal import Principal
from backend.catalogue.definition import ITEM_CODE, ItemDefinition
from backend.catalogue.errors import CodeMismatch, DraftExists, FormInvalid, ItemNotFound, VersionPublished
from backend.catalogue.schemas import ItemList, ItemRead, ItemSummary, VersionList
from backend.catalogue.service import CatalogueService, ServiceItem

Query = Annotated[str | None, QueryParameter(min_length=1, max_length=50)]
# An item code in a path: spelt as the catalogue spells it, or the request is refused before a query.
Code = Annotated[str, PathParameter(pattern=ITEM_CODE, max_length=16)]
Version = Annotated[int, QueryParameter(ge=1, le=100_000)]


def _read(item: ServiceItem) -> ItemRead:
    return ItemRead(
        code=item.definition.code,
        version=item.version,
        status="published" if item.status == "published" else "draft",
        digest=item.digest,
        published_at=item.published_at,
        definition=item.definition,
    )


def _summary(item: ServiceItem) -> ItemSummary:
    d = item.definition
    return ItemSummary(
        code=d.code,
        name=d.name,
        department=d.department,
        aliases=d.aliases,
        fee_fen=d.fee_fen,
        time_limit_days=d.time_limit_days,
        version=item.version,
    )


class CatalogueController(Controller):
    path = "/api/v1/catalogue/items"
    tags = ("catalogue",)

    @get(
        "/",
        summary="Published service items; `q` matches the name, code, department or an everyday word",
        access=ANYONE,
    )
    async def search(
        self, catalogue: NamedDependency[CatalogueService], q: Query = None, department: Query = None
    ) -> ItemList:
        return ItemList(items=[_summary(i) for i in await catalogue.search(q, department=department)])

    @get("/{code:str}", summary="An item's current published version", access=ANYONE, errors=(ItemNotFound,))
    async def read(self, code: Code, catalogue: NamedDependency[CatalogueService]) -> ItemRead:
        return _read(await catalogue.get(code))

    @get(
        "/{code:str}/versions/{version:int}",
        summary="A published version of an item (what an application was checked against)",
        access=ANYONE,
        errors=(ItemNotFound,),
    )
    async def read_version(
        self, code: Code, version: FromPath[int], catalogue: NamedDependency[CatalogueService]
    ) -> ItemRead:
        return _read(await catalogue.get(code, version))


class CatalogueAdminController(Controller):
    path = "/api/v1/admin/catalogue/items"
    tags = ("admin",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Draft the next version of an item (a new item's first)",
        errors=(DraftExists, FormInvalid),
    )
    async def draft(
        self,
        data: JSONBody[ItemDefinition],
        catalogue: NamedDependency[CatalogueService],
        principal: NamedDependency[Principal],
    ) -> ItemRead:
        return _read(await catalogue.draft(data, by=principal.subject))

    @get("/{code:str}/versions", summary="Every version of an item, drafts included", errors=(ItemNotFound,))
    async def versions(self, code: Code, catalogue: NamedDependency[CatalogueService]) -> VersionList:
        return VersionList(items=[_read(i) for i in await catalogue.versions(code)])

    @put(
        "/{code:str}/versions/{version:int}",
        summary="Edit a draft; a published version never changes (409)",
        errors=(ItemNotFound, VersionPublished, FormInvalid, CodeMismatch),
    )
    async def edit(
        self,
        code: Code,
        version: FromPath[int],
        data: JSONBody[ItemDefinition],
        catalogue: NamedDependency[CatalogueService],
        principal: NamedDependency[Principal],
    ) -> ItemRead:
        return _read(await catalogue.edit(code, version, data, by=principal.subject))

    @post(
        "/{code:str}/versions/{version:int}/publish",
        status_code=200,
        summary="Publish a draft: from now on it is the item's current version, and immutable",
        errors=(ItemNotFound, VersionPublished),
    )
    async def publish(
        self,
        code: Code,
        version: FromPath[int],
        catalogue: NamedDependency[CatalogueService],
        principal: NamedDependency[Principal],
    ) -> ItemRead:
        return _read(await catalogue.publish(code, version, by=principal.subject))
