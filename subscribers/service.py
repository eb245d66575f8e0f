"""Subscribers and their interest profiles: validation at the edge, one row per address."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from academichub.i18n.errors import Explained
from academichub.models import utcnow
from subscribers.models import (
    EMPTY_DAY,
    FREQUENCIES,
    LANGUAGES,
    WEEKDAYS,
    Feedback,
    InterestProfile,
    Subscriber,
    SubscriberChange,
    due_on,
)
from subscribers.suggest import close_matches


class SubscriberError(Explained):
    """A clear, user-facing problem with subscriber input (``of(key, ...)``: worded in the reader's language
    on pages and in emails, in English in the CLI)."""


# Field sizes (the same for the CLI, an import, the sign-up form and the preference page).
INTERESTS_MAX = 2000
NAME_MAX = 120
LIST_MAX = 50  # keywords, exclusions, categories or authors
ITEM_MAX = 200  # one of them
TIMEZONE_MAX = 64  # the column; the longest IANA name is 32
_TIMEZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")


def shown(value: str, limit: int = 60) -> str:
    """A value quoted in an error message, cut short (the message must not repeat a megabyte)."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def check_timezone(name: str) -> None:
    """An IANA time zone, checked by shape before the zone files are looked up (a 300-character
    name would otherwise raise OSError: File name too long)."""
    problem = SubscriberError.of("err_timezone", value=shown(name))
    if len(name) > TIMEZONE_MAX or not _TIMEZONE.fullmatch(name):
        raise problem
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise problem from None


def normalise_email(raw: str) -> str:
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise SubscriberError.of("err_email", value=shown(raw), detail=exc) from None
    return result.normalized.lower()


def split_list(value: str | list[str] | None) -> list[str]:
    """'a, b; c' -> ['a', 'b', 'c'] (commas, semicolons or Chinese commas), order kept, no duplicates."""
    if value is None:
        return []
    items = value if isinstance(value, list) else re.split(r"[,;，；、]", value)
    out: list[str] = []
    for item in items:
        item = " ".join(str(item).split())
        if item and item.casefold() not in (x.casefold() for x in out):
            out.append(item)
    return out


@dataclass
class ProfileInput:
    """Everything `subscribers add` / import / the preference page may set. None = leave as is."""

    interests: str | None = None
    language: str | None = None
    name: str | None = None
    keywords: list[str] | None = None
    exclude: list[str] | None = None
    categories: list[str] | None = None
    authors: list[str] | None = None
    timezone: str | None = None
    delivery_hour: int | None = None
    frequency: str | None = None
    weekly_day: str | None = None
    papers_per_email: int | None = None
    empty_day: str | None = None
    paused_until: date | None = None
    resume: bool = False  # clear a pause
    known_categories: frozenset[str] = field(default_factory=frozenset)

    def validate(self) -> None:
        if self.language is not None and self.language not in LANGUAGES:
            raise SubscriberError.of("err_language", value=shown(self.language), choices=", ".join(LANGUAGES))
        if self.timezone is not None:
            check_timezone(self.timezone)
        if self.interests is not None and len(self.interests.strip()) > INTERESTS_MAX:
            raise SubscriberError.of(
                "err_interests_long", limit=f"{INTERESTS_MAX:,}", length=f"{len(self.interests):,}"
            )
        if self.name is not None and len(self.name) > NAME_MAX:
            raise SubscriberError.of("err_name_long", limit=NAME_MAX, length=f"{len(self.name):,}")
        for attr in ("keywords", "exclude", "categories", "authors"):
            items = getattr(self, attr) or []
            if len(items) > LIST_MAX or any(len(str(i)) > ITEM_MAX for i in items):
                raise SubscriberError.of("err_list_long", field=attr, count=LIST_MAX, limit=ITEM_MAX)
        for attr in ("interests", "name", "keywords", "exclude", "categories", "authors"):
            if "\x00" in str(getattr(self, attr) or ""):  # PostgreSQL text cannot hold one
                raise SubscriberError.of("err_nul", field=attr)
        if self.delivery_hour is not None and not 0 <= self.delivery_hour <= 23:
            raise SubscriberError.of("err_hour", value=self.delivery_hour)
        if self.frequency is not None and self.frequency not in FREQUENCIES:
            raise SubscriberError.of("err_frequency", value=shown(self.frequency))
        if self.weekly_day is not None and self.weekly_day not in WEEKDAYS:
            raise SubscriberError.of("err_weekday", value=shown(self.weekly_day), choices=", ".join(WEEKDAYS))
        if self.empty_day is not None and self.empty_day not in EMPTY_DAY:
            raise SubscriberError.of("err_empty_day", value=shown(self.empty_day))
        if self.papers_per_email is not None and not 1 <= self.papers_per_email <= 30:
            raise SubscriberError.of("err_papers", value=self.papers_per_email)
        if self.categories and self.known_categories:
            unknown = [c for c in self.categories if c not in self.known_categories]
            if unknown:
                near = close_matches(unknown[0], self.known_categories)
                raise SubscriberError.of(
                    "err_category_near" if near else "err_category",
                    noun="category" if len(unknown) == 1 else "categories",
                    values=", ".join(map(shown, unknown[:10])),
                    near=", ".join(near),
                )


SUBSCRIBER_FIELDS = (
    "name",
    "language",
    "timezone",
    "delivery_hour",
    "frequency",
    "weekly_day",
    "papers_per_email",
    "empty_day",
)
PROFILE_FIELDS = ("keywords", "exclude", "categories", "authors")


def _shown(value) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def record_change(session: Session, sub: Subscriber, via: str, changes: list[tuple[str, str, str]]) -> None:
    """Keep (when, which field from what to what, through which way in) for every change."""
    if changes:
        session.add(SubscriberChange(subscriber_id=sub.key, via=via, changes=[list(c) for c in changes]))


def upsert_subscriber(
    session: Session, email: str, data: ProfileInput, *, via: str = "cli", status: str | None = None
) -> tuple[Subscriber, InterestProfile, bool]:
    """Add a subscriber or update the one with that address. Returns (subscriber, profile, created);
    the changes (field, before, after) are recorded with ``via``, and ``changes_of`` reads them."""
    sub, profile, created, _changes = apply_profile(session, email, data, via=via, status=status)
    return sub, profile, created


def apply_profile(
    session: Session, email: str, data: ProfileInput, *, via: str, status: str | None = None
) -> tuple[Subscriber, InterestProfile, bool, list[tuple[str, str, str]]]:
    data.validate()
    address = normalise_email(email)
    sub = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
    created = sub is None
    if sub is None:
        sub = Subscriber(email=address, status=status or "active")
        session.add(sub)
        session.flush()
    changes: list[tuple[str, str, str]] = [("status", "", sub.status)] if created else []
    for attr in SUBSCRIBER_FIELDS:
        value = getattr(data, attr)
        if value is not None and value != getattr(sub, attr):
            changes.append((attr, _shown(getattr(sub, attr)), _shown(value)))
            setattr(sub, attr, value)
    if sub.frequency == "weekly" and not sub.weekly_day:
        sub.weekly_day = "mon"
    if data.paused_until is not None and (sub.status != "paused" or sub.paused_until != data.paused_until):
        changes.append(("paused_until", _shown(sub.paused_until), _shown(data.paused_until)))
        sub.status, sub.paused_until = "paused", data.paused_until
    elif data.resume and sub.status == "paused":
        changes.append(("status", "paused", "active"))
        sub.status, sub.paused_until = "active", None
    sub.updated_at = utcnow()
    sid = sub.key  # flushed above when new
    profile = _first_radar(session, sid) or InterestProfile(subscriber_id=sid)
    if data.interests is not None and data.interests.strip() != profile.interests:
        changes.append(("interests", profile.interests, data.interests.strip()))
        profile.interests = data.interests.strip()
    for attr in PROFILE_FIELDS:
        value = getattr(data, attr)
        if value is not None and split_list(value) != list(getattr(profile, attr) or []):
            changes.append((attr, _shown(list(getattr(profile, attr) or [])), _shown(split_list(value))))
            setattr(profile, attr, split_list(value))
    profile.updated_at = utcnow()
    session.add(sub)
    session.add(profile)
    record_change(session, sub, via, changes)
    session.commit()
    session.refresh(sub)
    session.refresh(profile)
    return sub, profile, created, changes


def set_status(session: Session, sub: Subscriber, status: str, *, via: str) -> bool:
    """Move a subscriber to a status (unsubscribed, bounced, ...); False if it already was."""
    if sub.status == status:
        return False
    record_change(session, sub, via, [("status", sub.status, status)])
    sub.status, sub.updated_at = status, utcnow()
    if status == "active" and sub.confirmed_at is None:
        sub.confirmed_at = utcnow()
    session.add(sub)
    session.commit()
    return True


def changes_of(session: Session, subscriber_id: int) -> list[SubscriberChange]:
    return list(
        session.exec(
            select(SubscriberChange)
            .where(SubscriberChange.subscriber_id == subscriber_id)
            .order_by(col(SubscriberChange.id))
        )
    )


def delete_subscriber(session: Session, sub: Subscriber) -> None:
    """Remove a person's data: feedback, profile, change record, channels, library sources (their keys),
    delivery ledgers, kept day matches, the subscriber."""
    from sqlalchemy import delete

    from academichub.models import DayMatch, Delivery
    from subscribers.channels import delete_channels
    from subscribers.libsources import delete_sources

    delete_channels(session, sub.key)
    delete_sources(session, subscriber_id=sub.key)
    for model in (Feedback, SubscriberChange, Delivery, DayMatch):
        session.execute(delete(model).where(col(model.subscriber_id) == sub.id))
    session.execute(delete(InterestProfile).where(col(InterestProfile.subscriber_id) == sub.id))
    session.delete(sub)
    session.commit()


def get_subscriber(session: Session, email: str) -> tuple[Subscriber, InterestProfile]:
    address = normalise_email(email)
    sub = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
    if sub is None:
        raise SubscriberError(f"no subscriber with the address {address}")
    return sub, _first_radar(session, sub.key) or InterestProfile(subscriber_id=sub.key)


def _first_radar(session: Session, subscriber_id: int) -> InterestProfile | None:
    """The reader's first radar (lowest id): the profile `subscribers add` and the sign-up form set."""
    return session.exec(
        select(InterestProfile).where(InterestProfile.subscriber_id == subscriber_id).order_by(col(InterestProfile.id))
    ).first()


def _with_first_radar(rows) -> list[tuple[Subscriber, InterestProfile | None]]:
    """Rows of (subscriber, radar) ordered by subscriber then radar id -> one row per subscriber with
    their first radar (a reader with several radars has several rows in the join)."""
    out: list[tuple[Subscriber, InterestProfile | None]] = []
    for sub, profile in rows:
        if not out or out[-1][0].id != sub.id:
            out.append((sub, profile))
    return out


def is_receiving(sub: Subscriber, today: date) -> bool:
    """Active (or paused until a day that has come), and due today: daily readers every day,
    weekly readers on their day."""
    if sub.status == "active":
        status_ok = True
    else:
        status_ok = sub.status == "paused" and sub.paused_until is not None and sub.paused_until <= today
    return status_ok and is_due(sub, today)


SUPPRESSED_STATUSES = ("bounced", "complained")


def is_due(sub: Subscriber, today: date) -> bool:
    """Would this reader get an email today by their frequency (whatever their status)?"""
    return due_on(today, sub.frequency, sub.weekly_day)


def skip_reason(sub: Subscriber, today: date) -> str | None:
    """Why a reader who is due today gets nothing (None: they get their email)."""
    if sub.status in SUPPRESSED_STATUSES:
        return f"suppressed: {sub.status}"
    if sub.status == "paused" and (sub.paused_until is None or sub.paused_until > today):
        return f"paused until {sub.paused_until.isoformat()}" if sub.paused_until else "paused"
    if sub.status != "active" and sub.status != "paused":
        return sub.status
    return None


@dataclass
class Audience:
    """Today's readers: daily ones, weekly ones whose digest is due, and the due ones skipped (why)."""

    daily: list[tuple[Subscriber, InterestProfile]] = field(default_factory=list)
    weekly: list[tuple[Subscriber, InterestProfile]] = field(default_factory=list)
    skipped: list[tuple[Subscriber, str]] = field(default_factory=list)


def audience(session: Session, today: date) -> Audience:
    """Everyone due today (pending and unsubscribed readers are nobody's audience)."""
    rows = session.exec(
        select(Subscriber, InterestProfile)
        .join(InterestProfile, col(InterestProfile.subscriber_id) == Subscriber.id, isouter=True)
        .where(col(Subscriber.status).in_(("active", "paused", *SUPPRESSED_STATUSES)))
        .order_by(col(Subscriber.id), col(InterestProfile.id))
    ).all()
    out = Audience()
    for sub, profile in _with_first_radar(rows):
        if not is_due(sub, today):
            continue
        reason = skip_reason(sub, today)
        if reason:
            out.skipped.append((sub, reason))
        else:
            (out.weekly if sub.frequency == "weekly" else out.daily).append(
                (sub, profile or InterestProfile(subscriber_id=sub.key))
            )
    return out


def active_subscribers(session: Session, today: date) -> list[tuple[Subscriber, InterestProfile]]:
    """Subscribers who receive email ``today`` (active, or paused until a day that has come), with profiles."""
    rows = session.exec(
        select(Subscriber, InterestProfile)
        .join(InterestProfile, col(InterestProfile.subscriber_id) == Subscriber.id, isouter=True)
        .where(col(Subscriber.status).in_(("active", "paused")))
        .order_by(col(Subscriber.id), col(InterestProfile.id))
    ).all()
    return [
        (s, p or InterestProfile(subscriber_id=s.key)) for s, p in _with_first_radar(rows) if is_receiving(s, today)
    ]


def all_subscribers(session: Session) -> list[tuple[Subscriber, InterestProfile]]:
    rows = session.exec(
        select(Subscriber, InterestProfile)
        .join(InterestProfile, col(InterestProfile.subscriber_id) == Subscriber.id, isouter=True)
        .order_by(col(Subscriber.id), col(InterestProfile.id))
    ).all()
    return [(s, p or InterestProfile(subscriber_id=s.key)) for s, p in _with_first_radar(rows)]


def count_subscribers(session: Session) -> int:
    return len(session.exec(select(Subscriber.id)).all())


def subscriber_record(sub: Subscriber, profile: InterestProfile) -> dict:
    """One person's data, for export."""
    return {
        "email": sub.email,
        "name": sub.name,
        "language": sub.language,
        "timezone": sub.timezone,
        "delivery_hour": sub.delivery_hour,
        "frequency": sub.frequency,
        "weekly_day": sub.weekly_day,
        "papers_per_email": sub.papers_per_email,
        "empty_day": sub.empty_day,
        "status": sub.status,
        "paused_until": sub.paused_until.isoformat() if sub.paused_until else None,
        "created_at": sub.created_at.isoformat() if sub.created_at else None,
        "confirmed_at": sub.confirmed_at.isoformat() if sub.confirmed_at else None,
        "interests": profile.interests,
        "keywords": profile.keywords,
        "exclude": profile.exclude,
        "categories": profile.categories,
        "authors": profile.authors,
        "expanded": profile.expanded,
        "library": len(profile.library or []),  # how many of their own papers; the papers: the preference page
    }
