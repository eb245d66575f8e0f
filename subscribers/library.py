"""Storing a reader's library (their own papers) on the interest profile, and reading it back safely.

The rows come from ``academichub.papers.library`` (parsed and bounded there); they are checked again
here because the column is JSON: only the known keys, strings cut to their bounds, at most
``LIBRARY_MAX`` rows. Setting a library replaces the previous one, and the change is recorded as a
count ("12 papers" -> "40 papers"), never as the papers themselves."""

from __future__ import annotations

from sqlmodel import Session

from academichub.models import utcnow
from subscribers.models import InterestProfile, Subscriber
from subscribers.service import record_change

LIBRARY_MAX = 2000
_LIMITS = {"id": 200, "title": 300, "abstract": 2000, "source": 20}


def clean_rows(rows: object) -> list[dict]:
    """Library rows as stored: dicts of id, title, abstract, year, source, each bounded."""
    if not isinstance(rows, list):
        return []
    out: list[dict] = []
    for row in rows[:LIBRARY_MAX]:
        if not isinstance(row, dict):
            continue
        clean: dict = {}
        for key, limit in _LIMITS.items():
            value = row.get(key)
            clean[key] = str(value).replace("\x00", "")[:limit] if isinstance(value, str) and value else None
        year = row.get("year")
        clean["year"] = year if isinstance(year, int) and not isinstance(year, bool) and 1800 <= year <= 2100 else None
        clean["title"] = clean["title"] or ""
        clean["abstract"] = clean["abstract"] or ""
        clean["source"] = clean["source"] or ""
        if clean["id"] or clean["title"]:
            out.append(clean)
    return out


def library_of(profile: InterestProfile | None) -> list[dict]:
    return clean_rows(profile.library if profile is not None else [])


def count_text(rows: list[dict]) -> str:
    unresolved = sum(1 for r in rows if not r.get("title"))
    return f"{len(rows)} papers" + (f" ({unresolved} not resolved)" if unresolved else "")


def set_library(session: Session, sub: Subscriber, profile: InterestProfile, rows: list[dict], *, via: str) -> int:
    """Replace the reader's library with ``rows``; returns how many papers it now holds."""
    new = clean_rows(rows)
    old = library_of(profile)
    if new != old:
        record_change(session, sub, via, [("library", count_text(old), count_text(new))])
        profile.library = new
        profile.updated_at = utcnow()
        session.add(profile)
        session.commit()
        session.refresh(profile)
    return len(new)


def library_summary(profile: InterestProfile, recent: int = 3) -> dict:
    """What a radar's library holds, for the preference page: how many papers, how many ids are not
    resolved yet, and the titles of the most recent few."""
    rows = library_of(profile)
    titled = sorted((r for r in rows if r["title"]), key=lambda r: -(r["year"] or 0))
    return {
        "count": len(rows),
        "unresolved": sum(1 for r in rows if not r["title"]),
        "recent": [(r["title"], r["year"]) for r in titled[:recent]],
    }
