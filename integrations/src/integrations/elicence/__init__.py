"""E-licence library (电子证照库): a person's licences; one licence with its seal."""

from integrations.elicence.client import ElicenceClient
from integrations.elicence.identifier import (
    LICENCE_OID_PREFIX,
    check_licence_identifier,
    licence_check_char,
    make_licence_identifier,
)
from integrations.elicence.schemas import Licence, LicenceStatus, LicenceSummary, SealInfo

__all__ = [
    "LICENCE_OID_PREFIX",
    "ElicenceClient",
    "Licence",
    "LicenceStatus",
    "LicenceSummary",
    "SealInfo",
    "check_licence_identifier",
    "licence_check_char",
    "make_licence_identifier",
]
