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


def test_judge_day_holds_only_a_day_that_cannot_be_trusted():
    from academichub.papers.health import SourceState as S
    from academichub.papers.health import judge_day

    usual = {"arxiv-cs.LG": 300.0, "arxiv-cs.CV": 200.0, "medrxiv": 40.0, "nature": 5.0}
    ok = [S("arxiv-cs.LG", "ok"), S("arxiv-cs.CV", "ok"), S("medrxiv", "ok"), S("nature", "ok")]
    assert judge_day(ok, usual) is None
    # One small feed failing: about 1 % of the day.
    assert judge_day([*ok[:3], S("nature", "failed")], usual) is None
    # The big one failing, or empty on an announcement day (suspect): 55 % of the day.
    assert judge_day([S("arxiv-cs.LG", "failed"), *ok[1:]], usual) == (
        "sources that usually carry 55% of the day's papers failed or are suspect: arxiv-cs.LG (failed)"
    )
    assert "arxiv-cs.LG (suspect)" in judge_day([S("arxiv-cs.LG", "suspect"), *ok[1:]], usual)
    # A quiet day is not a broken one: no announcement and unchanged feeds are never bad.
    quiet = [S("arxiv-cs.LG", "no_announcement"), S("arxiv-cs.CV", "no_announcement"), S("nature", "not_modified")]
    assert judge_day(quiet, usual) is None
    # Every source failed: held, with or without history; no server reached at all says so.
    down = [S(k, "failed", unreachable=True) for k in usual]
    assert judge_day(down, {}) == "every source failed (4 of 4): no server could be reached (no network?)"
    assert judge_day([S("a", "failed"), S("b", "suspect")], usual) == "every source failed or is suspect (2 of 2)"
    # No history for the run's sources: each counts the same, and "most" means more than half.
    assert judge_day([S("a", "failed"), S("b", "ok")], {}) is None
    assert judge_day([S("a", "failed"), S("b", "failed"), S("c", "ok")], {}).startswith(
        "sources that usually carry 67%"
    )
    assert judge_day([S("arxiv-cs.LG", "failed"), *ok[1:]], usual, hold_share=0.6) is None  # ACADEMICHUB_HOLD_SHARE
