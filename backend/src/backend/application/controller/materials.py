"""Materials (材料) over HTTP: uploads streamed and counted as they arrive, licences by reference; a
material is read or removed by its own id, for its application's owner (``owns=``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.application.errors import (
    ApplicationNotFound,
    KindNotAccepted,
    MaterialLocked,
    MaterialNotFound,
    MaterialStoreUnavailable,
    MaterialTooLarge,
    MaterialTypeNotAccepted,
    MaterialTypeUnsupported,
    NotEditable,
    SlotFull,
    SlotUnknown,
)
from backend.application.materials import MaterialService, MaterialView
from backend.application.schemas import (
    ApplicationSlotRead,
    LicenceMaterialCreate,
    MaterialList,
    MaterialRead,
    SlotKey,
)
from backend.auth.guards import citizen
from backend.auth.principal import Principal
from backend.catalogue.errors import ItemNotFound
from backend.fields import plain_text
from backend.licence.errors import LicenceNotFound, LicenceUnusable

OWNS = {"application_id": "application.application"}
OWNS_MATERIAL = {"material_id": "application.material"}


def _material(view: MaterialView) -> MaterialRead:
    row = view.row
    return MaterialRead(
        id=row.id,
        application_id=row.application_id,
        slot=row.slot,
        source="licence" if row.source == "licence" else "upload",
        name=view.name,
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        licence=view.licence,
        created_at=row.created_at,
    )


@dataclass
class _UploadOperation(Operation):
    """The upload's body is the file itself (Litestar documents only parsed bodies)."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
        self.request_body = RequestBody(
            required=True,
            description="The file's bytes. Its type is read from the bytes, not from this header.",
            content={
                t: binary for t in ("application/pdf", "image/jpeg", "image/png", "application/octet-stream")
            },
        )


_UPLOAD = (
    "The body is the file itself (not multipart): it is read as it arrives and refused with 413 "
    "`application.material_too_large` the moment it passes the limit (10 MiB by default). Its type is "
    "sniffed from its bytes — PDF, JPEG or PNG; the name and Content-Type are not trusted: 415 "
    "`application.material_type_unsupported` for anything else or a polyglot, 415 "
    "`application.material_type_not_accepted` for a type the slot does not take. The same file given "
    "to the slot again answers the same material. Only while the application is a draft or returned "
    "for correction."
)


class MaterialController(Controller):
    """Materials (材料) of your applications: files you upload, or your licences."""

    path = "/api/v1"
    tags = ("applications",)
    # A citizen for themselves, or an agent of an organisation authorised to apply (backend.organisation).
    opt = {"access": citizen(acting="apply")}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/applications/{application_id:uuid}/materials",
        status_code=HTTP_201_CREATED,
        summary="Upload a file as a material of the application (PDF, JPEG or PNG)",
        description=_UPLOAD,
        owns=OWNS,
        errors=(
            ApplicationNotFound, NotEditable, SlotUnknown, SlotFull, MaterialTooLarge,
            MaterialTypeUnsupported, MaterialTypeNotAccepted, MaterialStoreUnavailable, ItemNotFound,
        ),
        request_max_body_size=None,  # counted below against the configurable limit, while it streams
        operation_class=_UploadOperation,
    )  # fmt: skip
    async def upload(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        materials: NamedDependency[MaterialService],
        principal: NamedDependency[Principal],
        slot: FromQuery[SlotKey | None] = None,
        filename: FromQuery[Annotated[str, plain_text(max_length=255)]] = "material",
    ) -> MaterialRead:
        # Who and where first (another citizen's application is a 404 before a byte is read).
        await materials.slot(principal.owner, application_id, slot or "")
        limit = materials.max_bytes
        if (request.content_length or 0) > limit:
            raise MaterialTooLarge(limit)
        content = bytearray()
        async for chunk in request.stream():
            content += chunk
            if len(content) > limit:
                raise MaterialTooLarge(limit)
        view = await materials.upload(
            principal.owner, application_id, slot=slot or "", filename=filename, content=bytes(content),
            actor=principal.actor,
        )  # fmt: skip
        return _material(view)

    @post(
        "/applications/{application_id:uuid}/materials/licence",
        status_code=HTTP_201_CREATED,
        summary="Give one of your e-licences as a material of the application",
        description="The licence must be yours, usable, and of a kind the slot takes (422 "
        "`application.material_kind_not_accepted`). It is read again on submission: a licence revoked "
        "since blocks it with 409 `licence.unusable`.",
        owns=OWNS,
        errors=(
            ApplicationNotFound, NotEditable, SlotUnknown, SlotFull, KindNotAccepted, LicenceNotFound,
            LicenceUnusable, ItemNotFound,
        ),
    )  # fmt: skip
    async def attach_licence(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[LicenceMaterialCreate],
        materials: NamedDependency[MaterialService],
        principal: NamedDependency[Principal],
    ) -> MaterialRead:
        view = await materials.attach_licence(
            principal.owner, application_id, slot=data.slot, licence_id=data.licence_id, actor=principal.actor
        )
        return _material(view)

    @get(
        "/applications/{application_id:uuid}/materials",
        summary="The application's materials, its slots, and the required ones still empty",
        owns=OWNS,
        errors=(ApplicationNotFound, ItemNotFound),
    )
    async def list_materials(
        self,
        application_id: FromPath[uuid.UUID],
        materials: NamedDependency[MaterialService],
        principal: NamedDependency[Principal],
    ) -> MaterialList:
        views, specs = await materials.of_application(principal.owner, application_id)
        filled: dict[str, int] = {}
        for view in views:
            filled[view.row.slot] = filled.get(view.row.slot, 0) + 1
        return MaterialList(
            items=[_material(v) for v in views],
            slots=[
                ApplicationSlotRead(
                    key=s.key,
                    name=s.name,
                    required=s.required,
                    licence_kinds=list(s.licence_kinds),
                    upload_kinds=list(s.upload_kinds),
                    filled=filled.get(s.key, 0),
                )
                for s in specs
            ],
            missing=[s.key for s in specs if s.required and not filled.get(s.key)],
        )

    @get(
        "/materials/{material_id:uuid}",
        summary="An uploaded material's file, for the application's owner",
        owns=OWNS_MATERIAL,
        errors=(MaterialNotFound, MaterialStoreUnavailable),
        media_type="application/octet-stream",
    )
    async def download(
        self,
        material_id: FromPath[uuid.UUID],
        materials: NamedDependency[MaterialService],
        principal: NamedDependency[Principal],
    ) -> Response[bytes]:
        view, content = await materials.content(principal.owner, material_id)
        return Response(
            content,
            media_type=view.row.media_type,
            headers={
                "content-disposition": f"attachment; filename*=UTF-8''{quote(view.name, safe='')}",
                "x-content-type-options": "nosniff",
                "cache-control": "private, no-store",
            },
        )

    @delete(
        "/materials/{material_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a material from a draft",
        owns=OWNS_MATERIAL,
        errors=(MaterialNotFound, MaterialLocked),
    )
    async def remove(
        self,
        material_id: FromPath[uuid.UUID],
        materials: NamedDependency[MaterialService],
        principal: NamedDependency[Principal],
    ) -> None:
        await materials.remove(principal.owner, material_id, actor=principal.actor)
