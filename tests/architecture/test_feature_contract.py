"""The feature contract (tests/architecture/contracts.py) on small import graphs: it keeps the good
shape and breaks on each way of reaching past a feature's services."""

from __future__ import annotations

import grimp
import pytest

from tests.architecture.contracts import FeatureContract


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for module in (
        "backend",
        "backend.app",
        "backend.database",
        "backend.citizen",
        "backend.citizen.feature",
        "backend.citizen.service",
        "backend.citizen.repository",
        "backend.citizen.tables",
        "backend.code",
        "backend.code.feature",
        "backend.code.service",
        "backend.code.controller",
        "backend.code.schemas",
        "miniprogram_api",
        "miniprogram_api.controller",
    ):
        graph.add_module(module)
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported)
    return graph


def _broken(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    contract = FeatureContract(name="features", session_options={}, contract_options={"root": "backend"})
    check = contract.check(graph, verbose=False)
    return [(item["importer"], item["imported"]) for item in check.metadata["broken"]]


def test_features_meeting_through_services_keep_the_contract() -> None:
    graph = _graph(
        ("backend.code.service", "backend.citizen.service"),
        ("backend.citizen.service", "backend.citizen.repository"),
        ("backend.citizen.repository", "backend.citizen.tables"),
        ("backend.citizen.service", "backend.database"),
        ("backend.app", "backend.code.feature"),
        ("miniprogram_api.controller", "backend.citizen.service"),
        ("backend.code.controller", "backend.code.schemas"),
    )
    assert _broken(graph) == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("backend.code.service", "backend.citizen.repository"),
        ("backend.code.service", "backend.citizen.tables"),
        ("backend.citizen.service", "backend.code.controller"),
        ("miniprogram_api.controller", "backend.citizen.repository"),
        ("backend.database", "backend.citizen.service"),
        ("backend.code.service", "backend.code.schemas"),
    ],
)
def test_reaching_past_a_feature_service_breaks_the_contract(importer: str, imported: str) -> None:
    assert _broken(_graph((importer, imported))) == [(importer, imported)]
