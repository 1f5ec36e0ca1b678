"""Gate scanner devices: no citizen's data."""

from __future__ import annotations

from backend.personal_data import PersonalData
from backend.scanner.tables import ScannerDevice

PERSONAL_DATA = PersonalData(unrelated={ScannerDevice: "registered gate devices"})
