"""When a reader is due (pure): their local delivery hour, in their time zone, after the edition exists.

A reader is due at their local delivery hour on the first day the edition exists by then. If the
edition comes out after today's delivery hour but less than ``LATE_GRACE`` later, they get it as soon
as it is ready (late, but the same morning) rather than a day later. arXiv announces at 20:00 New
York: the edition (prepared 20:30) reaches a 07:00 reader in Berlin at 07:00 (02:30 there when
prepared), in Shanghai at 08:30 (prepared 1.5 h after their 07:00: same morning), and in New York
the next morning at 07:00 (13.5 h after their 07:00: not 21:00 the evening before). Weekly readers
are due at that time only on their weekday.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from subscribers.models import due_on

LATE_GRACE = timedelta(hours=6)


def first_delivery_after(prepared_at: datetime, tz: str, hour: int) -> datetime:
    """When a reader with local delivery ``hour`` in ``tz`` gets an edition prepared at ``prepared_at``."""
    local = prepared_at.astimezone(ZoneInfo(tz))
    slot = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if slot >= local:
        return slot
    if local - slot <= LATE_GRACE:
        return local  # a little late for today's slot: now rather than tomorrow
    return (local + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)


def due_at(
    prepared_at: datetime, *, tz: str, hour: int, frequency: str = "daily", weekly_day: str | None = None
) -> datetime:
    """When this reader should get the edition prepared at ``prepared_at``."""
    when = first_delivery_after(prepared_at, tz, hour)
    for _ in range(7):
        if due_on(when.date(), frequency, weekly_day):  # `when` is local to the reader
            return when
        when = (when + timedelta(days=1)).astimezone(ZoneInfo(tz)).replace(hour=hour, minute=0, second=0, microsecond=0)
    raise ValueError(f"no delivery day in a week for frequency {frequency!r} on {weekly_day!r}")


def is_due(
    now: datetime,
    prepared_at: datetime,
    *,
    tz: str,
    hour: int,
    frequency: str = "daily",
    weekly_day: str | None = None,
    next_prepared_at: datetime | None = None,
) -> bool:
    """Due now: their delivery time for this edition has come (and, for weekly readers, it came
    before the next edition replaced this one as the latest)."""
    when = due_at(prepared_at, tz=tz, hour=hour, frequency=frequency, weekly_day=weekly_day)
    return when <= now and (next_prepared_at is None or when < next_prepared_at)
