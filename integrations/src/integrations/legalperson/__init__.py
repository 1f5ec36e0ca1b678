"""The legal-person registry (法人库): organisations by unified social credit code, and whether a person
is an organisation's legal representative."""

from integrations.legalperson.client import LegalPersonClient
from integrations.legalperson.schemas import (
    Organisation,
    OrganisationKind,
    RegistrationStatus,
    RepresentativeCheck,
    RepresentativeVerdict,
)
from integrations.legalperson.twin import SANDBOX_ORGANISATIONS

__all__ = [
    "SANDBOX_ORGANISATIONS",
    "LegalPersonClient",
    "Organisation",
    "OrganisationKind",
    "RegistrationStatus",
    "RepresentativeCheck",
    "RepresentativeVerdict",
]
