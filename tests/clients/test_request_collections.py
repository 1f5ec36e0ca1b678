"""The request collections (clients/http/*.http) name routes the app serves, with their methods: a
renamed or removed route fails here instead of in a developer's editor."""

from __future__ import annotations

import json
import re

from miniprogram_api.openapi_export import DOCUMENT
from tests.clients.node import CLIENTS

_REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) \{\{base\}\}(\S+)", re.M)
_VARIABLE = re.compile(r"\{\{[^}]+\}\}|<[^>]+>|\{[a-z_]+\}")


def _shape(path: str) -> str:
    return _VARIABLE.sub("{}", path.split("?", 1)[0])


def test_every_request_names_a_route_of_the_app() -> None:
    document = json.loads(DOCUMENT.read_text())
    served = {
        (method.upper(), _shape(path))
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    files = sorted((CLIENTS / "http").glob("*.http"))
    assert len(files) >= 7
    for file in files:
        requests = _REQUEST.findall(file.read_text())
        assert requests, file.name
        for method, path in requests:
            if path.startswith("/_sandbox/"):
                continue  # the sandbox's control routes are not part of the API
            assert (method, _shape(path)) in served, f"{file.name}: {method} {path} is no route of the app"
