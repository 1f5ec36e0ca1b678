"""The authorization matrix, generated from the route table: every route × every kind of caller.

For each route the app serves and each caller below, the answer must match the route's ``access``
declaration (``backend.access``): a caller it admits never meets a guard's refusal; an anonymous caller
it does not admit gets 401 ``auth.token_missing``; a signed-in caller of the wrong kind, role or scope
gets 403 with the guard's code. A console page reads its token from a cookie (``Access.cookie``):
the callers' tokens go there, a page sends a caller without one to renew the session or sign in
(never a page of data), and a bearer header that would be admitted elsewhere is no session there.
For every id a route declares owned (``owns=``), the object is made for citizen A (or a device of
venue X) and the route is called as citizen B (a device of venue Y): a 404, with the object untouched,
then as the owner: not a 404. Routes added by later features are covered by their declarations with
no edit here; an owned kind without a maker in ``owned.py`` fails.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

import httpx
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.routes import HTTPRoute

from backend.access import Access, RouteDeclarationError, declared, http_handlers
from backend.auth.principal import (
    ACTING_GRANT,
    ACTING_ORGANISATION,
    CITIZEN_SCOPES,
    STAFF_ACCOUNT_SCOPE,
    STAFF_SCOPE,
)
from backend.organisation.service import OrganisationService
from backend.scanner.service import DEVICE_SCOPE
from tests.backend.citizen.factories import register
from tests.backend.conftest import http_client
from tests.contract.callers import AUTH_REFUSALS
from tests.contract.examples import variants
from tests.contract.owned import ACTING_KINDS, MAKERS, unknown_id
from tests.contract.owner import Owner
from tests.services import Services, app_with

# What a staff login grants (backend.staff.login).
STAFF_SCOPES = (STAFF_SCOPE, STAFF_ACCOUNT_SCOPE)
FORBIDDEN = {
    "auth.wrong_principal_kind",
    "auth.insufficient_scope",
    "auth.missing_role",
    "auth.acting_not_admitted",
}
# What an agent acting for an organisation holds here: the representative's grant (every scope).
ACTING_SCOPES = ("apply", "pay", "licences")


@dataclass(frozen=True)
class Caller:
    name: str
    kind: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    context: dict[str, str] = field(default_factory=dict)
    phone: str | None = None
    # The agent scopes of a caller acting for an organisation (None: acting for themselves).
    acting: tuple[str, ...] | None = None


@dataclass
class World:
    client: httpx.AsyncClient
    services: Services
    callers: dict[str, Caller]

    async def headers(self, caller: Caller) -> dict[str, str]:
        """A fresh token per request: a route such as logout ends the token it is called with."""
        if caller.kind == "anonymous":
            return {}
        token = await self.services.tokens.issue_access(
            caller.kind,  # type: ignore[arg-type]
            caller.id,
            scopes=caller.scopes,
            roles=caller.roles,
            client_id="matrix",
            context=caller.context,
        )
        return {"authorization": f"Bearer {token.token}"}

    async def owner(self, caller: Caller) -> Owner:
        acting_for = caller.context.get(ACTING_ORGANISATION) if caller.acting is not None else None
        return Owner(
            kind=caller.kind,
            id=caller.id,
            headers=await self.headers(caller),
            phone=caller.phone,
            services=self.services,
            organisation=None if acting_for is None else uuid.UUID(acting_for),
        )


@pytest.fixture(scope="module")
async def world(app: Litestar, services: Services) -> AsyncIterator[World]:
    async with http_client(app) as client:
        # Real citizens: routes read their records.
        a, b = await register(client), await register(client)
        a_id = uuid.UUID(a["citizen"]["id"])
        b_id = uuid.UUID(b["citizen"]["id"])
        venue = {"scene": "library"}
        acting = {}
        for name, citizen_id, phone in (
            ("A", a_id, a["_person"]["phone"]),
            ("B", b_id, b["_person"]["phone"]),
        ):
            headers = await _own_headers(services, citizen_id)
            owner = Owner(kind="citizen", id=citizen_id, headers=headers, phone=phone, services=services)
            organisation_id = uuid.UUID(await MAKERS["organisation.organisation"](client, owner))
            _row, grant = await services.wiring.get(OrganisationService).get(citizen_id, organisation_id)
            acting[name] = Caller(
                f"agent of company {name}", "citizen", id=citizen_id, scopes=CITIZEN_SCOPES, phone=phone,
                context={ACTING_ORGANISATION: str(organisation_id), ACTING_GRANT: str(grant.id)},
                acting=ACTING_SCOPES,
            )  # fmt: skip
        callers = [
            Caller("anonymous", "anonymous"),
            Caller("citizen A", "citizen", id=a_id, scopes=CITIZEN_SCOPES, phone=a["_person"]["phone"]),
            Caller("citizen B", "citizen", id=b_id, scopes=CITIZEN_SCOPES, phone=b["_person"]["phone"]),
            Caller("citizen without scope", "citizen", id=a_id),
            Caller("staff operator", "staff", roles=("operator",), scopes=STAFF_SCOPES),
            Caller("staff counter", "staff", roles=("counter",), scopes=STAFF_SCOPES),
            # A login that still owes a password change or a second-factor enrolment.
            Caller("staff restricted to its account", "staff", scopes=(STAFF_ACCOUNT_SCOPE,)),
            Caller("device of venue X", "device", scopes=(DEVICE_SCOPE,), context={**venue, "venue": "X"}),
            Caller("device of venue Y", "device", scopes=(DEVICE_SCOPE,), context={**venue, "venue": "Y"}),
            Caller("device without scope", "device", context={**venue, "venue": "X"}),
            acting["A"],
            acting["B"],
        ]
        yield World(client=client, services=services, callers={caller.name: caller for caller in callers})


def _path(route: HTTPRoute, values: dict[str, str]) -> str:
    path = route.path_format
    for parameter in route.path_parameters.values():
        if parameter.name in values:
            value = values[parameter.name]
        elif parameter.type is uuid.UUID:
            value = unknown_id()
        elif parameter.type is int:
            value = "1"
        else:
            value = "x"
        path = path.replace("{" + parameter.name + "}", value)
    return path


async def _call(
    world: World, method: str, path: str, handler: HTTPRouteHandler, caller: Caller
) -> httpx.Response:
    headers = await world.headers(caller)
    access = handler.opt["access"]
    if access.cookie and headers:
        # A browser page: the caller's token in the page's cookie, and no bearer header (one would
        # be ignored there).
        token = headers.pop("authorization").removeprefix("Bearer ")
        headers["cookie"] = f"{access.cookie}={token}"
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is not None:
        # A schema-valid body (``{}`` would be refused before the handler, hiding its 404).
        bodies = variants(data.annotation)
        body = bodies[0][1] if bodies else {}
        return await world.client.request(method, path, headers=headers, json=body)
    return await world.client.request(method, path, headers=headers)


def _code(response: httpx.Response) -> str | None:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        code: str = response.json()["code"]
        return code
    if response.headers.get("content-type", "").startswith("text/html"):
        # A console problem page names its code (backend.console.problem_pages).
        found = re.search(r'data-problem-code="([a-z0-9_.]+)"', response.text)
        return found.group(1) if found else None
    return None


def _check(access: Access, caller: Caller, response: httpx.Response, where: str) -> None:
    code = _code(response)
    assert response.status_code < 500, f"{where} as {caller.name}: {response.status_code} {response.text}"
    if access.admits(caller.kind, caller.roles, caller.scopes, caller.acting):
        assert code not in AUTH_REFUSALS, f"{where} admits {caller.name}, yet answered {code}"
        if access.cookie:
            assert not _to_sign_in(response), f"{where} admits {caller.name}, yet sent them to sign in"
    elif caller.kind == "anonymous" and access.cookie:
        assert _to_sign_in(response), f"{where} let {caller.name} in: {response.status_code}"
    elif caller.kind == "anonymous":
        assert (response.status_code, code) == (401, "auth.token_missing"), f"{where} let {caller.name} in"
        assert response.headers["www-authenticate"].startswith("Bearer")
    else:
        assert response.status_code == 403, f"{where} let {caller.name} in: {code}"
        assert code in FORBIDDEN, f"{where} refused {caller.name} with {code}"


def _to_sign_in(response: httpx.Response) -> bool:
    """A console page without a session: 303 to ``/console/renew``, which signs in when it can't renew."""
    return response.status_code == 303 and response.headers["location"].startswith("/console/renew?next=")


def _owner_and_other(world: World, access: Access) -> tuple[Caller, Caller]:
    if access.kind == "citizen":
        return world.callers["citizen A"], world.callers["citizen B"]
    return world.callers["device of venue X"], world.callers["device of venue Y"]


async def test_every_route_answers_every_kind_of_caller_as_it_declares(app: Litestar, world: World) -> None:
    checked = 0
    routes = 0
    for route, method, handler in http_handlers(app):
        declaration = declared(handler, route)
        where = f"{method} {route.path_format}"
        routes += 1
        owned: dict[str, str] = {}
        for name, kind in declaration.owns.items():
            maker = MAKERS.get(kind)
            assert maker is not None, (
                f"{where} owns {name} of kind {kind!r}: add its maker to tests/contract/owned.py"
            )
            assert name in set(route.path_parameters), (
                f"{where} owns body field {name!r}: the matrix needs a body template for it"
            )
            owner, _other = _owner_and_other(world, declaration.access)
            owned[name] = await maker(world.client, await world.owner(owner))
        for caller in world.callers.values():
            if owned and declaration.access.admits(caller.kind, caller.roles, caller.scopes, caller.acting):
                continue  # owned routes are called by their owner and the other below, in that order
            response = await _call(world, method, _path(route, owned), handler, caller)
            _check(declaration.access, caller, response, where)
            checked += 1
        if declaration.access.cookie:
            bearer_only = await world.headers(world.callers["staff operator"])
            response = await world.client.request(method, _path(route, owned), headers=bearer_only)
            assert _to_sign_in(response), f"{where} took a bearer header for a console session"
            checked += 1
        if owned:
            owner, other = _owner_and_other(world, declaration.access)
            path = _path(route, owned)
            stranger = await _call(world, method, path, handler, other)
            assert stranger.status_code == 404, f"{where}: {other.name} reached {owner.name}'s object"
            mine = await _call(world, method, path, handler, owner)
            assert _got_further(mine, stranger), (
                f"{where}: {owner.name} could not reach their own object after {other.name}: {mine.text}"
            )
            checked += 2
        if owned and declaration.access.acting and set(declaration.owns.values()) <= ACTING_KINDS:
            checked += await _across_organisations(world, route, method, handler, declaration.owns)
    print(
        f"\nauthorization matrix: {routes} routes x {len(world.callers)} callers, {checked} answers checked"
    )
    # Every route of the app, each with every caller: a route the walk skipped would show here.
    assert routes >= 30
    assert checked >= routes * (len(world.callers) - 2)


async def _own_headers(services: Services, citizen_id: uuid.UUID) -> dict[str, str]:
    token = await services.tokens.issue_access(
        "citizen", citizen_id, scopes=CITIZEN_SCOPES, client_id="matrix"
    )
    return {"authorization": f"Bearer {token.token}"}


async def _across_organisations(
    world: World, route: HTTPRoute, method: str, handler: HTTPRouteHandler, owns: Mapping[str, str]
) -> int:
    """The route's objects made by an agent of company A (owned by A): an agent of company B gets
    their 404, the agent of A reaches them."""
    agent_a, agent_b = world.callers["agent of company A"], world.callers["agent of company B"]
    owner = await world.owner(agent_a)
    owned = {name: await MAKERS[kind](world.client, owner) for name, kind in owns.items()}
    path = _path(route, owned)
    where = f"{method} {route.path_format}"
    stranger = await _call(world, method, path, handler, agent_b)
    assert stranger.status_code == 404, f"{where}: an agent of company B reached company A's object"
    mine = await _call(world, method, path, handler, agent_a)
    assert _got_further(mine, stranger), f"{where}: company A's agent was refused: {mine.text}"
    return 2


def _got_further(mine: httpx.Response, stranger: httpx.Response) -> bool:
    """The owner passed where the stranger was stopped: not refused, and not the stranger's 404 (a
    404 of another kind is of something else the request names, e.g. a body's licence id)."""
    if mine.status_code in (401, 403):
        return False
    return mine.status_code != 404 or _code(mine) != _code(stranger)


async def test_a_route_without_a_declaration_never_serves(services: Services) -> None:
    from litestar import get

    @get("/probe/undeclared", sync_to_thread=False)
    def undeclared() -> dict[str, str]:
        return {}

    with pytest.raises(RouteDeclarationError, match="declares no access"):
        app_with(services, undeclared)


async def test_an_owned_id_must_be_on_a_route_of_a_citizen_or_a_device(services: Services) -> None:
    from litestar import get

    from backend.auth.guards import staff

    @get("/probe/{thing_id:uuid}", sync_to_thread=False, access=staff("operator"), owns={"thing_id": "x"})
    def staff_owns(thing_id: FromPath[uuid.UUID]) -> dict[str, str]:
        return {}

    with pytest.raises(RouteDeclarationError, match="only a citizen's or a device's route can own ids"):
        app_with(services, staff_owns)
