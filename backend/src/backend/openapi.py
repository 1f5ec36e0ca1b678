"""The OpenAPI document tells the whole truth: each operation's problems, security and strict bodies.

Litestar generates the operations from the routes; ``install`` adds, once, when the document is first
asked for:

- per operation, each status it can answer, as ``application/problem+json`` whose ``code`` is an
  enum of exactly the codes the route declares or implies (``backend.access.declared``), with
  ``Retry-After`` on 429 and 503 and ``WWW-Authenticate`` on 401;
- per operation, the security requirement its ``access`` names (citizen, staff with roles, device
  with scopes, or none);
- ``additionalProperties: false`` on every body struct that refuses unknown fields
  (``StrictStructSchemaPlugin``), so a generated client knows an extra field is an error;
- ``components.schemas.Problem``, the RFC 9457 body every error response refers to;
- no invented examples (only the fields' own ``Meta(examples=...)``);
- the common fields' descriptions where a field has none (``backend.openapi_docs``).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.typing import FieldDefinition

from backend.access import Access, declared, http_handlers
from backend.openapi_docs import describe_common
from backend.problem_codes import ProblemCode, catalogue
from backend.problems import PROBLEM_JSON

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator

PROBLEM_REF = "#/components/schemas/Problem"
_SCHEMES = {"citizen": "CitizenBearer", "staff": "StaffBearer", "device": "DeviceBearer"}

# One bearer scheme per kind of caller; each operation names the one its ``access`` admits, so a
# client knows which token to send.
SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    "CitizenBearer": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT (RFC 9068 at+jwt)",
        description="A citizen's access token (POST /api/v1/auth/token or the mini-program login)",
    ),
    "StaffBearer": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT (RFC 9068 at+jwt)",
        description="A staff member's access token (POST /api/v1/staff/token); roles listed per operation",
    ),
    "DeviceBearer": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT (RFC 9068 at+jwt)",
        description="A scanner's access token (POST /api/v1/scanner/token); scopes listed per operation",
    ),
}


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's msgspec schema, plus ``additionalProperties: false`` for a struct declared with
    ``forbid_unknown_fields=True`` (every request body here): the decoder refuses unknown fields, so
    the document must not allow them."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType):
            registered = schema_creator.schema_registry.get_schema_for_field_definition(field_definition)
            for struct_field in info.fields:
                documented = (registered.properties or {}).get(struct_field.encode_name)
                if isinstance(documented, Schema):
                    _nested_constraints(documented, struct_field.type)
            if info.forbid_unknown_fields:
                registered.additional_properties = False
                if isinstance(schema, Schema):
                    schema.additional_properties = False
        return schema


def _scalar_constraints(schema: Schema, t: msgspec.inspect.Type) -> None:
    """Copy a string's constraints onto ``schema``: what Litestar documents for a struct's own fields
    but drops inside a list or a dict (``list[Annotated[str, Meta(pattern=...)]]``)."""
    inner = t.type if isinstance(t, msgspec.inspect.Metadata) else t
    if isinstance(inner, msgspec.inspect.StrType):
        if schema.min_length is None:
            schema.min_length = inner.min_length
        if schema.max_length is None:
            schema.max_length = inner.max_length
        schema.pattern = schema.pattern or inner.pattern


def _nested_constraints(schema: Schema, t: msgspec.inspect.Type) -> None:
    """The constraints of a field's list items, dict keys and dict values, which the decoder enforces
    and the document must therefore say (schemathesis and the bad-input suite hold us to it)."""
    inner = t.type if isinstance(t, msgspec.inspect.Metadata) else t
    if isinstance(inner, msgspec.inspect.UnionType):
        for member in inner.types:
            _nested_constraints(schema, member)
        return
    if isinstance(inner, msgspec.inspect.ListType | msgspec.inspect.SetType | msgspec.inspect.FrozenSetType):
        if schema.min_items is None and inner.min_length is not None:
            schema.min_items = inner.min_length
        if schema.max_items is None and inner.max_length is not None:
            schema.max_items = inner.max_length
        if isinstance(schema.items, Schema):
            _scalar_constraints(schema.items, inner.item_type)
            _nested_constraints(schema.items, inner.item_type)
    elif isinstance(inner, msgspec.inspect.DictType):
        if isinstance(schema.additional_properties, Schema):
            _scalar_constraints(schema.additional_properties, inner.value_type)
            _nested_constraints(schema.additional_properties, inner.value_type)
        key = inner.key_type.type if isinstance(inner.key_type, msgspec.inspect.Metadata) else inner.key_type
        if isinstance(key, msgspec.inspect.StrType) and (key.pattern or key.min_length or key.max_length):
            names = Schema(type=OpenAPIType.STRING)
            _scalar_constraints(names, key)
            schema.property_names = names
        if inner.min_length is not None:
            schema.min_properties = inner.min_length
        if inner.max_length is not None:
            schema.max_properties = inner.max_length


def problem_schema() -> Schema:
    """The RFC 9457 body; ``code`` lists every code of the catalogue (each response narrows it)."""
    return Schema(
        type=OpenAPIType.OBJECT,
        description=f"RFC 9457 problem details, answered as {PROBLEM_JSON}.",
        required=["type", "title", "status", "code"],
        properties={
            "type": Schema(type=OpenAPIType.STRING, description="`urn:suqian:problem:<code>`"),
            "title": Schema(
                type=OpenAPIType.STRING,
                description="A short summary of the kind of problem, in English (`Not found`, `Conflict`, "
                "`Invalid`…); branch on `code`, not on it",
                examples=["Not found"],
            ),
            "status": Schema(type=OpenAPIType.INTEGER, description="The HTTP status, repeated"),
            "code": Schema(
                type=OpenAPIType.STRING,
                enum=[entry.code for entry in catalogue()],
                description="The stable code clients branch on (status, meaning and what a client should "
                "do for each: docs/errors.md)",
            ),
            "detail": Schema(
                type=OpenAPIType.STRING,
                description="What went wrong this time, for a person; don't parse it, branch on `code`",
            ),
            "instance": Schema(type=OpenAPIType.STRING, description="The request path"),
            "request_id": Schema(type=OpenAPIType.STRING, description="Also the X-Request-ID header"),
            "errors": Schema(
                type=OpenAPIType.ARRAY,
                items=Schema(type=OpenAPIType.OBJECT),
                description="request.invalid: the fields that failed validation",
            ),
            "extra": Schema(type=OpenAPIType.OBJECT, description="Context of the code"),
        },
    )


_RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER, minimum=0),
    description="Seconds to wait before trying again",
)
_WWW_AUTHENTICATE = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING), description="`Bearer`, with `error=` when a token was refused"
)


def _problem_response(status: int, entries: list[ProblemCode]) -> OpenAPIResponse:
    titles = sorted({entry.title for entry in entries})
    lines = "\n".join(f"- `{entry.code}`: {entry.description}" for entry in entries)
    headers: dict[str, OpenAPIHeader | Reference] = {}
    if status in (429, 503):
        headers["Retry-After"] = _RETRY_AFTER
    if status == 401:
        headers["WWW-Authenticate"] = _WWW_AUTHENTICATE
    narrowed = Schema(
        all_of=[
            Reference(ref=PROBLEM_REF),
            Schema(
                type=OpenAPIType.OBJECT,
                properties={"code": Schema(type=OpenAPIType.STRING, enum=[entry.code for entry in entries])},
            ),
        ]
    )
    return OpenAPIResponse(
        description=f"{' / '.join(titles)}:\n{lines}",
        content={PROBLEM_JSON: OpenAPIMediaType(schema=narrowed)},
        headers=headers or None,
    )


def _security(access: Access) -> list[dict[str, list[str]]] | None:
    if access.anonymous:
        return None
    if access.kind == "authenticated":
        return [{scheme: []} for scheme in _SCHEMES.values()]
    # OpenAPI 3.1 lets a non-OAuth requirement list roles: staff roles, device scopes.
    # (A citizen's token always holds the citizen scope: nothing to list.)
    needs = {"staff": sorted(access.roles), "device": list(access.scopes)}.get(access.kind, [])
    return [{_SCHEMES[access.kind]: needs}]


def _operation(openapi: OpenAPI, path: str, method: str) -> Operation | None:
    item = (openapi.paths or {}).get(path)
    return getattr(item, method.lower(), None) if item is not None else None


def document(openapi: OpenAPI, app: Litestar) -> OpenAPI:
    """Add what ``install`` promises to ``openapi`` (Litestar's document of ``app``), in place."""
    openapi.components.schemas["Problem"] = problem_schema()
    for route, method, handler in http_handlers(app):
        operation = _operation(openapi, route.path_format or "/", method)
        if operation is None:
            continue
        declaration = declared(handler, route)
        by_status: dict[int, list[ProblemCode]] = defaultdict(list)
        for entry in declaration.problems:
            by_status[entry.status].append(entry)
        responses: dict[str, Any] = {
            status: response
            for status, response in (operation.responses or {}).items()
            if status.startswith(("2", "3"))
        }
        for status in sorted(by_status):
            responses[str(status)] = _problem_response(status, by_status[status])
        operation.responses = responses
        operation.security = _security(declaration.access)
    describe_common(openapi)
    return openapi


class _DocumentedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's plugin, completing its document once (``document``) the first time it is built."""

    __slots__ = ()

    def provide_openapi(self) -> OpenAPI:
        fresh = self._openapi is None
        openapi = super().provide_openapi()
        return document(openapi, self.app) if fresh else openapi


def install(app: Litestar) -> None:
    """Make ``app``'s OpenAPI document the documented one. Litestar builds the document lazily, on
    the first request for it, from the plugin it created for the app (its routes serving the document
    hold that very object); the plugin becomes ``_DocumentedOpenAPIPlugin``, same state and slots, so
    the completed document is built once and only when asked for, not at every start."""
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = _DocumentedOpenAPIPlugin
    # A ``ResponseSpec`` makes Litestar invent examples with random filler (``"label":
    # "GDkNbiAFVtQypXzKpUyc"``, new dates at each build): worse than none, and the document would
    # differ from one build to the next. The examples we mean are the fields' own.
    for _route, _method, handler in http_handlers(app):
        if handler.responses:
            handler.responses = {
                status: dataclasses.replace(spec, generate_examples=False)
                for status, spec in handler.responses.items()
            }


__all__ = ["SECURITY_SCHEMES", "StrictStructSchemaPlugin", "document", "install", "problem_schema"]
