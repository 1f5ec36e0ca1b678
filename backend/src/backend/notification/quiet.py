"""Quiet hours: a window of Beijing wall-clock time (China keeps no daylight saving, so UTC+8 all
year) in which non-urgent notices wait. A window may cross midnight (22:00–07:00)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.notices import BEIJING

DAY = 24 * 60


def minutes(text: str) -> int:
    """``"22:00"`` → 1320."""
    hours, _, mins = text.partition(":")
    return int(hours) * 60 + int(mins)


def clock_text(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: int  # minutes after Beijing midnight
    end: int

    def wait(self, now: datetime) -> timedelta:
        """How long a notice made at ``now`` waits: until the window ends, or not at all."""
        if self.start == self.end:
            return timedelta(0)  # an empty window
        local = now.astimezone(BEIJING)
        at = local.hour * 60 + local.minute
        inside = self.start <= at < self.end if self.start < self.end else at >= self.start or at < self.end
        if not inside:
            return timedelta(0)
        end_today = local.replace(hour=self.end // 60, minute=self.end % 60, second=0, microsecond=0)
        end = end_today if end_today > local else end_today + timedelta(days=1)
        return end - local
