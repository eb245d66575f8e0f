"""Subscriber, interest profile (radar) and feedback tables. The schema is Alembic's (migrations 0002, 0012)."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from academichub.models import utcnow

LANGUAGES = ("zh", "en", "bilingual")
STATUSES = ("pending", "active", "paused", "unsubscribed", "bounced", "complained")
FREQUENCIES = ("daily", "weekly")
EMPTY_DAY = ("short", "none")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Readers stored before link keys existed (migration 0008) have a key with this prefix: links signed
# for them before then carry no key and are accepted for them only (see subscribers/tokens.py).
LEGACY_KEY_PREFIX = "legacy."


def new_link_key() -> str:
    """A reader's random link key: in every signed link made for them, checked on every use, gone
    with the reader (a new subscriber who gets a deleted reader's id gets a new key)."""
    return secrets.token_urlsafe(12)


def due_on(day: date, frequency: str, weekly_day: str | None) -> bool:
    """The one frequency rule: daily readers get every edition's day, weekly readers their weekday
    (Monday when they chose none). The time of day is delivery.schedule's; status is the service's."""
    return frequency != "weekly" or WEEKDAYS[day.weekday()] == (weekly_day or "mon")


class Subscriber(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=320)  # stored lower-case
    name: str = ""
    language: str = Field(default="en", max_length=12)
    timezone: str = Field(default="UTC", max_length=64)  # IANA name
    delivery_hour: int = 7  # local hour, 0-23
    frequency: str = Field(default="daily", max_length=10)
    weekly_day: str | None = Field(default=None, max_length=3)  # for weekly: mon..sun
    papers_per_email: int = 8  # 1-30
    status: str = Field(default="active", max_length=20)
    paused_until: date | None = None
    empty_day: str = Field(default="short", max_length=10)  # short: a short honest email; none: no email
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    link_key: str = Field(default_factory=new_link_key, max_length=32)
    # False: the reader chose chat channels only (``--no-email``); the email ledger row is skipped.
    email_enabled: bool = True

    @property
    def key(self) -> int:
        """The id of a stored subscriber (one not yet stored has none: a programming error)."""
        if self.id is None:
            raise ValueError(f"subscriber {self.email!r} is not stored yet")
        return self.id


DEFAULT_RADAR = "main"  # the name of the profile given at `subscribers add` (migration 0012)


class InterestProfile(SQLModel, table=True):
    """A radar: what a reader wants, as free text plus hard controls. A reader has one or more, each
    named (unique per reader); the first (lowest id) is the one `subscribers add` and the sign-up
    form set. Each radar is matched on its own and gets its own section in the email."""

    __tablename__ = "interest_profile"
    __table_args__ = (UniqueConstraint("subscriber_id", "name", name="uq_interest_profile_subscriber_name"),)
    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    name: str = Field(default=DEFAULT_RADAR, max_length=40)
    interests: str = ""  # free text, any language
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # boost
    exclude: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # hard filter
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # hard filter
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # boost
    # English key phrases an LLM expanded the free text into when it was saved (for non-English text).
    expanded: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    expanded_for: str = ""  # the interests text the expansion was made from
    # The reader's own papers (migration 0013): [{id, title, abstract, year, source}], see subscribers/library.py.
    library: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    updated_at: datetime = Field(default_factory=utcnow)


class Feedback(SQLModel, table=True):
    """A like (+1) or dislike (-1) of a paper. One row per (subscriber, paper): reversible. It trains
    the radar the paper was shown under (``radar_id``; None: the reader's first radar)."""

    __table_args__ = (UniqueConstraint("subscriber_id", "paper_id"),)
    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    paper_id: str = Field(foreign_key="paper.id", max_length=200)
    value: int  # +1 or -1
    radar_id: int | None = Field(default=None, foreign_key="interest_profile.id")
    created_at: datetime = Field(default_factory=utcnow)


class Channel(SQLModel, table=True):
    """A chat or webhook destination of a reader's briefing, an Apprise URL (migration 0011).

    ``url`` carries the service's secret (a bot token, a webhook key): it is stored as given and only
    ever shown through ``subscribers.channels.mask_channel``."""

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    url: str = Field(max_length=2000)
    kind: str = Field(max_length=40)  # the Apprise schema: feishu, dingtalk, wecombot, slack, tgram, json, ...
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def key(self) -> int:
        if self.id is None:
            raise ValueError(f"a {self.kind} channel of subscriber {self.subscriber_id} is not stored yet")
        return self.id


class ChannelDelivery(SQLModel, table=True):
    """The channel ledger: one row per (channel, edition), checked before every send, with the email
    ledger's states: queued -> sending -> sent / failed (``failure_kind`` transient: retried by the next
    run; permanent: never) / skipped. A row left ``sending`` by a crash is never resent automatically."""

    __tablename__ = "channel_delivery"
    __table_args__ = (UniqueConstraint("channel_id", "edition_date"),)
    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    edition_date: date = Field(index=True)
    state: str = Field(default="queued", max_length=12)
    reason: str | None = None
    failure_kind: str | None = Field(default=None, max_length=10)  # transient or permanent, for failed rows
    attempts: int = 0
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def explained(self) -> str | None:
        """The reason as an operator reads it, the failure's kind first."""
        return f"{self.failure_kind}: {self.reason}" if self.failure_kind and self.reason else self.reason


class SubscriberChange(SQLModel, table=True):
    """Every change to a subscriber: when, what (field, before, after), and through which way in."""

    __tablename__ = "subscriber_change"
    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    via: str = Field(
        max_length=40
    )  # cli, import, signup, confirm-link, preferences-link, unsubscribe-link, one-click, feedback-link, ses-event
    changes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class LibrarySource(SQLModel, table=True):
    """Where a radar's library is synced from (migration 0015): a Zotero library (``kind`` zotero,
    ``ref`` ``users/<id>`` or ``groups/<id>``, its API key in ``secret``, optionally ``collections``)
    or an ORCID iD's works in OpenAlex (``kind`` orcid, ``ref`` the iD). ``items`` holds the synced
    papers by Zotero item key (or paper id), ``version`` Zotero's library version for an incremental
    refresh. ``secret`` is stored as given and only ever shown through
    ``subscribers.libsources.mask_key``; a failed refresh keeps the previous items and says why."""

    __tablename__ = "library_source"
    __table_args__ = (UniqueConstraint("profile_id", "kind", "ref", name="uq_library_source_profile_kind_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    profile_id: int = Field(foreign_key="interest_profile.id", index=True)
    kind: str = Field(max_length=10)  # zotero | orcid
    ref: str = Field(max_length=40)
    secret: str | None = Field(default=None, max_length=64)
    collections: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int | None = None
    items: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="new", max_length=10)  # new | ok | failed
    error: str | None = Field(default=None, max_length=500)
    synced_at: datetime | None = None  # the last refresh that succeeded
    attempted_at: datetime | None = None  # the last refresh tried
    not_before: datetime | None = None  # the service asked us to wait (429/503 Retry-After, Backoff)
    created_at: datetime = Field(default_factory=utcnow)

    def __repr__(self) -> str:  # never the key (a log line, a traceback's locals)
        return f"LibrarySource(id={self.id}, profile_id={self.profile_id}, {self.kind} {self.ref}, {self.status})"
