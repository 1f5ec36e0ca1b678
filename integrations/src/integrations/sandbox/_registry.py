"""System name → twin factory. Adding a twin is one line here (see the README)."""

from __future__ import annotations

from integrations._twin import TwinFactory
from integrations.cases import twin as cases
from integrations.credit import twin as credit
from integrations.elicence import twin as elicence
from integrations.population import twin as population
from integrations.sms import twin as sms

TWINS: dict[str, TwinFactory] = {
    "population": population.create_twin,
    "sms": sms.create_twin,
    "elicence": elicence.create_twin,
    "credit": credit.create_twin,
    "cases": cases.create_twin,
}
