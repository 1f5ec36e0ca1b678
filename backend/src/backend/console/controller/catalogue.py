"""The service catalogue screen (operators): the items, an item's versions, drafting the next version
from the latest, editing a draft (name, department, aliases, conditions, fee, time limit, and the form
as JSON text), previewing its form, publishing — through ``CatalogueService``, as
``/api/v1/admin/catalogue/items`` does (the API's ``ItemDefinition`` checks the fields, the service
the form; audited there)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter
from litestar.response import Redirect

from backend.access import ANYONE
from backend.auth.principal import Principal
from backend.catalogue.definition import ITEM_CODE, ItemDefinition
from backend.catalogue.errors import DraftExists, ItemNotFound, VersionPublished
from backend.catalogue.errors import FormInvalid as CatalogueFormInvalid
from backend.catalogue.service import CatalogueService, ServiceItem
from backend.console.controller.forms import Done, held_form, session_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.held import HeldForms
from backend.console.pages import OPERATOR, render
from backend.console.preview import preview
from backend.console.session import PATH, ConsoleSessions
from backend.fields import explain

AnyRequest = Request[Any, Any, Any]
Catalogue = NamedDependency[CatalogueService]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
Held = NamedDependency[HeldForms]
Code = Annotated[str, PathParameter(pattern=ITEM_CODE, max_length=16)]
Version = Annotated[int, PathParameter(ge=1, le=100_000)]
# The draft form's fields: what an operator usually changes; materials and FAQs are kept as they are.
DRAFT_FIELDS = ("name", "department", "aliases", "conditions", "fee_fen", "time_limit_days", "form")
LONG = frozenset({"form", "conditions", "aliases"})
_FORM = (CsrfInvalid, FormInvalid)


def draft_values(definition: ItemDefinition) -> dict[str, str]:
    """The draft form's fields as text: lists one entry a line, the form as indented JSON."""
    return {
        "name": definition.name,
        "department": definition.department,
        "aliases": "\n".join(definition.aliases),
        "conditions": "\n".join(definition.conditions),
        "fee_fen": str(definition.fee_fen),
        "time_limit_days": str(definition.time_limit_days),
        "form": json.dumps(msgspec.to_builtins(definition.form), ensure_ascii=False, indent=2),
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number(fields: dict[str, str], name: str) -> int:
    text = fields.get(name, "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise FormInvalid(detail=f"{name} is a whole number")
    return int(text)


def edited(definition: ItemDefinition, fields: dict[str, str]) -> ItemDefinition:
    """``definition`` with the form's fields, checked by the API's own ``ItemDefinition``."""
    try:
        form = json.loads(fields.get("form", ""))
    except json.JSONDecodeError as error:
        raise FormInvalid(detail=f"The form is not JSON: {error.msg} (line {error.lineno})") from None
    except (RecursionError, ValueError):
        # Nested deeper than the parser goes (``[`` 60,000 times fits the field): no form of ours.
        raise FormInvalid(detail="The form is not JSON a form can be (nested too deep)") from None
    document = msgspec.to_builtins(definition)
    document.update(
        name=fields.get("name", "").strip(), department=fields.get("department", "").strip(),
        aliases=_lines(fields.get("aliases", "")), conditions=_lines(fields.get("conditions", "")),
        fee_fen=_number(fields, "fee_fen"), time_limit_days=_number(fields, "time_limit_days"), form=form,
    )  # fmt: skip
    try:
        return msgspec.convert(document, ItemDefinition)
    except msgspec.ValidationError as error:
        raise FormInvalid(detail=explain(str(error))) from None
    except RecursionError:
        raise FormInvalid(detail="The form is nested too deep") from None


def _version_page(
    item: ServiceItem, principal: Principal, console: ConsoleSessions, held: HeldForms, **context: Any
) -> Response[str]:
    context.setdefault("values", draft_values(item.definition))
    context.setdefault("done", None)
    context.setdefault("restored", False)
    # A hold token on a draft's page only: a published version has no form to keep.
    hold = held.token_for(principal, item.definition.code, item.version) if item.status == "draft" else None
    return render(
        "catalogue_version.html", principal=principal, csrf=console.for_session(principal), item=item,
        hold=hold, **context,
    )  # fmt: skip


class ConsoleCatalogueController(Controller):
    path = "/console/catalogue"
    include_in_schema = False
    opt = {"access": OPERATOR}  # noqa: RUF012 (Litestar's declaration style)

    @get("/")
    async def items(self, catalogue: Catalogue, principal: Caller, console: Console) -> Response[str]:
        rows = await catalogue.search()
        return render("catalogue.html", principal=principal, csrf=console.for_session(principal), items=rows)

    @get("/{code:str}", errors=(ItemNotFound,))
    async def versions(
        self, code: Code, catalogue: Catalogue, principal: Caller, console: Console, done: Done = None
    ) -> Response[str]:
        rows = await catalogue.versions(code)
        return render(
            "catalogue_item.html", principal=principal, csrf=console.for_session(principal), code=code,
            versions=sorted(rows, key=lambda i: i.version, reverse=True), done=done,
            has_draft=any(i.status == "draft" for i in rows),
        )  # fmt: skip

    @post("/{code:str}/draft", errors=(ItemNotFound, DraftExists, CatalogueFormInvalid, *_FORM))
    async def draft(
        self, request: AnyRequest, code: Code, catalogue: Catalogue, principal: Caller, console: Console
    ) -> Redirect:
        await session_form(request, principal, console)
        latest = max(await catalogue.versions(code), key=lambda i: i.version)
        row = await catalogue.draft(latest.definition, by=principal.subject)
        return Redirect(
            f"/console/catalogue/{code}/versions/{row.version}?done=drafted:{code}", status_code=303
        )

    @get("/{code:str}/versions/{version:int}", errors=(ItemNotFound,))
    async def version(
        self, code: Code, version: Version, catalogue: Catalogue, principal: Caller, console: Console,
        held: Held, done: Done = None,
    ) -> Response[str]:  # fmt: skip
        item = await catalogue.version(code, version)
        kept = await held.take(principal, code, version) if item.status == "draft" else None
        if kept is not None:
            values = {**draft_values(item.definition), **{k: v for k, v in kept.items() if k in DRAFT_FIELDS}}
            return _version_page(item, principal, console, held, values=values, restored=True)
        return _version_page(item, principal, console, held, done=done)

    @post(
        "/{code:str}/versions/{version:int}",
        errors=(ItemNotFound, VersionPublished, CatalogueFormInvalid, *_FORM),
    )
    async def save(
        self, request: AnyRequest, code: Code, version: Version, catalogue: Catalogue, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        fields = await session_form(request, principal, console, long=LONG)
        item = await catalogue.version(code, version)
        await catalogue.edit(code, version, edited(item.definition, fields), by=principal.subject)
        return Redirect(f"/console/catalogue/{code}/versions/{version}?done=saved:{code}", status_code=303)

    @get("/{code:str}/versions/{version:int}/preview", errors=(ItemNotFound,))
    async def preview(
        self, code: Code, version: Version, catalogue: Catalogue, principal: Caller, console: Console
    ) -> Response[str]:
        item = await catalogue.version(code, version)
        return render(
            "catalogue_preview.html", principal=principal, csrf=console.for_session(principal), item=item,
            steps=preview(item.definition.form),
        )  # fmt: skip

    @post("/{code:str}/versions/{version:int}/publish", errors=(ItemNotFound, VersionPublished, *_FORM))
    async def publish(
        self, request: AnyRequest, code: Code, version: Version, catalogue: Catalogue, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        await catalogue.publish(code, version, by=principal.subject)
        return Redirect(f"/console/catalogue/{code}?done=published:{code}", status_code=303)


@post("/console/held", access=ANYONE, errors=(FormInvalid,))
async def held(request: AnyRequest, held: Held) -> Redirect:
    """A draft posted after its session lapsed: its fields kept for its member (``backend.console.held``),
    then on through renewal or sign-in back to the draft, where they are put back in the form."""
    fields = await held_form(request, long=LONG)
    page = await held.hold(fields.pop("hold", ""), {k: v for k, v in fields.items() if k in DRAFT_FIELDS})
    return Redirect(f"{PATH}/renew?next={quote(page or PATH, safe='/')}", status_code=303)
