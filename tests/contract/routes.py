"""The app's operations, read from its route table: method, path template, the inputs each takes.

Every contract test walks ``operations(app)``, so a route that lands later (a new feature's folder,
a line in ``FEATURES``) is covered with no edit here. What a route takes comes from Litestar's own
kwargs model for the handler (the same one that extracts the values at request time): its path
parameters and their types, its query and header parameters (a dependency's too), and its body.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.routes import HTTPRoute
from litestar.types.internal_types import PathParameterDefinition

from backend.access import PAGE

# Methods with nothing of ours behind them: Litestar answers OPTIONS (CORS) and HEAD itself.
_SKIPPED_METHODS = frozenset({"OPTIONS", "HEAD"})


@dataclass(frozen=True)
class Param:
    """A query or header parameter: the name on the wire, the declared type, required or not."""

    name: str
    annotation: Any
    required: bool
    sequence: bool


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # Litestar's path, typed parameters included: /api/v1/admin/scanners/{device_id:uuid}
    path_params: tuple[PathParameterDefinition, ...]
    query: tuple[Param, ...]
    headers: tuple[Param, ...]
    body: Any | None  # the declared type of ``data``, when the route takes a JSON body
    body_encoding: str | None  # "json", or the form / msgpack encoding Litestar reads it as
    documented: bool  # part of the API (in the OpenAPI document), not the docs UI or /metrics
    page: bool  # a browser page (the staff console: HTML, forms, a cookie session), not the API's
    handler: str = field(compare=False)

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def takes_input(self) -> bool:
        return bool(self.path_params or self.query or self.headers or self.body_encoding)

    def path(self, **values: str) -> str:
        """The path with each parameter filled: ``values`` by name, else a valid example."""
        path = self.template
        for param in self.path_params:
            value = values.get(param.name, example_path_value(param))
            path = path.replace("{" + param.full + "}", value)
        return path


def example_path_value(param: PathParameterDefinition) -> str:
    if param.type is uuid.UUID:
        return str(uuid.uuid4())
    if param.type is int:
        return "1"
    if param.type is float:
        return "1.5"
    return "a"


def _params(kwargs_model: Any, attribute: str, annotations: dict[str, Any]) -> tuple[Param, ...]:
    found = [
        Param(
            name=definition.field_alias,
            annotation=annotations.get(definition.field_name, str),
            required=definition.is_required,
            sequence=definition.is_sequence,
        )
        for definition in getattr(kwargs_model, attribute)
    ]
    return tuple(sorted(found, key=lambda p: p.name))


def api_operations(app: Litestar) -> list[Operation]:
    """``operations`` but the browser pages (``Operation.page``): the staff console's pages answer
    forms with pages and redirects, and are walked by their own suite (tests/console)."""
    return [op for op in operations(app) if not op.page]


def operations(app: Litestar) -> list[Operation]:
    """Every HTTP operation of ``app`` but Litestar's own OPTIONS and HEAD, in path order. Mounted
    ASGI apps (the government sandbox at ``/_sandbox``) are not ours and are left out."""
    found: list[Operation] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, kwargs_model) in route.route_handler_map.items():
            if method in _SKIPPED_METHODS:
                continue
            signature = handler.parsed_fn_signature.parameters
            annotations = {name: f.annotation for name, f in signature.items()}
            data = signature.get("data")
            encoding = None
            if kwargs_model.expected_form_data is not None:
                encoding = str(kwargs_model.expected_form_data[0])
            elif kwargs_model.expected_msgpack_data is not None:
                encoding = RequestEncodingType.MESSAGEPACK
            elif "data" in kwargs_model.expected_reserved_kwargs:
                encoding = "json"
            found.append(
                Operation(
                    method=method,
                    template=route.path,
                    path_params=tuple(route.path_parameters.values()),
                    query=_params(kwargs_model, "expected_query_params", annotations),
                    headers=_params(kwargs_model, "expected_header_params", annotations),
                    body=data.annotation if data is not None else None,
                    body_encoding=encoding,
                    documented=handler.resolve_include_in_schema() and not route.path.startswith("/schema"),
                    page=bool(handler.opt.get(PAGE)),
                    handler=handler.handler_name,
                )
            )
    return sorted(found, key=lambda op: (op.template, op.method))
