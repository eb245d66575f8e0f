"""The channel ledger and sender: a reader's briefing to each of their chat/webhook channels
(Apprise), never twice.

One ``channel_delivery`` row per (channel, edition), with the email ledger's states and rules: a row
moves to ``sending`` with a conditional UPDATE committed before Apprise is called, so a rerun or a
second worker never sends it again; a crash leaves it ``sending`` (outcome unknown: reported, resent
only on purpose by ``academichub deliveries resend``); transient failures (5xx, 408/429, a
timeout, no connection) are retried by the next run, up to ``MAX_ATTEMPTS``; permanent ones
(the service refused: 4xx, a bad token) are recorded and never retried. A channel never blocks
the reader's email, nor the email a channel. Only masked URLs (``mask_channel``) reach logs, reports
and errors."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from academichub.briefing.compose import Briefing, briefing_record
from academichub.db import session_scope
from academichub.delivery.channel_ledger import (
    MAX_ATTEMPTS,
    TRANSIENT,
    ChannelOutcome,
    SendResult,
    claim,
    classify,
    finish,
    is_pending,
    permanent,
    prepare,
    skip,
    transient,
)
from academichub.mail.chat import ChatMessage, render_chat
from academichub.mail.render import Links
from academichub.models import Delivery
from subscribers.channels import asset, channels_for, mask_channel, plugin_for
from subscribers.models import Channel, ChannelDelivery, Subscriber

log = logging.getLogger(__name__)
STUCK = "outcome unknown: `academichub deliveries resend`"
__all__ = ["ChannelOutcome", "ChannelRun", "classify", "message_for", "notify"]


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

    def stuck(self, sub: Subscriber) -> list[ChannelOutcome]:
        """The reader's channel rows a crash left ``sending``: reported, never resent automatically."""
        return [
            ChannelOutcome(sub.email, mask_channel(ch.url), "stuck", STUCK)
            for ch in self.channels.get(sub.key, [])
            if (row := self.rows.get(ch.key)) is not None and row.state == "sending"
        ]

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
            result = self._deliver(ch.url, briefing, links, row.attempts + 1)
            with session_scope(self.engine) as session:
                finish(session, row.id, result)
            if result.state == "sent":
                sent_any = True
            else:
                log.warning("channel %s of %s: %s", masked, sub.email, result.explained)
            out.append(ChannelOutcome(sub.email, masked, result.state, result.explained))
        if sent_any:
            self._keep_content(sub.key, briefing)
        return out

    def _deliver(self, url: str, briefing: Briefing, links: Links, attempt: int) -> SendResult:
        try:
            message = message_for(url, briefing, links)
            if message is None:
                return permanent("Apprise can no longer use this URL")
            sent = notify(url, message)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not stop the other channels or the email
            return transient(exc.__class__.__name__)
        if sent is None:
            return permanent("Apprise can no longer use this URL")
        result = classify(sent)
        if result.kind == TRANSIENT and attempt >= MAX_ATTEMPTS:
            return permanent(f"{result.reason} ({attempt} attempts)")
        return result

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
