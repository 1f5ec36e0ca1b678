"""Disaster warnings (智慧氣象, 防汛): publishers publish, change and cancel them and watch their
fan-out; operators bind publishers to their organisation; citizens choose their districts and see the
warnings in force there; anyone may list the warnings in force."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import CITIZEN, staff
from backend.auth.principal import Principal
from backend.warning.errors import (
    DistrictUnknown,
    KindNotYours,
    KindUnknown,
    NotAPublisher,
    NotYourWarning,
    PublisherNotFound,
    PublisherTaken,
    PublisherUnbound,
    ValidityInvalid,
    WarningCancelled,
    WarningNotFound,
)
from backend.warning.rows import WarningRow
from backend.warning.rules import ORGANISATION_NAMES
from backend.warning.schemas import (
    District,
    FanoutProgress,
    MyWarnings,
    PublisherCreate,
    PublisherRead,
    Subscription,
    SubscriptionUpdate,
    WarningCreate,
    WarningList,
    WarningRead,
    WarningUpdate,
    fanout_progress,
)
from backend.warning.service import WarningService

PUBLISHER = staff("publisher")
_OWN = (PublisherUnbound, WarningNotFound, NotYourWarning)


def _read(row: WarningRow) -> WarningRead:
    return WarningRead(
        id=row.id,
        organisation=row.organisation,  # type: ignore[arg-type]
        issuer=ORGANISATION_NAMES[row.organisation],
        kind=row.kind,
        level=row.level,  # type: ignore[arg-type]
        districts=row.districts,
        title=row.title,
        text=row.text,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        state=row.state,  # type: ignore[arg-type]
        version=row.version,
        updated_at=row.updated_at,
    )


class WarningController(Controller):
    path = "/api/v1/warnings"
    tags = ("warnings",)
    # The OPTIONS answers of the paths (publishers' and operators'); every route below declares its
    # own access.
    opt = {"access": staff("operator", "publisher")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", summary="Warnings in force, optionally those naming a district", access=ANYONE)
    async def current(
        self,
        warnings: NamedDependency[WarningService],
        district: FromQuery[District | None] = None,
    ) -> WarningList:
        rows = await warnings.current(None if district is None else [district])
        return WarningList(items=[_read(row) for row in rows])

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Publish a warning",
        description="Orange and red warnings are pushed to the citizens subscribed to its districts "
        "(WeChat, else SMS; red ones also in quiet hours); follow it at `/{warning_id}/progress`.",
        access=PUBLISHER,
        errors=(PublisherUnbound, KindUnknown, KindNotYours, DistrictUnknown, ValidityInvalid),
    )
    async def publish(
        self,
        data: JSONBody[WarningCreate],
        warnings: NamedDependency[WarningService],
        principal: NamedDependency[Principal],
    ) -> WarningRead:
        row = await warnings.publish(
            principal, kind=data.kind, level=data.level, districts=data.districts, title=data.title or "",
            text=data.text, valid_from=data.valid_from, valid_until=data.valid_until,
        )  # fmt: skip
        return _read(row)

    @get("/published", summary="Your organisation's warnings, newest first", access=PUBLISHER,
         errors=(PublisherUnbound,))  # fmt: skip
    async def published(
        self,
        warnings: NamedDependency[WarningService],
        principal: NamedDependency[Principal],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> WarningList:
        return WarningList(items=[_read(row) for row in await warnings.published(principal, limit=limit)])

    @patch(
        "/{warning_id:uuid}",
        summary="Change a warning in force",
        access=PUBLISHER,
        errors=(*_OWN, WarningCancelled, DistrictUnknown, ValidityInvalid),
    )
    async def update(
        self,
        warning_id: FromPath[uuid.UUID],
        data: JSONBody[WarningUpdate],
        warnings: NamedDependency[WarningService],
        principal: NamedDependency[Principal],
    ) -> WarningRead:
        row = await warnings.update(
            principal, warning_id, level=data.level, districts=data.districts, title=data.title,
            text=data.text, valid_until=data.valid_until,
        )  # fmt: skip
        return _read(row)

    @post(
        "/{warning_id:uuid}/cancel",
        status_code=HTTP_200_OK,
        summary="Cancel a warning: off the lists, and what was not sent yet is not sent",
        access=PUBLISHER,
        errors=(*_OWN, WarningCancelled),
    )
    async def cancel(
        self,
        warning_id: FromPath[uuid.UUID],
        warnings: NamedDependency[WarningService],
        principal: NamedDependency[Principal],
    ) -> WarningRead:
        return _read(await warnings.cancel(principal, warning_id))

    @get(
        "/{warning_id:uuid}/progress",
        summary="A warning's fan-out: deliveries per channel planned, sent, failed, skipped, opted out",
        access=PUBLISHER,
        errors=_OWN,
    )
    async def progress(
        self,
        warning_id: FromPath[uuid.UUID],
        warnings: NamedDependency[WarningService],
        principal: NamedDependency[Principal],
    ) -> FanoutProgress:
        return fanout_progress(warning_id, await warnings.progress(principal, warning_id))

    @post(
        "/publishers",
        status_code=HTTP_201_CREATED,
        summary="Bind a publisher account to the organisation it publishes for",
        access=staff("operator"),
        errors=(PublisherNotFound, NotAPublisher, PublisherTaken),
    )
    async def bind_publisher(
        self,
        data: JSONBody[PublisherCreate],
        warnings: NamedDependency[WarningService],
        principal: NamedDependency[Principal],
    ) -> PublisherRead:
        await warnings.bind_publisher(data.staff_id, data.organisation, by=principal)
        return PublisherRead(staff_id=data.staff_id, organisation=data.organisation)

    @get("/mine", summary="Your districts and the warnings in force there", access=CITIZEN)
    async def mine(
        self, warnings: NamedDependency[WarningService], principal: NamedDependency[Principal]
    ) -> MyWarnings:
        districts, rows = await warnings.mine(principal.id)
        return MyWarnings(districts=districts, items=[_read(row) for row in rows])

    @put("/subscription", summary="Choose the districts whose warnings you get", access=CITIZEN)
    async def subscribe(
        self,
        data: JSONBody[SubscriptionUpdate],
        warnings: NamedDependency[WarningService],
        principal: NamedDependency[Principal],
    ) -> Subscription:
        return Subscription(districts=await warnings.subscribe(principal.id, list(data.districts)))
