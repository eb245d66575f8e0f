"""Subscriber table. Interest profiles grow in the matching issue; the schema is Alembic's."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from academichub.models import utcnow

LANGUAGES = ("zh", "en", "bilingual")
STATUSES = ("pending", "active", "paused", "unsubscribed", "bounced", "complained")


class Subscriber(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=320)  # stored lower-case
    name: str = ""
    language: str = Field(default="en", max_length=12)
    interests: str = ""
    timezone: str = Field(default="UTC", max_length=64)
    delivery_hour: int = 7
    papers_per_email: int = 8
    status: str = Field(default="active", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None
