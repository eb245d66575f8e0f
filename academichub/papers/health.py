"""Pure feed-health judgement: tell a quiet day from a broken fetch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import median

from academichub.papers.records import FeedMeta

MIN_HISTORY = 3  # announcement-day fetches needed before "far below usual" is judged


@dataclass(frozen=True, slots=True)
class Health:
    status: str  # ok, not_modified, no_announcement, suspect, failed
    note: str = ""


def assess(
    *,
    meta: FeedMeta | None,
    items: int,
    day: date,
    error: str | None = None,
    not_modified: bool = False,
    history: list[int] | None = None,
    holidays: frozenset[date] = frozenset(),
    suspect_ratio: float = 0.3,
) -> Health:
    """Judge one source's result for ``day``.

    ``history`` holds the item counts of this source's recent successful fetches on
    announcement days (newest last).
    """
    if error:
        return Health("failed", error)
    if not_modified:
        return Health("not_modified", "unchanged since the last fetch (HTTP 304)")
    is_arxiv = bool(meta and meta.format.startswith("arxiv"))
    feed_day = (meta.published if meta and meta.published else None) or day
    usual = median(history) if history and len(history) >= MIN_HISTORY else None
    if items == 0:
        if is_arxiv:
            weekday = feed_day.strftime("%A")
            if meta and weekday in meta.skip_days:
                return Health("no_announcement", f"no announcement today: arXiv does not announce on {weekday}")
            if feed_day in holidays:
                return Health("no_announcement", f"no announcement today: {feed_day.isoformat()} is an arXiv holiday")
            return Health("suspect", "empty feed on an announcement day")
        if usual:
            return Health("suspect", f"empty feed; it usually lists about {usual:g} items")
        return Health("ok", "empty feed")
    if usual and items < suspect_ratio * usual:
        return Health("suspect", f"only {items} items; it usually lists about {usual:g}")
    return Health("ok", "")
