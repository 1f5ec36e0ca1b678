"""The outbox names no citizen: a job is keyed by the record it delivers. Payloads are sealed; a
feature whose payloads carry personal data empties its closed citizens' finished ones at closure
(``Outbox.forget``, e.g. ``backend.application.privacy``)."""

from __future__ import annotations

from backend.outbox.tables import OutboxJob
from backend.personal_data import PersonalData

PERSONAL_DATA = PersonalData(
    unrelated={OutboxJob: "deliveries keyed by record; personal payloads emptied by their feature at closure"}
)
