"""The channel ledger and sender: a reader's briefing to each of their chat/webhook channels
(Apprise), never twice.

One ``channel_delivery`` row per (channel, edition), with the email ledger's states and rules: a row
moves to ``sending`` with a conditional UPDATE committed before Apprise is called, so a rerun or a
second worker never sends it again; a crash leaves it ``sending`` (outcome unknown: reported, resent
only on purpose by ``academichub deliveries resend``); ``transient: ...`` failures (5xx, 408/429, a
timeout, no connection) are retried by the next run, up to ``MAX_ATTEMPTS``; ``permanent: ...``
ones (the service refused: 4xx, a bad token) are recorded and never retried. A channel never blocks
the reader's email, nor the email a channel. Only masked URLs (``mask_channel``) reach logs, reports
and errors."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from academichub.briefing.compose import Briefing, briefing_record
from academichub.db import chunks, insert_for, session_scope
from academichub.mail.chat import ChatMessage, render_chat
from academichub.mail.render import Links
from academichub.models import Delivery, utcnow
from subscribers.channels import asset, channels_for, mask_channel, plugin_for
from subscribers.models import Channel, ChannelDelivery, Subscriber

log = logging.getLogger(__name__)

TRANSIENT = "transient: "
PERMANENT = "permanent: "
MAX_ATTEMPTS = 5  # a transient failure still there after this many runs is recorded as permanent
PENDING = ("queued", "claimed")
_STATUS = re.compile(r"error=(\d{3})")
_RETRYABLE_4XX = {408, 425, 429}


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


def is_pending(row: ChannelDelivery) -> bool:
    return row.state in PENDING or (row.state == "failed" and (row.reason or "").startswith(TRANSIENT))


def claim(session: Session, row_id: int) -> bool:
    """queued (or transiently failed) -> sending, committed: True when this caller may send it."""
    result = session.execute(
        update(ChannelDelivery)
        .where(col(ChannelDelivery.id) == row_id)
        .where(
            col(ChannelDelivery.state).in_(PENDING)
            | ((col(ChannelDelivery.state) == "failed") & col(ChannelDelivery.reason).startswith(TRANSIENT))
        )
        .values(state="sending", attempts=ChannelDelivery.attempts + 1, updated_at=utcnow())
        .returning(col(ChannelDelivery.id))
    )
    claimed = bool(result.all())
    session.commit()
    return claimed


def finish(session: Session, row_id: int, state: str, reason: str | None) -> None:
    session.execute(
        update(ChannelDelivery)
        .where(col(ChannelDelivery.id) == row_id, col(ChannelDelivery.state) == "sending")
        .values(state=state, reason=reason, updated_at=utcnow())
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
            .values(state="queued", reason="resend requested after an unknown outcome", updated_at=utcnow())
        )
    session.commit()
    return [f"{e} → {mask_channel(c.url)}" for _, c, e in rows]


def classify(result: Any) -> tuple[str, str | None]:
    """An Apprise result for one service -> (state, reason). Apprise reports success per service and
    logs the HTTP status as ``error=NNN``: 4xx (but 408/425/429) is the service refusing the message
    or the URL, permanent; 5xx, 408/429, a timeout or no connection is transient."""
    if bool(result):
        return "sent", None
    messages = [str(getattr(e, "message", e)) for e in result.logs()] if hasattr(result, "logs") else []
    codes = [int(m.group(1)) for text in messages for m in _STATUS.finditer(text)]
    status = getattr(getattr(result, "status", None), "name", "FAILURE")
    if codes:
        code = codes[-1]
        if 200 <= code < 300:  # answered, but not with the service's "accepted"
            return "failed", f"{TRANSIENT}the service did not accept the message (HTTP {code})"
        if 400 <= code < 500 and code not in _RETRYABLE_4XX:
            return "failed", f"{PERMANENT}the service refused the message (HTTP {code})"
        return "failed", f"{TRANSIENT}the service answered HTTP {code}"
    if status == "TIMEOUT":
        return "failed", f"{TRANSIENT}no answer in time"
    if any("connection error" in m.lower() or "timed out" in m.lower() for m in messages):
        return "failed", f"{TRANSIENT}the service could not be reached"
    return "failed", f"{TRANSIENT}the service did not accept the message"


def notify(url: str, message: ChatMessage) -> Any:
    """One message to one Apprise URL; Apprise's result for that service."""
    from apprise import Apprise, NotifyFormat

    apobj = Apprise(asset=asset())
    if not apobj.add(url):
        return None
    result = apobj.notify(
        body=message.body,
        title=message.title,
        body_format=NotifyFormat.MARKDOWN if message.markdown else NotifyFormat.TEXT,
    )
    services = list(getattr(result, "results", ()))
    return services[0] if services else result


def message_for(url: str, briefing: Briefing, links: Links) -> ChatMessage | None:
    """The message made for this channel's service: its format and its size limits (None: Apprise
    can no longer use the URL)."""
    from apprise import NotifyFormat

    plugin = plugin_for(url)
    if plugin is None:
        return None
    formats = plugin.notify_format if isinstance(plugin.notify_format, tuple) else (plugin.notify_format,)
    return render_chat(
        briefing,
        links,
        body_maxlen=int(plugin.body_maxlen),
        title_maxlen=int(plugin.title_maxlen),
        markdown=NotifyFormat.MARKDOWN in formats,
    )


def _quiet_apprise() -> None:
    """Apprise's own DEBUG/INFO lines name the endpoint (with its token): never below WARNING here."""
    logger = logging.getLogger("apprise")
    if logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)


@dataclass(slots=True)
class ChannelRun:
    """The channels of a group of readers for one edition: their ledger rows, and the sends."""

    engine: Engine
    day: date
    channels: dict[int, list[Channel]] = field(default_factory=dict)  # subscriber id -> active channels
    rows: dict[int, ChannelDelivery] = field(default_factory=dict)  # channel id -> ledger row

    @classmethod
    def start(cls, engine: Engine, day: date, subscriber_ids: list[int]) -> ChannelRun:
        _quiet_apprise()
        with session_scope(engine) as session:
            channels = channels_for(session, subscriber_ids)
            rows = prepare(session, day, channels) if channels else {}
        return cls(engine, day, channels, rows)

    def _pending(self, sid: int) -> list[tuple[Channel, ChannelDelivery]]:
        out = []
        for ch in self.channels.get(sid, []):
            row = self.rows.get(ch.key)
            if row is not None and is_pending(row):
                out.append((ch, row))
        return out

    def wants(self, sid: int) -> bool:
        """Whether any of the reader's channels still waits for this edition."""
        return bool(self._pending(sid))

    def skip(self, sid: int, reason: str) -> None:
        with session_scope(self.engine) as session:
            skip(session, [row.id for _, row in self._pending(sid) if row.id is not None], reason)

    def send(self, sub: Subscriber, briefing: Briefing, links: Links) -> list[ChannelOutcome]:
        """Each of the reader's waiting channels, claimed in the ledger first; what happened to each."""
        out: list[ChannelOutcome] = []
        sent_any = False
        for ch, row in self._pending(sub.key):
            masked = mask_channel(ch.url)
            if row.id is None:
                continue
            with session_scope(self.engine) as session:
                if not claim(session, row.id):
                    out.append(ChannelOutcome(sub.email, masked, "skipped", "claimed elsewhere"))
                    continue
            state, reason = self._deliver(ch.url, briefing, links, row.attempts + 1)
            with session_scope(self.engine) as session:
                finish(session, row.id, state, reason)
            if state == "sent":
                sent_any = True
            else:
                log.warning("channel %s of %s: %s", masked, sub.email, reason)
            out.append(ChannelOutcome(sub.email, masked, state, reason))
        if sent_any:
            self._keep_content(sub.key, briefing)
        return out

    def _deliver(self, url: str, briefing: Briefing, links: Links, attempt: int) -> tuple[str, str | None]:
        try:
            message = message_for(url, briefing, links)
            if message is None:
                return "failed", f"{PERMANENT}Apprise can no longer use this URL"
            result = notify(url, message)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not stop the other channels or the email
            return "failed", f"{TRANSIENT}{exc.__class__.__name__}"
        if result is None:
            return "failed", f"{PERMANENT}Apprise can no longer use this URL"
        state, reason = classify(result)
        if state == "failed" and reason and reason.startswith(TRANSIENT) and attempt >= MAX_ATTEMPTS:
            reason = f"{PERMANENT}{reason.removeprefix(TRANSIENT)} ({attempt} attempts)"
        return state, reason

    def _keep_content(self, sid: int, briefing: Briefing) -> None:
        """What the channel said, on the reader's email ledger row when it has none (a channel-only
        reader): so the "view in browser" link of the message shows it."""
        with session_scope(self.engine) as session:
            session.execute(
                update(Delivery)
                .where(
                    col(Delivery.subscriber_id) == sid,
                    col(Delivery.edition_date) == self.day,
                    col(Delivery.content).is_(None),
                )
                .values(content=briefing_record(briefing))
            )
            session.commit()
