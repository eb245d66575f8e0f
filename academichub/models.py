"""Database tables for papers, feed listings, editions and fetch logs.

The schema itself is owned by Alembic (``academichub/migrations``); these classes are the
Python view of it. Subscriber tables live in ``subscribers/models.py``.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(dt.UTC)


class Paper(SQLModel, table=True):
    """One scholarly work, however many feeds and versions it arrived through."""

    id: str = Field(primary_key=True, max_length=200)  # bare arXiv id, or doi:<lower-case DOI>
    arxiv_id: str | None = Field(default=None, index=True, max_length=64)
    arxiv_version: int | None = None
    doi: str | None = Field(default=None, index=True, max_length=200)
    title: str
    title_key: str = Field(default="", index=True, max_length=400)  # normalised title for matching
    abstract: str = ""
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source_labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    server: str = Field(default="", max_length=40)  # arxiv, medrxiv, biorxiv, journal
    kind: str = Field(default="article", max_length=20)  # article, news, correction, retraction, editorial
    abs_url: str | None = None
    pdf_url: str | None = None
    doi_url: str | None = None
    journal_ref: str | None = None
    announce_type: str | None = Field(default=None, max_length=20)
    published: date | None = None
    first_seen: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PaperAlias(SQLModel, table=True):
    """Every identifier a paper is known by (arXiv id, doi:..., a linked preprint's id)."""

    __tablename__ = "paper_alias"
    alias: str = Field(primary_key=True, max_length=200)
    paper_id: str = Field(foreign_key="paper.id", index=True, max_length=200)


class Listing(SQLModel, table=True):
    """Which feed (source) listed which paper, and how."""

    __table_args__ = (UniqueConstraint("source_key", "paper_id", "announce_type", "edition_date"),)
    id: int | None = Field(default=None, primary_key=True)
    source_key: str = Field(index=True, max_length=100)
    paper_id: str = Field(foreign_key="paper.id", index=True, max_length=200)
    announce_type: str | None = Field(default=None, max_length=20)
    edition_date: date = Field(index=True)
    seen_at: datetime = Field(default_factory=utcnow)


class Edition(SQLModel, table=True):
    """The papers that were new in one day's ingest."""

    date: dt.date = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The day's themes as found once (Theme.as_dict each), and the papers key they were found for.
    themes: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    themes_key: str | None = Field(default=None, max_length=64)
    # Why the day's edition cannot be trusted (every source failed, or most of the day): nobody is
    # sent it while this is set; a later run of the day whose sources work clears it.
    held: str | None = Field(default=None, max_length=500)


class EditionPaper(SQLModel, table=True):
    __tablename__ = "edition_paper"
    edition_date: date = Field(foreign_key="edition.date", primary_key=True)
    paper_id: str = Field(foreign_key="paper.id", primary_key=True, max_length=200)
    position: int = 0
    source_label: str = ""  # the label under which this edition lists the paper


class FetchLog(SQLModel, table=True):
    """What one source returned in one run: the record that tells a quiet day from a broken one."""

    __tablename__ = "fetch_log"
    __table_args__ = (Index("ix_fetch_log_source_time", "source_key", "fetched_at"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, max_length=64)
    edition_date: date | None = None
    source_key: str = Field(max_length=100)
    url: str
    http_status: int | None = None
    items: int = 0
    new_papers: int = 0
    bytes: int = 0
    duration_ms: int = 0
    etag: str | None = None
    last_modified: str | None = None
    health: str = Field(default="ok", max_length=20)  # ok, not_modified, no_announcement, suspect, failed
    error: str | None = None
    fetched_at: datetime = Field(default_factory=utcnow)


class Embedding(SQLModel, table=True):
    """Cached text embeddings (paper texts and profile texts), keyed by model and text hash."""

    model: str = Field(primary_key=True, max_length=64)
    text_hash: str = Field(primary_key=True, max_length=40)  # sha1 of the UTF-8 text
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # float32, little-endian
    created_at: datetime = Field(default_factory=utcnow)


class LlmCache(SQLModel, table=True):
    """Validated LLM output, reused by every reader and every rerun: (kind, key, language, model, prompt)."""

    __tablename__ = "llm_cache"
    kind: str = Field(primary_key=True, max_length=20)  # paper, theme, opening
    key: str = Field(primary_key=True, max_length=200)  # paper id, theme fingerprint, subscriber+edition
    language: str = Field(primary_key=True, max_length=8)
    model: str = Field(primary_key=True, max_length=100)
    prompt_version: str = Field(primary_key=True, max_length=40)
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class DayMatch(SQLModel, table=True):
    """One reader's papers of one day's edition as prepare-edition matched them (compact rows:
    ``academichub/matching/kept.py``), so that deliver-due does not match everyone again. A row
    counts only while the edition (``edition_key``) and what the matcher takes of the reader — radars,
    feedback, library, papers per email (``reader_key``) — are what they were; otherwise the reader
    is matched afresh at delivery."""

    __tablename__ = "day_match"
    edition_date: dt.date = Field(primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", primary_key=True)
    edition_key: str = Field(max_length=64)
    reader_key: str = Field(max_length=64)
    matches: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class DeliveryState(StrEnum):
    """A ledger row's state: queued -> (claimed by a worker) -> sending -> sent / failed / skipped.
    Stored as its text value, so rows and queries compare with plain strings too."""

    QUEUED = "queued"
    CLAIMED = "claimed"
    SENDING = "sending"  # claimed for a send, outcome not yet known: never resent automatically
    SENT = "sent"
    FAILED = "failed"  # see ``FailureKind``
    SKIPPED = "skipped"  # with why (paused, nothing to send, already sent, ...)


class FailureKind(StrEnum):
    """Why a ``failed`` row failed: transient (the provider was busy or unreachable: the next run retries
    it) or permanent (the provider refused the message or address: recorded, never retried)."""

    TRANSIENT = "transient"
    PERMANENT = "permanent"


class Delivery(SQLModel, table=True):
    """The ledger: one row per (subscriber, edition), checked before every send.

    ``DeliveryState`` says where a row is; a failed row's ``failure_kind`` says whether a rerun retries it.
    A row left in ``sending`` by a crash has an unknown outcome: it is never resent automatically.
    """

    __table_args__ = (UniqueConstraint("subscriber_id", "edition_date"),)
    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    edition_date: dt.date = Field(index=True)
    state: str = Field(default=DeliveryState.QUEUED, max_length=12)  # a DeliveryState value
    reason: str | None = None
    failure_kind: str | None = Field(default=None, max_length=10)  # a FailureKind value, for failed rows
    message_id: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
    # What the email said (compose's record: paper ids, texts, reasons), for "view in browser" and the feed.
    content: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))

    @property
    def retryable(self) -> bool:
        """A failed row the next run sends again."""
        return self.state == DeliveryState.FAILED and self.failure_kind == FailureKind.TRANSIENT

    @property
    def explained(self) -> str | None:
        """The reason as an operator reads it: a failure's kind first (``permanent: 550 mailbox unavailable``)."""
        if self.failure_kind and self.reason is not None:
            return f"{self.failure_kind}: {self.reason}"
        return self.reason

    @property
    def key(self) -> int:
        """The id of a stored ledger row (one not yet stored has none: a programming error)."""
        if self.id is None:
            raise ValueError(
                f"the delivery to subscriber {self.subscriber_id} on {self.edition_date} is not stored yet"
            )
        return self.id
