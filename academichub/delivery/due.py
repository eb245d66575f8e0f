"""Who is due now: the current edition, and the ledger rows for every reader whose local delivery
time for it has come (queued), or who is due but receives nothing (skipped, with why)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from academichub.clock import as_utc
from academichub.db import session_scope
from academichub.delivery import ledger
from academichub.delivery.schedule import due_at
from academichub.models import Edition, EditionPaper
from subscribers.models import Subscriber
from subscribers.service import SUPPRESSED_STATUSES, skip_reason


def current_edition(engine: Engine, until: date | None = None) -> tuple[date, datetime] | None:
    """The latest edition with papers that is not held (on or before ``until``) and when it was
    prepared (or, for one that was held, when the hold was lifted)."""
    with session_scope(engine) as session:
        query = select(col(Edition.date), Edition.created_at).where(
            col(Edition.date).in_(select(col(EditionPaper.edition_date)).distinct()), col(Edition.held).is_(None)
        )
        if until is not None:
            query = query.where(Edition.date <= until)
        row = session.exec(query.order_by(col(Edition.date).desc()).limit(1)).first()
    return None if row is None else (row[0], as_utc(row[1]))


def held_editions(engine: Engine, after: date | None, until: date | None = None) -> list[tuple[date, str]]:
    """Editions held (their day could not be trusted) after ``after`` (and up to ``until``), oldest first."""
    with session_scope(engine) as session:
        query = select(col(Edition.date), col(Edition.held)).where(col(Edition.held).is_not(None))
        if after is not None:
            query = query.where(Edition.date > after)
        if until is not None:
            query = query.where(Edition.date <= until)
        return [(d, why or "") for d, why in session.exec(query.order_by(col(Edition.date)))]


def queue_due(engine: Engine, day: date, prepared_at: datetime, now: datetime) -> tuple[int, int]:
    """Ledger rows for everyone due ``now`` (queued) and everyone due but not receiving (skipped, why);
    claims older than an hour whose worker died go back to the queue. Returns (queued, skipped)."""
    with session_scope(engine) as session:
        subs = session.exec(
            select(Subscriber).where(col(Subscriber.status).in_(("active", "paused", *SUPPRESSED_STATUSES)))
        ).all()
        due: list[int] = []
        skipped: dict[int, str] = {}
        for sub in subs:
            if (
                due_at(
                    prepared_at,
                    tz=sub.timezone,
                    hour=sub.delivery_hour,
                    frequency=sub.frequency,
                    weekly_day=sub.weekly_day,
                )
                > now
            ):
                continue
            reason = skip_reason(sub, day)
            if reason:
                skipped[sub.key] = reason
            else:
                due.append(sub.key)
        ledger.release_stale(session, day)
        ledger.prepare(session, day, due)
        ledger.record_skipped(session, day, skipped)
    return len(due), len(skipped)
