"""The service catalogue: no citizen's data."""

from __future__ import annotations

from backend.catalogue.tables import ServiceItemVersion
from backend.personal_data import PersonalData

PERSONAL_DATA = PersonalData(unrelated={ServiceItemVersion: "service items operators publish"})
