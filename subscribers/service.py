"""Adding and listing subscribers: validation at the edge, one row per address."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from subscribers.models import LANGUAGES, Subscriber


class SubscriberError(ValueError):
    """A clear, user-facing problem with subscriber input."""


def normalise_email(raw: str) -> str:
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise SubscriberError(f"invalid email address {raw!r}: {exc}") from None
    return result.normalized.lower()


def upsert_subscriber(session: Session, email: str, *, interests: str, language: str = "en", name: str = "") -> tuple[Subscriber, bool]:
    """Add a subscriber or update the existing one with that address. Returns (row, created)."""
    if language not in LANGUAGES:
        raise SubscriberError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    address = normalise_email(email)
    row = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
    created = row is None
    if row is None:
        row = Subscriber(email=address)
    row.interests = interests.strip()
    row.language = language
    if name:
        row.name = name
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, created


def active_subscribers(session: Session) -> list[Subscriber]:
    return list(session.exec(select(Subscriber).where(Subscriber.status == "active").order_by(Subscriber.id)))


def count_subscribers(session: Session) -> int:
    return len(session.exec(select(Subscriber.id)).all())
