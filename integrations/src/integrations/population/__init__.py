"""Population registry (人口库): verify (name, ID number) and read basic attributes."""

from integrations.population.client import PopulationClient
from integrations.population.schemas import PersonAttributes, VerifyOutcome

__all__ = ["PersonAttributes", "PopulationClient", "VerifyOutcome"]
