"""The delivery ledger: the only thing that decides whether a subscriber may be sent an edition.

A worker first claims a batch of queued rows (``claimed``, ``claim_batch``); a send is claimed by
moving its row to ``sending`` with a conditional UPDATE (only from ``queued``/``claimed`` or a
transient failure; ``claim_many`` for a chunk), committed before the provider is called; so a rerun,
a retry or a second worker never sends twice. A crash between the claim and the result leaves ``sending``:
the outcome is unknown, nothing resends it automatically, ``academichub deliveries --stuck`` lists it and
``academichub deliveries resend`` sends it on purpose.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from academichub.db import chunks, insert_new
from academichub.models import Delivery, DeliveryState, FailureKind, utcnow
from subscribers.models import Subscriber


def prepare(session: Session, day: date, subscriber_ids: list[int]) -> dict[int, Delivery]:
    """Queue a row for each subscriber (existing rows are kept as they are); return all of them."""
    rows = [
        {
            "subscriber_id": sid,
            "edition_date": day,
            "state": DeliveryState.QUEUED,
            "attempts": 0,
            "updated_at": utcnow(),
        }
        for sid in subscriber_ids
    ]
    insert_new(session, Delivery, rows)
    session.commit()
    return existing(session, day, subscriber_ids)


def existing(session: Session, day: date, subscriber_ids: list[int]) -> dict[int, Delivery]:
    """The rows there are for these subscribers on ``day``, changing nothing (a dry run reads them)."""
    out: dict[int, Delivery] = {}
    for id_chunk in chunks(subscriber_ids):
        for row in session.exec(
            select(Delivery).where(Delivery.edition_date == day, col(Delivery.subscriber_id).in_(id_chunk))
        ):
            out[row.subscriber_id] = row
    return out


def record_skipped(session: Session, day: date, reasons: dict[int, str]) -> None:
    """A ``skipped`` row (with why) for each subscriber who was due but gets nothing; a row that is
    already there (say, sent before the reader paused) is kept as it is."""
    rows = [
        {
            "subscriber_id": sid,
            "edition_date": day,
            "state": DeliveryState.SKIPPED,
            "reason": why,
            "attempts": 0,
            "updated_at": utcnow(),
        }
        for sid, why in reasons.items()
    ]
    insert_new(session, Delivery, rows)
    session.commit()


def claim_batch(session: Session, day: date, size: int, worker: str) -> list[int]:
    """Claim up to ``size`` queued rows of a day for one worker: queued -> claimed, in one statement.
    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets concurrent workers take disjoint batches without
    waiting; SQLite runs one writer at a time, so the same UPDATE is atomic there. Nothing is sent in
    ``claimed``: a worker that dies leaves rows that ``release_stale`` safely re-queues."""
    pick = (
        select(Delivery.id)
        .where(Delivery.edition_date == day, Delivery.state == DeliveryState.QUEUED)
        .order_by(col(Delivery.id))
        .limit(size)
    )
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    result = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(pick.scalar_subquery()))
        .values(state=DeliveryState.CLAIMED, reason=f"claimed by {worker}"[:200], updated_at=utcnow())
        .returning(col(Delivery.id))
    )
    ids = sorted(r[0] for r in result)
    session.commit()
    return ids


def release_stale(session: Session, day: date, older_than_s: int = 3600) -> int:
    """claimed rows whose worker went away (nothing was sent for them) -> queued again."""
    from datetime import timedelta

    result = session.exec(
        update(Delivery)
        .where(
            col(Delivery.edition_date) == day,
            col(Delivery.state) == DeliveryState.CLAIMED,
            col(Delivery.updated_at) < utcnow() - timedelta(seconds=older_than_s),
        )
        .values(state=DeliveryState.QUEUED, reason=None, updated_at=utcnow())
    )
    session.commit()
    return result.rowcount


def claim_many(session: Session, row_ids: list[int]) -> list[int]:
    """``claim`` for a chunk in one statement: the ids this caller may now send."""
    if not row_ids:
        return []
    result = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(row_ids))
        .where(
            col(Delivery.state).in_((DeliveryState.QUEUED, DeliveryState.CLAIMED))
            | ((col(Delivery.state) == DeliveryState.FAILED) & (col(Delivery.failure_kind) == FailureKind.TRANSIENT))
        )
        .values(state=DeliveryState.SENDING, attempts=Delivery.attempts + 1, updated_at=utcnow())
        .returning(col(Delivery.id))
    )
    ids = [r[0] for r in result]
    session.commit()
    return ids


def finish_many(session: Session, results: list[dict]) -> None:
    """Outcomes of a chunk (id, state, reason, message_id[, failure_kind][, content]) in one executemany
    per shape; a result without ``failure_kind`` clears it (a sent row is no failure)."""
    if not results:
        return
    now = utcnow()
    rows = [{"failure_kind": None, **r, "updated_at": now} for r in results]
    for with_content in (False, True):
        chunk = [r for r in rows if ("content" in r) == with_content]
        if chunk:
            session.execute(update(Delivery), chunk)
    session.commit()


def skip_many(session: Session, reasons: dict[int, str]) -> None:
    """queued rows -> skipped with their reasons (rows that moved on are left alone)."""
    for row_id, reason in reasons.items():
        session.execute(
            update(Delivery)
            .where(col(Delivery.id) == row_id, col(Delivery.state).in_((DeliveryState.QUEUED, DeliveryState.CLAIMED)))
            .values(state=DeliveryState.SKIPPED, reason=reason, updated_at=utcnow())
        )
    session.commit()


def rows_for(session: Session, day: date | None = None, *, state: str | None = None) -> list[tuple[Delivery, str]]:
    query = select(Delivery, Subscriber.email).join(Subscriber, col(Subscriber.id) == Delivery.subscriber_id)
    if day is not None:
        query = query.where(Delivery.edition_date == day)
    if state is not None:
        query = query.where(Delivery.state == state)
    return [(d, e) for d, e in session.exec(query.order_by(col(Delivery.edition_date), Subscriber.email))]


def day_states(session: Session, day: date) -> dict[str, int]:
    """The day's rows by state: what has happened to its readers, whichever runs and workers did it."""
    query = select(Delivery.state, func.count()).where(Delivery.edition_date == day).group_by(col(Delivery.state))
    return {str(state): int(n) for state, n in session.exec(query)}


def requeue(session: Session, day: date, emails: list[str] | None = None) -> list[str]:
    """Explicitly allow a resend of stuck rows (state sending) of a day; returns the addresses."""
    rows = [(d, e) for d, e in rows_for(session, day, state=DeliveryState.SENDING) if not emails or e in emails]
    for d, _ in rows:
        session.execute(
            update(Delivery)
            .where(col(Delivery.id) == d.id, col(Delivery.state) == DeliveryState.SENDING)
            .values(state=DeliveryState.QUEUED, reason="resend requested after an unknown outcome", updated_at=utcnow())
        )
    session.commit()
    return [e for _, e in rows]


def rows_for_subscriber(session: Session, subscriber_id: int) -> list[tuple[Delivery, str]]:
    query = (
        select(Delivery, Subscriber.email)
        .join(Subscriber, col(Subscriber.id) == Delivery.subscriber_id)
        .where(Delivery.subscriber_id == subscriber_id)
    )
    return [(d, e) for d, e in session.exec(query.order_by(col(Delivery.edition_date)))]
