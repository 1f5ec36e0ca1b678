"""System name → twin factory. Adding a twin is one line here (see the README)."""

from __future__ import annotations

from integrations._twin import TwinFactory

TWINS: dict[str, TwinFactory] = {}
