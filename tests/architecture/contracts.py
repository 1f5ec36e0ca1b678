"""A custom import-linter contract: backend features meet only through each other's services.

A *feature* is a package ``backend.<name>`` with a ``feature.py`` (its declaration); found in the
import graph, so a new feature folder is covered the day it lands. Two rules:

1. No module outside feature ``X`` (another feature, the shared infrastructure, the mini-program edge)
   imports ``X``'s ``repository``, ``tables``, ``controller`` or ``early`` — its private parts. Its services,
   schemas, errors, settings and domain modules are its public face.
2. The shared infrastructure (every other module of ``backend`` but the composition root
   ``backend.app`` and the entry point ``backend.__main__``) imports no feature at all: it stays
   below them.
3. Only the HTTP edge speaks in HTTP shapes: a feature's ``schemas`` (request and response Structs)
   are imported by controllers (a ``controller`` module, or the modules of a ``controller`` package),
   a feature's answers before routing (``early``: ``backend.early``) and other schemas only.
   Services take plain values and domain types and return domain types; the controller maps (ADR 5).

Registered in pyproject.toml as contract type ``features``; ``lint-imports`` runs it in the test
command.
"""

from __future__ import annotations

from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output

PRIVATE = ("repository", "tables", "controller", "early")
# Modules that may import a feature's schemas (rule 3): also the modules of a ``controller`` package.
EDGE = ("controller", "schemas", "early")
# Where everything is assembled; it imports every feature by design.
COMPOSITION = ("backend.app", "backend.__main__")


def _feature_of(module: str, features: set[str]) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 and ".".join(parts[:2]) in features else None


def _is_private(module: str, feature: str) -> bool:
    rest = module[len(feature) + 1 :].split(".")
    return bool(rest) and rest[0] in PRIVATE


class FeatureContract(Contract):
    type_name = "features"

    root = fields.StringField()

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        root = str(self.root)
        modules = graph.find_descendants(root)
        features = {m.rpartition(".")[0] for m in modules if m.endswith(".feature") and m.count(".") == 2}
        broken: list[dict[str, Any]] = []
        for importer in sorted(graph.modules):
            if importer.startswith(f"{root}.") and ".piccolo_migrations" in importer:
                continue
            own = _feature_of(importer, features)
            infrastructure = (
                importer.startswith(f"{root}.")
                and own is None
                and not any(importer == c or importer.startswith(f"{c}.") for c in COMPOSITION)
            )
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                target = _feature_of(imported, features)
                if target is None:
                    continue
                if (
                    own is not None
                    and imported.rpartition(".")[2] == "schemas"
                    and importer[len(own) + 1 :].split(".")[0] not in EDGE
                ):
                    broken.append(
                        {"importer": importer, "imported": imported, "rule": "HTTP shapes below the edge"}
                    )
                    continue
                if target == own:
                    continue
                rule = None
                if infrastructure:
                    rule = "shared infrastructure imports a feature"
                elif _is_private(imported, target):
                    rule = "reaches into another feature's private module"
                if rule is not None:
                    broken.append({"importer": importer, "imported": imported, "rule": rule})
        return ContractCheck(
            kept=not broken,
            metadata={"broken": broken, "features": sorted(features)},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            output.print_error(f"{item['importer']} -> {item['imported']} ({item['rule']})")
            output.new_line()
