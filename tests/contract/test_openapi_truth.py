"""The OpenAPI document tells the whole truth, for every operation the app serves (later features
included, with no edit here): each error status with problem+json and exactly the declared codes,
Retry-After where a client must wait, the security of the route's ``access``, strict bodies."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar, post
from litestar.params import JSONBody
from litestar.routes import HTTPRoute

from backend.access import ANYONE, declared, http_handlers
from backend.auth.principal import CITIZEN_SCOPES, STAFF_ACCOUNT_SCOPE, STAFF_SCOPE
from backend.problem_codes import catalogue
from backend.scanner.errors import ScannerNotFound
from backend.scanner.service import DEVICE_SCOPE
from backend.staff.schemas import StaffCreate
from tests.backend.conftest import http_client
from tests.services import Services, app_with

CODES = {entry.code: entry for entry in catalogue()}


@pytest.fixture(scope="module")
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "put", "post", "delete", "patch"}
    ]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_error_is_problem_json_with_exactly_its_codes(document: dict[str, Any]) -> None:
    operations = _operations(document)
    assert len(operations) >= 30
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        errors = {
            status: response for status, response in operation["responses"].items() if int(status) >= 400
        }
        assert "500" in errors, f"{where} does not say it can fail"
        for status, response in errors.items():
            assert set(response["content"]) == {"application/problem+json"}, where
            schema = response["content"]["application/problem+json"]["schema"]
            assert schema["allOf"][0] == {"$ref": "#/components/schemas/Problem"}, where
            codes = schema["allOf"][1]["properties"]["code"]["enum"]
            assert codes, where
            for code in codes:
                assert CODES[code].status == int(status), f"{where}: {code} is a {CODES[code].status}"
                assert f"`{code}`" in response["description"], where
            if status in ("429", "503"):
                assert "Retry-After" in response["headers"], where
        unauthenticated = errors.get("401", {}).get("description", "")
        assert ("security" in operation) == ("`auth.token_missing`" in unauthenticated), (
            f"{where}: auth.token_missing exactly where a token is asked for"
        )
        if operation.get("requestBody"):
            assert {"400", "413", "415"} <= errors.keys(), f"{where} takes a body"


def test_documents_follow_the_declarations_of_every_route(app: Litestar, document: dict[str, Any]) -> None:
    for route, method, handler in http_handlers(app):
        operation = document["paths"].get(route.path_format, {}).get(method.lower())
        if not handler.resolve_include_in_schema():
            assert operation is None
            continue
        assert operation is not None, f"{method} {route.path_format} is served but not documented"
        documented = {
            code
            for status, response in operation["responses"].items()
            if int(status) >= 400
            for code in response["content"]["application/problem+json"]["schema"]["allOf"][1]["properties"][
                "code"
            ]["enum"]
        }
        assert documented == {entry.code for entry in declared(handler, route).problems}
        access = declared(handler, route).access
        if access.anonymous:
            assert "security" not in operation
        else:
            schemes = {name for requirement in operation["security"] for name in requirement}
            expected = {"citizen": {"CitizenBearer"}, "staff": {"StaffBearer"}, "device": {"DeviceBearer"}}
            assert schemes == expected.get(access.kind, {"CitizenBearer", "StaffBearer", "DeviceBearer"})


def test_strict_bodies_say_so(document: dict[str, Any]) -> None:
    """Every request body (and every object inside one) refuses unknown fields, and says so."""
    seen: set[str] = set()

    def walk(schema: dict[str, Any]) -> None:
        for ref in _refs(schema):
            name = ref.rsplit("/", 1)[1]
            if name in seen:
                continue
            seen.add(name)
            component = document["components"]["schemas"][name]
            if component.get("type") == "object" and "properties" in component:
                assert component.get("additionalProperties") is False, f"{name} admits unknown fields"
            walk(component)

    for _path, _method, operation in _operations(document):
        body = operation.get("requestBody")
        # JSON bodies; a material upload's body is the file itself (binary: no fields to refuse).
        for media_type, content in (body or {}).get("content", {}).items():
            if media_type == "application/json":
                walk(content["schema"])
            else:
                assert content["schema"] == {"type": "string", "format": "binary"}, (_path, media_type)
    assert {"StaffCreate", "ScannerCreate", "RegisterRequest", "ScanUpload"} <= seen


def test_json_answers_document_their_shape(document: dict[str, Any]) -> None:
    """A success answered as JSON is documented by its schema, not as a string: a handler that
    returns pre-encoded bytes (an idempotent replay, an ETag) declares what the bytes hold, or every
    generated client types the answer wrong."""
    bare = [
        (method, path, status)
        for path, method, operation in _operations(document)
        for status, answer in operation.get("responses", {}).items()
        if status.startswith("2")
        and answer.get("content", {}).get("application/json", {}).get("schema") == {"type": "string"}
    ]
    assert bare == []


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        own = [schema["$ref"]] if "$ref" in schema else []
        return own + [ref for value in schema.values() for ref in _refs(value)]
    if isinstance(schema, list):
        return [ref for value in schema for ref in _refs(value)]
    return []


async def test_an_unknown_field_is_refused_as_the_document_says(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/sms-codes", json={"phone": "13800138000", "purpose": "login", "x": 1}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.invalid"


@pytest.mark.undeclared_problems
async def test_an_undeclared_answer_is_caught(services: Services, declared_problems_only: Any) -> None:
    @post("/probe/undeclared", sync_to_thread=False, access=ANYONE)
    def raises_undeclared(data: JSONBody[StaffCreate]) -> None:
        raise ScannerNotFound()

    app = app_with(services, raises_undeclared)
    async with http_client(app) as client:
        body = {"username": "probe", "display_name": "Probe", "role": "counter", "password": "x" * 16}
        response = await client.post("/probe/undeclared", json=body)
    # The client still gets the honest answer; the contract breach is what the suite catches.
    assert (response.status_code, response.json()["code"]) == (404, "scanner.not_found")
    assert any("scanner.not_found" in message for message in declared_problems_only.messages)


def test_no_body_field_shares_a_name_with_a_dependency(app: Litestar) -> None:
    """Litestar reports a body field's validation error under the field's name, and calls it a failed
    *dependency* (a 500) when a dependency has that name too: ``scans`` in a scan upload's body and a
    ``scans`` service answered 500 to ``{"scans": []}``. So the two name spaces stay apart."""
    for route, method, handler in http_handlers(app):
        data = handler.parsed_fn_signature.parameters.get("data")
        if data is None:
            continue
        fields = {name for struct in _structs(data.annotation) for name in struct.__struct_fields__}
        assert fields, f"{method} {route.path_format}: no body struct found"
        clash = fields & set(handler.resolve_dependencies())
        assert not clash, f"{method} {route.path_format}: body fields {clash} are also dependency names"


def _structs(annotation: Any) -> list[Any]:
    """The msgspec structs a body annotation names (through Annotated and unions)."""
    if hasattr(annotation, "__struct_fields__"):
        return [annotation]
    return [struct for arg in getattr(annotation, "__args__", ()) for struct in _structs(arg)]


async def test_options_lists_every_method_of_the_path(
    app: Litestar, client: httpx.AsyncClient, services: Services
) -> None:
    """``Allow`` names every method of the path (schemathesis's allow_header_conformance found
    ``POST /admin/scanners`` missing from it); OPTIONS is asked with a token the path admits."""
    tokens = [
        await services.tokens.issue_access("citizen", uuid.uuid4(), scopes=CITIZEN_SCOPES, client_id="t"),
        await services.tokens.issue_access(
            "staff",
            uuid.uuid4(),
            scopes=(STAFF_SCOPE, STAFF_ACCOUNT_SCOPE),
            roles=("operator",),
            client_id="t",
        ),
        await services.tokens.issue_access("device", uuid.uuid4(), scopes=(DEVICE_SCOPE,), client_id="t"),
        *[
            await services.tokens.issue_access(
                "staff", uuid.uuid4(), scopes=(STAFF_SCOPE, STAFF_ACCOUNT_SCOPE), roles=(role,), client_id="t"
            )
            for role in ("school", "publisher", "reviewer")
        ],
    ]
    checked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "{" in route.path_format or len(route.methods) < 3:
            continue
        if not any(handler.resolve_include_in_schema() for handler in route.route_handlers):
            continue  # not the API's: a console page answers browsers' forms, not CORS preflights
        answers = [
            await client.options(route.path_format, headers={"authorization": f"Bearer {token.token}"})
            for token in tokens
        ]
        allowed = [response for response in answers if response.status_code == 204]
        assert allowed, route.path_format
        assert set(allowed[0].headers["allow"].split(", ")) == set(route.methods), route.path_format
        checked += 1
    assert checked >= 3
