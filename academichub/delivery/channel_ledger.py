"""The channel ledger: one ``channel_delivery`` row per (channel, edition), with the email ledger's
states and rules (see ``academichub/delivery/channels.py`` for the sends). Light on purpose: the
read-only commands (``deliveries``, ``subscribers export``) use it without loading the briefing stack."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from academichub.db import chunks, insert_for
from academichub.models import Delivery, FailureKind, utcnow
from subscribers.channels import mask_channel
from subscribers.models import Channel, ChannelDelivery, Subscriber

TRANSIENT, PERMANENT = FailureKind.TRANSIENT, FailureKind.PERMANENT  # a failed row's failure_kind
MAX_ATTEMPTS = 5  # a transient failure still there after this many runs is recorded as permanent
PENDING = ("queued", "claimed")
_STATUS = re.compile(r"error=(\d{3})")
_RETRYABLE_4XX = {408, 425, 429}


@dataclass(frozen=True, slots=True)
class SendResult:
    """One send's outcome: the state, and for a failure its kind (``TRANSIENT``: retried by the next
    run; ``PERMANENT``: recorded) and the service's words."""

    state: str
    kind: str | None = None
    reason: str | None = None

    @property
    def explained(self) -> str | None:
        return f"{self.kind}: {self.reason}" if self.kind and self.reason else self.reason


SENT = SendResult("sent")


def transient(reason: str) -> SendResult:
    return SendResult("failed", TRANSIENT, reason)


def permanent(reason: str) -> SendResult:
    return SendResult("failed", PERMANENT, reason)


@dataclass(frozen=True, slots=True)
class ChannelOutcome:
    """What happened to one channel's message in this run (the channel masked)."""

    email: str
    channel: str
    state: str  # sent, failed, stuck, skipped
    reason: str | None = None


def prepare(session: Session, day: date, channels: dict[int, list[Channel]]) -> dict[int, ChannelDelivery]:
    """Queue a row per active channel (existing rows are kept); return them by channel id."""
    now = utcnow()
    rows = [
        {"subscriber_id": sid, "channel_id": ch.key, "edition_date": day, "state": "queued", "attempts": 0}
        | {"updated_at": now}
        for sid, chs in channels.items()
        for ch in chs
    ]
    for chunk in chunks(rows, 500):
        session.execute(insert_for(session, ChannelDelivery).on_conflict_do_nothing(), chunk)
    session.commit()
    out: dict[int, ChannelDelivery] = {}
    ids = [r["channel_id"] for r in rows]
    for id_chunk in chunks(ids):
        for row in session.exec(
            select(ChannelDelivery).where(
                ChannelDelivery.edition_date == day, col(ChannelDelivery.channel_id).in_(id_chunk)
            )
        ):
            out[row.channel_id] = row
    return out


def retry_readers(session: Session, day: date, before: datetime) -> list[int]:
    """Readers with a channel row of the day still waiting (queued, or a transient failure), last
    touched ``before`` (an earlier run: this run's failures wait for the next), whose email row is
    settled (sent, skipped, failed): no batch will take them again, the channel retry does."""
    waiting = col(ChannelDelivery.state).in_(PENDING) | (
        (col(ChannelDelivery.state) == "failed") & (col(ChannelDelivery.failure_kind) == TRANSIENT)
    )
    query = (
        select(ChannelDelivery.subscriber_id)
        .join(
            Delivery,
            (col(Delivery.subscriber_id) == ChannelDelivery.subscriber_id)
            & (col(Delivery.edition_date) == ChannelDelivery.edition_date),
        )
        .where(ChannelDelivery.edition_date == day, waiting, col(ChannelDelivery.updated_at) < before)
        .where(col(Delivery.state).in_(("sent", "skipped", "failed")))
        .distinct()
    )
    return sorted(session.exec(query))


def is_pending(row: ChannelDelivery) -> bool:
    return row.state in PENDING or (row.state == "failed" and row.failure_kind == TRANSIENT)


def claim(session: Session, row_id: int) -> bool:
    """queued (or transiently failed) -> sending, committed: True when this caller may send it."""
    result = session.execute(
        update(ChannelDelivery)
        .where(col(ChannelDelivery.id) == row_id)
        .where(
            col(ChannelDelivery.state).in_(PENDING)
            | ((col(ChannelDelivery.state) == "failed") & (col(ChannelDelivery.failure_kind) == TRANSIENT))
        )
        .values(state="sending", attempts=ChannelDelivery.attempts + 1, updated_at=utcnow())
        .returning(col(ChannelDelivery.id))
    )
    claimed = bool(result.all())
    session.commit()
    return claimed


def finish(session: Session, row_id: int, result: SendResult) -> None:
    session.execute(
        update(ChannelDelivery)
        .where(col(ChannelDelivery.id) == row_id, col(ChannelDelivery.state) == "sending")
        .values(state=result.state, reason=result.reason, failure_kind=result.kind, updated_at=utcnow())
    )
    session.commit()


def skip(session: Session, row_ids: list[int], reason: str) -> None:
    """Pending rows -> skipped with why (rows that moved on are left alone)."""
    if row_ids:
        session.execute(
            update(ChannelDelivery)
            .where(col(ChannelDelivery.id).in_(row_ids), col(ChannelDelivery.state).in_(PENDING))
            .values(state="skipped", reason=reason, updated_at=utcnow())
        )
        session.commit()


def rows_for(
    session: Session, day: date | None = None, *, state: str | None = None, subscriber_id: int | None = None
) -> list[tuple[ChannelDelivery, Channel, str]]:
    """Channel ledger rows with their channel and the reader's address."""
    query = (
        select(ChannelDelivery, Channel, Subscriber.email)
        .join(Channel, col(Channel.id) == ChannelDelivery.channel_id)
        .join(Subscriber, col(Subscriber.id) == ChannelDelivery.subscriber_id)
    )
    if day is not None:
        query = query.where(ChannelDelivery.edition_date == day)
    if state is not None:
        query = query.where(ChannelDelivery.state == state)
    if subscriber_id is not None:
        query = query.where(ChannelDelivery.subscriber_id == subscriber_id)
    order = (col(ChannelDelivery.edition_date), Subscriber.email, col(ChannelDelivery.channel_id))
    return [(d, c, e) for d, c, e in session.exec(query.order_by(*order))]


def requeue(session: Session, day: date, emails: list[str] | None = None) -> list[str]:
    """Explicitly allow a resend of stuck channel rows of a day; returns 'address → masked channel'."""
    rows = [(d, c, e) for d, c, e in rows_for(session, day, state="sending") if not emails or e in emails]
    for d, _, _ in rows:
        session.execute(
            update(ChannelDelivery)
            .where(col(ChannelDelivery.id) == d.id, col(ChannelDelivery.state) == "sending")
            .values(
                state="queued",
                reason="resend requested after an unknown outcome",
                failure_kind=None,
                updated_at=utcnow(),
            )
        )
    session.commit()
    return [f"{e} → {mask_channel(c.url)}" for _, c, e in rows]


def classify(result: Any) -> SendResult:
    """An Apprise result for one service -> (state, reason). Apprise reports success per service and
    logs the HTTP status as ``error=NNN``: 4xx (but 408/425/429) is the service refusing the message
    or the URL, permanent; 5xx, 408/429, a timeout or no connection is transient."""
    if bool(result):
        return SENT
    messages = [str(getattr(e, "message", e)) for e in result.logs()] if hasattr(result, "logs") else []
    codes = [int(m.group(1)) for text in messages for m in _STATUS.finditer(text)]
    status = getattr(getattr(result, "status", None), "name", "FAILURE")
    if codes:
        code = codes[-1]
        if 200 <= code < 300:  # answered, but not with the service's "accepted"
            return transient(f"the service did not accept the message (HTTP {code})")
        if 400 <= code < 500 and code not in _RETRYABLE_4XX:
            return permanent(f"the service refused the message (HTTP {code})")
        return transient(f"the service answered HTTP {code}")
    if status == "TIMEOUT":
        return transient("no answer in time")
    if any("connection error" in m.lower() or "timed out" in m.lower() for m in messages):
        return transient("the service could not be reached")
    return transient("the service did not accept the message")
