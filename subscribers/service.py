"""Subscribers and their interest profiles: validation at the edge, one row per address."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from academichub.models import utcnow
from subscribers.models import FREQUENCIES, LANGUAGES, WEEKDAYS, Feedback, InterestProfile, Subscriber


class SubscriberError(ValueError):
    """A clear, user-facing problem with subscriber input."""


def normalise_email(raw: str) -> str:
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise SubscriberError(f"invalid email address {raw!r}: {exc}") from None
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
    known_categories: frozenset[str] = field(default_factory=frozenset)

    def validate(self) -> None:
        if self.language is not None and self.language not in LANGUAGES:
            raise SubscriberError(f"unknown language {self.language!r}: choose one of {', '.join(LANGUAGES)}")
        if self.timezone is not None:
            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise SubscriberError(f"unknown time zone {self.timezone!r}: use an IANA name such as Asia/Shanghai or Europe/Berlin") from None
        if self.delivery_hour is not None and not 0 <= self.delivery_hour <= 23:
            raise SubscriberError(f"delivery hour must be 0-23, not {self.delivery_hour}")
        if self.frequency is not None and self.frequency not in FREQUENCIES:
            raise SubscriberError(f"unknown frequency {self.frequency!r}: choose daily or weekly")
        if self.weekly_day is not None and self.weekly_day not in WEEKDAYS:
            raise SubscriberError(f"unknown weekday {self.weekly_day!r}: choose one of {', '.join(WEEKDAYS)}")
        if self.papers_per_email is not None and not 1 <= self.papers_per_email <= 30:
            raise SubscriberError(f"papers per email must be 1-30, not {self.papers_per_email}")
        if self.categories and self.known_categories:
            unknown = [c for c in self.categories if c not in self.known_categories]
            if unknown:
                raise SubscriberError(
                    f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(repr, unknown))}: "
                    f"the configured sources have {', '.join(sorted(self.known_categories))}"
                )


def upsert_subscriber(session: Session, email: str, data: ProfileInput) -> tuple[Subscriber, InterestProfile, bool]:
    """Add a subscriber or update the one with that address. Returns (subscriber, profile, created)."""
    data.validate()
    address = normalise_email(email)
    sub = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
    created = sub is None
    if sub is None:
        sub = Subscriber(email=address)
        session.add(sub)
        session.flush()
    for attr in ("name", "language", "timezone", "delivery_hour", "frequency", "weekly_day", "papers_per_email"):
        value = getattr(data, attr)
        if value is not None:
            setattr(sub, attr, value)
    if sub.frequency == "weekly" and not sub.weekly_day:
        sub.weekly_day = "mon"
    sub.updated_at = utcnow()
    profile = session.get(InterestProfile, sub.id) or InterestProfile(subscriber_id=sub.id)
    if data.interests is not None:
        profile.interests = data.interests.strip()
    for attr in ("keywords", "exclude", "categories", "authors"):
        value = getattr(data, attr)
        if value is not None:
            setattr(profile, attr, split_list(value))
    profile.updated_at = utcnow()
    session.add(sub)
    session.add(profile)
    session.commit()
    session.refresh(sub)
    session.refresh(profile)
    return sub, profile, created


def get_subscriber(session: Session, email: str) -> tuple[Subscriber, InterestProfile]:
    address = normalise_email(email)
    sub = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
    if sub is None:
        raise SubscriberError(f"no subscriber with the address {address}")
    return sub, session.get(InterestProfile, sub.id) or InterestProfile(subscriber_id=sub.id)


def is_receiving(sub: Subscriber, today: date) -> bool:
    """Active (or paused until a day that has come), and due today: daily readers every day,
    weekly readers on their day."""
    if sub.status == "active":
        status_ok = True
    else:
        status_ok = sub.status == "paused" and sub.paused_until is not None and sub.paused_until <= today
    if not status_ok:
        return False
    if sub.frequency == "weekly":
        return WEEKDAYS[today.weekday()] == (sub.weekly_day or "mon")
    return True


def active_subscribers(session: Session, today: date | None = None) -> list[tuple[Subscriber, InterestProfile]]:
    """Subscribers who receive email today (active, or paused until a day that has come), with profiles."""
    today = today or date.today()
    rows = session.exec(
        select(Subscriber, InterestProfile)
        .join(InterestProfile, InterestProfile.subscriber_id == Subscriber.id, isouter=True)
        .where(Subscriber.status.in_(("active", "paused")))
        .order_by(Subscriber.id)
    ).all()
    return [(s, p or InterestProfile(subscriber_id=s.id)) for s, p in rows if is_receiving(s, today)]


def all_subscribers(session: Session) -> list[tuple[Subscriber, InterestProfile]]:
    rows = session.exec(
        select(Subscriber, InterestProfile)
        .join(InterestProfile, InterestProfile.subscriber_id == Subscriber.id, isouter=True)
        .order_by(Subscriber.id)
    ).all()
    return [(s, p or InterestProfile(subscriber_id=s.id)) for s, p in rows]


def count_subscribers(session: Session) -> int:
    return len(session.exec(select(Subscriber.id)).all())


def set_feedback(session: Session, subscriber_id: int, paper_id: str, value: int) -> None:
    """Record a like (+1) or dislike (-1); value 0 removes it (undo). Idempotent."""
    if value not in (-1, 0, 1):
        raise SubscriberError("feedback is +1 (like), -1 (dislike) or 0 (undo)")
    row = session.exec(select(Feedback).where(Feedback.subscriber_id == subscriber_id, Feedback.paper_id == paper_id)).first()
    if value == 0:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Feedback(subscriber_id=subscriber_id, paper_id=paper_id, value=value))
    else:
        row.value = value
        session.add(row)
    session.commit()


def feedback_for(session: Session, subscriber_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for i in range(0, len(subscriber_ids), 900):
        chunk = subscriber_ids[i:i + 900]
        for f in session.exec(select(Feedback).where(Feedback.subscriber_id.in_(chunk))):
            out.setdefault(f.subscriber_id, {})[f.paper_id] = f.value
    return out


def subscriber_record(sub: Subscriber, profile: InterestProfile) -> dict:
    """One person's data, for export."""
    return {
        "email": sub.email, "name": sub.name, "language": sub.language, "timezone": sub.timezone,
        "delivery_hour": sub.delivery_hour, "frequency": sub.frequency, "weekly_day": sub.weekly_day,
        "papers_per_email": sub.papers_per_email, "status": sub.status,
        "paused_until": sub.paused_until.isoformat() if sub.paused_until else None,
        "created_at": sub.created_at.isoformat() if sub.created_at else None,
        "confirmed_at": sub.confirmed_at.isoformat() if sub.confirmed_at else None,
        "interests": profile.interests, "keywords": profile.keywords, "exclude": profile.exclude,
        "categories": profile.categories, "authors": profile.authors, "expanded": profile.expanded,
    }
