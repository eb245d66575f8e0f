"""Refreshing synced libraries (``subscribers.libsources``): each due source is read (a Zotero
library, incrementally by its library version once it has one; an ORCID iD's works from OpenAlex),
its papers replace what it brought before, and its radar's library is rebuilt (the file's rows plus
every source's papers), which matching reads as it reads a file's.

A source is due when its last try is ``library_refresh_hours`` old (or it was never tried, or
``force``), and never before the time a service asked us to wait (429/503 ``Retry-After``, Zotero's
``Backoff``). A failed refresh keeps the previous papers and records the reason on the source; one
failing source never stops the others. Readers who left (unsubscribed, bounced, complained) are not
synced: their keys are not used. The flow ``flows/libraries.py`` only calls ``refresh_libraries``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from academichub.clock import as_utc
from academichub.db import session_scope
from academichub.papers.fetch import Fetcher
from academichub.papers.library import LibraryEntry
from academichub.papers.openalex import fetch_orcid_works
from academichub.papers.resolve import Resolution, from_corpus
from academichub.papers.zotero import MAX_ITEMS, PAGE_BYTES, SyncError, fetch_zotero
from academichub.settings import Settings
from subscribers.libsources import describe, rebuild_library
from subscribers.models import InterestProfile, LibrarySource, Subscriber

LEFT = ("unsubscribed", "bounced", "complained")


class SyncServices(Protocol):
    """What a refresh needs of the entry point's ``academichub.services.Services``."""

    settings: Settings
    engine: Engine


@dataclass(slots=True)
class SourceOutcome:
    email: str
    radar: str
    source: str  # as ``describe`` shows it: never the key
    state: str  # refreshed | unchanged | failed | waiting
    detail: str
    papers: int = 0

    def line(self) -> str:
        return f"{self.email} [{self.radar}] {self.source}: {self.state}, {self.detail}"


@dataclass(slots=True)
class SyncReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    not_due: int = 0

    def count(self, state: str) -> int:
        return sum(1 for o in self.outcomes if o.state == state)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("refreshed", "unchanged", "failed", "waiting")]
        return f"library sources: {', '.join(parts)}; {self.not_due} not due"

    def markdown(self) -> str:
        lines = ["# Library sync", "", f"- {self.summary()}", ""]
        lines += [f"- {o.line()}" for o in self.outcomes]
        return "\n".join(lines) + "\n"


def refresh_libraries(
    services: SyncServices,
    *,
    emails: list[str] | None = None,
    force: bool = False,
    fetcher: Fetcher | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncReport:
    """Refresh every due source (of the readers ``emails``, or of everyone)."""
    settings, engine = services.settings, services.engine
    now = settings.clock.now()
    report = SyncReport()
    with session_scope(engine) as session:
        query = select(LibrarySource, Subscriber).join(Subscriber, col(Subscriber.id) == LibrarySource.subscriber_id)
        if emails is not None:
            query = query.where(col(Subscriber.email).in_([e.strip().lower() for e in emails]))
        rows = [
            (s.id, sub.email)
            for s, sub in session.exec(query.order_by(col(LibrarySource.id)))
            if sub.status not in LEFT
        ]
    own = fetcher is None
    fetcher = fetcher or Fetcher(_patient(settings), max_bytes=PAGE_BYTES)
    try:
        for source_id, _email in rows:
            with session_scope(engine) as session:
                source = session.get(LibrarySource, source_id)
                if source is None:
                    continue
                outcome = _refresh_due(session, engine, source, settings, fetcher, now, force, sleep)
                if outcome is None:
                    report.not_due += 1
                else:
                    report.outcomes.append(outcome)
    finally:
        if own:
            fetcher.close()
    return report


def _refresh_due(
    session: Session,
    engine: Engine,
    source: LibrarySource,
    settings: Settings,
    fetcher: Fetcher,
    now: datetime,
    force: bool,
    sleep: Callable[[float], None],
) -> SourceOutcome | None:
    sub = session.get(Subscriber, source.subscriber_id)
    profile = session.get(InterestProfile, source.profile_id)
    if sub is None or profile is None:
        return None
    outcome = SourceOutcome(sub.email, profile.name, describe(source), "", "")
    if source.not_before is not None and now < as_utc(source.not_before):
        outcome.state = "waiting"
        outcome.detail = f"the service asked to wait until {as_utc(source.not_before):%Y-%m-%d %H:%M} UTC"
        return outcome
    hours = timedelta(hours=settings.library_refresh_hours)
    if not force and source.attempted_at is not None and now - as_utc(source.attempted_at) < hours:
        return None
    source.attempted_at = now
    try:
        items, version, wait, detail = _read(source, engine, settings, fetcher, sleep)
    except Exception as exc:  # one source's failure never costs the others
        message = str(exc) if isinstance(exc, SyncError) else f"unexpected answer ({type(exc).__name__})"
        wait = exc.retry_after if isinstance(exc, SyncError) else None
        source.status, source.error = "failed", message[:500]
        source.not_before = now + timedelta(seconds=wait) if wait else None
        session.add(source)
        session.commit()
        outcome.state, outcome.detail, outcome.papers = (
            "failed",
            message + "; the previous papers are kept",
            len(source.items or {}),
        )
        return outcome
    changed = items is not None
    if items is not None:
        source.items = items
    source.version, source.status, source.error, source.synced_at = version, "ok", None, now
    source.not_before = now + timedelta(seconds=wait) if wait else None
    session.add(source)
    session.commit()
    held = rebuild_library(session, sub, profile, via="library-sync")
    outcome.state = "refreshed" if changed else "unchanged"
    outcome.papers = len(source.items or {})
    outcome.detail = f"{detail}; the radar's library holds {held} paper(s)"
    return outcome


def _read(
    source: LibrarySource, engine: Engine, settings: Settings, fetcher: Fetcher, sleep: Callable[[float], None]
) -> tuple[dict | None, int | None, float | None, str]:
    """(the source's new items or None when unchanged, its version, seconds to wait, what happened)."""
    if source.kind == "orcid":
        works = fetch_orcid_works(source.ref, fetcher, settings)
        _fill_from_corpus(works.entries, engine, "openalex")
        items = {e.id or f"title:{e.title.casefold()}": e.as_row() for e in works.entries}
        more = f" of {works.total}" if works.total is not None and works.total > len(items) else ""
        return items, None, None, f"{len(items)}{more} works from OpenAlex" + _problems(works.problems)
    if not source.secret:
        raise SyncError("no Zotero API key is stored for this library: add it again with --zotero-key")
    since = source.version if source.synced_at is not None else None  # a failed try changed nothing
    changes = fetch_zotero(
        source.ref, source.secret, list(source.collections), fetcher, settings, since=since, sleep=sleep
    )
    if changes.not_modified:
        return None, changes.version, changes.backoff, f"{len(source.items or {})} papers, version {changes.version}"
    entries = [e for e in changes.entries.values() if e is not None]
    _fill_from_corpus(entries, engine, "zotero")
    if changes.full:
        items = {k: e.as_row() for k, e in changes.entries.items() if e is not None}
        detail = f"{len(items)} papers (all read, version {changes.version})"
    else:
        items = dict(source.items or {})
        gone = [k for k, e in changes.entries.items() if e is None] + changes.deleted
        removed = sum(1 for key in gone if items.pop(key, None) is not None)
        items.update({k: e.as_row() for k, e in changes.entries.items() if e is not None})
        detail = (
            f"{len(items)} papers ({len(entries)} added or changed, {removed} removed since version {since}, "
            f"now {changes.version})"
        )
    if len(items) > MAX_ITEMS or changes.truncated:
        items = dict(list(items.items())[:MAX_ITEMS])
        detail += f"; only the first {MAX_ITEMS} items are kept"
    if changes.skipped:
        detail += f"; {changes.skipped} notes/attachments skipped"
    return items, changes.version, changes.backoff, detail + _problems(changes.problems)


def _patient(settings: Settings) -> Settings:
    """At most two retries of a 429/5xx (each after the Retry-After asked, up to 5 minutes): a limit
    that lasts longer fails the source until the next run, which ``not_before`` then respects."""
    return settings.model_copy(update={"http_retries": min(settings.http_retries, 2)})


def _fill_from_corpus(entries: list[LibraryEntry], engine: Engine, source: str) -> None:
    """Missing abstracts (and titles of bare ids) from the stored papers; the entry stays the source's."""
    from_corpus(entries, engine, Resolution())
    for e in entries:
        e.source = source


def _problems(problems: list[str]) -> str:
    return f"; {len(problems)} item(s) could not be read ({problems[0]})" if problems else ""
