"""Helpers shared by the parsers of each feed family."""

from __future__ import annotations

from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any


def parse_date(*values: Any) -> date | None:
    for value in values:
        if not value:
            continue
        if isinstance(value, str):
            value = value.strip()
            try:
                return parsedate_to_datetime(value).date()  # RFC 822: keep the publisher's own day
            except (TypeError, ValueError, IndexError):
                pass
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                try:
                    return date.fromisoformat(value[:10])
                except ValueError:
                    continue
    return None
