"""Pure feed-health judgement: tell a quiet day from a broken fetch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from statistics import median

from academichub.papers.records import FeedMeta, ParsedFeed
from academichub.papers.report import IngestReport

MIN_HISTORY = 3  # announcement-day fetches needed before "far below usual" is judged


@dataclass(frozen=True, slots=True)
class Health:
    status: str  # ok, not_modified, no_announcement, suspect, failed
    note: str = ""


def own_date(feeds: list[ParsedFeed]) -> date | None:
    """The day the feeds give themselves: each feed's channel date, else its items' most common date;
    the most common of these (None when no feed says). `ingest --from` compares it with the day it files
    the papers under."""
    dates = []
    for feed in feeds:
        items = Counter(r.published for r in feed.records if r.published)
        mine = feed.meta.published or (items.most_common(1)[0][0] if items else None)
        if mine:
            dates.append(mine)
    return Counter(dates).most_common(1)[0][0] if dates else None


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


# --- the day as a whole: can its edition be trusted? ---------------------------------------------

BAD = frozenset({"failed", "suspect"})


@dataclass(frozen=True, slots=True)
class SourceState:
    key: str
    health: str
    unreachable: bool = False  # failed without any answer from its server (DNS, refused, no route)


class EditionHeld(RuntimeError):
    """The day's edition cannot be trusted: nobody is emailed for it until a run of that day succeeds."""

    def __init__(self, day: date, reason: str, ingest: IngestReport | None = None):
        self.day, self.reason, self.ingest = day, reason, ingest
        super().__init__(
            f"the edition of {day.isoformat()} is held: {reason}; nobody is sent it until a run of the day succeeds"
        )

    def __reduce__(self):  # Prefect may pickle a flow's exception with its state
        return (EditionHeld, (self.day, self.reason, self.ingest))


def judge_day(sources: list[SourceState], usual: dict[str, float], *, hold_share: float = 0.5) -> str | None:
    """Why the day's edition cannot be trusted, or None when it can.

    Held when every source failed or is suspect, or when the sources that did usually carry more than
    ``hold_share`` of the day's new papers. ``usual`` is each source's usual new papers a day (from
    its recent healthy fetches; empty when there is too little history): without it every source of
    the run counts the same. A quiet source (no announcement, unchanged) is never bad.
    """
    bad = [s for s in sources if s.health in BAD]
    if not bad:
        return None
    n = len(sources)
    if len(bad) == n:
        if all(s.unreachable for s in bad):
            return f"every source failed ({n} of {n}): no server could be reached (no network?)"
        if all(s.health == "failed" for s in bad):
            return f"every source failed ({n} of {n})"
        return f"every source failed or is suspect ({n} of {n})"
    weights = {s.key: usual.get(s.key, 0.0) for s in sources}
    if sum(weights.values()) <= 0:
        weights = {s.key: 1.0 for s in sources}
    missing = sum(weights[s.key] for s in bad) / sum(weights.values())
    if missing <= hold_share:
        return None
    named = ", ".join(f"{s.key} ({s.health})" for s in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
    return f"sources that usually carry {missing:.0%} of the day's papers failed or are suspect: {named}"
