"""The per-item machinery of parsing: each feed item is built and checked on its own, so one bad item
is skipped with its reason and never costs the rest of its feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from academichub.papers.records import FeedMeta, ItemError, ItemNote, PaperRecord, ParsedFeed
from academichub.papers.validate import check_record, item_ref, raw, short


def collect(items: Any, build: Callable[[Any], PaperRecord], ref: Callable[[Any, int], str]) -> ParsedFeed:
    """Build and check each item on its own: a bad one is skipped with its reason, the rest kept."""
    feed = ParsedFeed(meta=FeedMeta(format=""), records=[])
    for index, item in enumerate(items, 1):
        try:
            # feedparser's entries are read as plain dicts of the names it stores: its FeedParserDict
            # maps legacy names on every lookup (and warns on ``updated``), a fifth of an item's cost.
            rec = build(dict(item) if isinstance(item, dict) else item)
            notes = check_record(rec)
        except ItemError as exc:
            feed.rejected.append(ItemNote(_safe_ref(ref, item, index), str(exc)))
            continue
        except Exception as exc:  # a shape nobody foresaw costs this item, never the feed
            reason = f"could not be read ({exc.__class__.__name__}: {short(exc, 120)})"
            feed.rejected.append(ItemNote(_safe_ref(ref, item, index), reason))
            continue
        feed.records.append(rec)
        feed.bounded.extend(ItemNote(rec.id, n) for n in notes)
    return feed


def _safe_ref(ref: Callable[[Any, int], str], item: Any, index: int) -> str:
    try:
        return ref(item, index)
    except Exception:
        return f"item {index}"


def entry_ref(e: Any, index: int) -> str:
    return item_ref(e.get("id"), e.get("link"), e.get("title"), index=index)


def field_text(e: Any, key: str, limit: int = 2000) -> str:
    return raw(e.get(key), limit)


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
