"""Population registry (人口库): verify (name, ID number), read basic attributes and the household
register (户籍) a person is on."""

from integrations.population.client import PopulationClient
from integrations.population.schemas import Household, HouseholdMember, PersonAttributes, VerifyOutcome

__all__ = ["Household", "HouseholdMember", "PersonAttributes", "PopulationClient", "VerifyOutcome"]
