"""The hotel's dates and money rules, pure: a stay's nights, when self check-in is open, and what a
cancellation costs. Hotels keep local (China Standard) time."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
MAX_NIGHTS = 30
BOOK_AHEAD_DAYS = 180


def local_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def nights_of(arrival: date, departure: date) -> list[str]:
    return [(arrival + timedelta(days=n)).isoformat() for n in range((departure - arrival).days)]


def stay_is_valid(arrival: date, departure: date, *, now: datetime) -> bool:
    today = local_today(now)
    nights = (departure - arrival).days
    return 1 <= nights <= MAX_NIGHTS and today <= arrival <= today + timedelta(days=BOOK_AHEAD_DAYS)


def check_in_open(arrival: str, departure: str, *, now: datetime) -> bool:
    """From the day of arrival up to (not including) the day of departure, local time."""
    return date.fromisoformat(arrival) <= local_today(now) < date.fromisoformat(departure)


def free_cancel_until(arrival: str, *, check_in_minute: int, free_cancel_hours: int) -> datetime:
    """The last moment a cancellation is free: ``free_cancel_hours`` before check-in time on the day
    of arrival."""
    check_in = datetime.combine(date.fromisoformat(arrival), datetime.min.time(), CHINA)
    return check_in + timedelta(minutes=check_in_minute) - timedelta(hours=free_cancel_hours)


def cancellation_fee(
    *, amount_fen: int, nights: int, late_fee_percent: int, now: datetime, free_until: datetime
) -> int:
    """Nothing until ``free_until``; then ``late_fee_percent`` of the first night (rounded down to
    the fen), never more than was paid."""
    if now <= free_until:
        return 0
    first_night = amount_fen // nights
    return min(amount_fen, first_night * late_fee_percent // 100)
