"""The one clock seam: every "now" and "today" in AcademicHub comes from a ``Clock`` built at the
entry point (CLI, flow, web app, test) and passed down; nothing below an entry point reads the wall
clock itself.

``ACADEMICHUB_NOW`` (an ISO 8601 instant) fixes the clock for a whole process: a replay of a past
day, or a test that runs the CLI or a flow in a subprocess. Unset: the system clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def as_utc(value: datetime) -> datetime:
    """An aware instant in UTC (a naive one is taken as UTC, as the databases store them)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Clock:
    """``now()`` in UTC; ``fixed_at`` set: always that instant."""

    fixed_at: datetime | None = None

    def now(self) -> datetime:
        return as_utc(self.fixed_at) if self.fixed_at is not None else datetime.now(UTC)

    def today(self, tz: str = "UTC") -> date:
        """Today's date in the time zone ``tz``."""
        return self.now().astimezone(ZoneInfo(tz)).date()

    def timestamp(self) -> int:
        """Seconds since the epoch (what signed links carry)."""
        return int(self.now().timestamp())


SYSTEM_CLOCK = Clock()


def fixed(at: datetime | str) -> Clock:
    """A clock stopped at ``at`` (an aware datetime or an ISO 8601 string; naive means UTC)."""
    return Clock(as_utc(datetime.fromisoformat(at) if isinstance(at, str) else at))


def clock_from(settings) -> Clock:
    """The clock the settings ask for: ``ACADEMICHUB_NOW``, or the system's."""
    return fixed(settings.now) if getattr(settings, "now", None) is not None else SYSTEM_CLOCK
