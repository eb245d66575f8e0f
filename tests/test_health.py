from __future__ import annotations

from datetime import date

from academichub.papers.health import assess
from academichub.papers.parse import parse_document
from academichub.papers.records import FeedMeta
from tests.conftest import fixture_bytes

MONDAY = date(2026, 4, 27)


def arxiv_meta(day: date) -> FeedMeta:
    return FeedMeta(format="arxiv-rss", skip_days=("Saturday", "Sunday"), published=day)


def test_empty_sunday_feed_is_no_announcement():
    meta = parse_document(fixture_bytes("arxiv-rss-cs-empty-sunday-xlr-aex.xml")).meta
    h = assess(meta=meta, items=0, day=date(2026, 3, 30))
    assert h.status == "no_announcement" and "Sunday" in h.note


def test_empty_on_an_announcement_day_is_suspect():
    assert assess(meta=arxiv_meta(MONDAY), items=0, day=MONDAY).status == "suspect"


def test_holiday_is_no_announcement():
    h = assess(
        meta=arxiv_meta(date(2026, 12, 25)), items=0, day=date(2026, 12, 25), holidays=frozenset({date(2026, 12, 25)})
    )
    assert h.status == "no_announcement" and "holiday" in h.note


def test_far_below_usual_is_suspect_only_with_history():
    meta = arxiv_meta(MONDAY)
    assert assess(meta=meta, items=20, day=MONDAY, history=[300, 280]).status == "ok"  # too little history
    h = assess(meta=meta, items=20, day=MONDAY, history=[300, 280, 310, 295])
    assert h.status == "suspect" and "usually" in h.note
    assert assess(meta=meta, items=250, day=MONDAY, history=[300, 280, 310, 295]).status == "ok"


def test_failures_and_not_modified():
    assert assess(meta=None, items=0, day=MONDAY, error="HTTP 503").status == "failed"
    assert assess(meta=None, items=0, day=MONDAY, not_modified=True).status == "not_modified"


def test_empty_journal_feed_is_ok_until_history_says_otherwise():
    meta = FeedMeta(format="journal-rss")
    assert assess(meta=meta, items=0, day=MONDAY).status == "ok"
    assert assess(meta=meta, items=0, day=MONDAY, history=[70, 75, 72]).status == "suspect"
