"""E-licence library (电子证照库): a person's licences; one licence with its seal; the feed of
status changes (revocations, suspensions, expiries)."""

from integrations.elicence.client import ElicenceClient
from integrations.elicence.identifier import (
    LICENCE_OID_PREFIX,
    check_licence_identifier,
    licence_check_char,
    make_licence_identifier,
)
from integrations.elicence.schemas import (
    Licence,
    LicenceChange,
    LicenceChanges,
    LicenceStatus,
    LicenceSummary,
    SealInfo,
)

__all__ = [
    "LICENCE_OID_PREFIX",
    "ElicenceClient",
    "Licence",
    "LicenceChange",
    "LicenceChanges",
    "LicenceStatus",
    "LicenceSummary",
    "SealInfo",
    "check_licence_identifier",
    "licence_check_char",
    "make_licence_identifier",
]
