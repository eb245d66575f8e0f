"""The channel ledger end to end: a channel gets the briefing once (reruns, concurrent deliver-due
workers, both databases), a failing channel never blocks the email, transient failures are retried
by the next run and permanent ones recorded, a crash-interrupted send is reported and resent only on
purpose, and a channel-only reader gets no email but a working "view in browser" link. Local servers
only (tests/channel_support.py)."""

from __future__ import annotations

import json
import logging
import re
from datetime import date

import pytest
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.models import Delivery
from academichub.settings import SAMPLE_DAY_DIR, Settings
from subscribers.models import ChannelDelivery
from tests.channel_support import (  # noqa: F401  (redirect_requests: a fixture)
    DAY,
    OK,
    SECRET,
    add_reader,
    channel_rows,
    cli,
    hook_posts,
    redirect_requests,
)
from tests.daygen import arxiv_feed, ids_for, write

pytestmark = pytest.mark.usefixtures("prefect_harness")


# ---------------------------------------------------------------- end to end, through the ledger


def test_a_channel_gets_the_briefing_once_and_the_email_still_goes(httpserver, env_settings, capsys, monkeypatch):
    httpserver.expect_request("/hook").respond_with_json(OK)
    hook = f"json://127.0.0.1:{httpserver.port}/hook"
    code, out = add_reader(capsys, monkeypatch, "pr@example.org", "--channel", hook)
    assert code == 0 and "1 channel(s)" in out, out
    code, out = cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", DAY)
    assert code == 0 and "Wrote 1 briefing(s)" in out and "channel sent" in out, out
    (post,) = hook_posts(httpserver, "/hook")
    assert post["title"].startswith(f"AcademicHub · {DAY} · ") and "/view?t=" in post["message"]
    assert "/feedback?t=" in post["message"]
    assert list((env_settings / "outbox").rglob("pr@example.org*.eml"))  # the email too
    code, out = cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", DAY)
    assert code == 0 and len(hook_posts(httpserver, "/hook")) == 1  # the rerun sends nothing twice
    (row,) = channel_rows()
    assert row.state == "sent" and row.attempts == 1
    code, out = cli(capsys, monkeypatch, "deliveries", "--date", DAY, "--json")
    records = json.loads(out)
    assert sorted((r["channel"] is not None, r["state"]) for r in records) == [(False, "sent"), (True, "sent")]
    assert all(str(httpserver.port) in (r["channel"] or str(httpserver.port)) for r in records)


def test_a_reader_who_wants_math_pr_in_feishu_gets_it_there_once(
    httpserver, redirect, env_settings, capsys, monkeypatch
):
    httpserver.expect_request(re.compile(".*")).respond_with_json(OK)
    sources = env_settings / "sources.toml"
    sources.write_text('[[source]]\nkey = "arxiv-math.PR"\nurl = "https://rss.arxiv.org/rss/math.PR"\n')
    monkeypatch.setenv("ACADEMICHUB_SOURCES_FILE", str(sources))
    day = date(2026, 6, 22)
    feeds = write(env_settings / "feeds", {"arxiv-rss-math.PR.xml": arxiv_feed("math.PR", day, ids_for(day, 6))})
    code, out = cli(
        capsys,
        monkeypatch,
        "subscribers",
        "add",
        "prob@example.org",
        "--interests",
        "graph neural networks for molecule property prediction",
        "--categories",
        "math.PR",
        "--no-email",
        "--channel",
        f"feishu://{SECRET}",
    )
    assert code == 0 and "no email" in out and SECRET not in out, out
    for _ in range(2):  # the rerun sends nothing twice
        code, out = cli(capsys, monkeypatch, "run", "--from", str(feeds), "--date", DAY)
        assert code == 0, out
    feishu = [json.loads(b) for _, u, b in redirect if u.startswith("https://open.feishu.cn/")]
    assert len(feishu) == 1 and feishu[0]["msg_type"] == "text"
    text = feishu[0]["content"]["text"]
    assert text.startswith(f"AcademicHub · {DAY} · ") and "https://arxiv.org/abs/2606.22002" in text
    assert "/view?t=" in text and "/feedback?t=" in text and len(text) <= 19985
    assert not list((env_settings / "outbox").rglob("prob@example.org*.eml"))


def test_transient_failure_is_retried_next_run_permanent_is_recorded(httpserver, env_settings, capsys, monkeypatch):
    httpserver.expect_request("/flaky-s3cret").respond_with_data("busy", status=500)
    httpserver.expect_request("/gone").respond_with_data("no such hook", status=404)
    base = f"json://127.0.0.1:{httpserver.port}"
    flaky = f"{base}/flaky-s3cret"
    assert add_reader(capsys, monkeypatch, "a@example.org", "--channel", flaky, "--channel", f"{base}/gone")[0] == 0
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("academichub.delivery.channels", "apprise")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        code, out = cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", DAY)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    logged = [r.getMessage() for r in records]
    # the failure is logged, masked (the path is a webhook's secret), and Apprise's own lines name no path
    assert any(re.match(r"channel json://127\.0\.0\.1:\d+/f\.\.\.t of a@example\.org: transient", m) for m in logged)
    assert not [m for m in logged if "flaky-s3cret" in m] and "a@example.org → json://127.0.0.1:" in out
    assert not [line for line in out.splitlines() if "→" in line and "flaky-s3cret" in line]  # the report: masked
    assert code == 0 and "Wrote 1 briefing(s)" in out and "2 channel failed" in out, out  # the email is not blocked
    rows = {r.channel_id: r for r in channel_rows()}
    assert sorted(r.failure_kind for r in rows.values()) == ["permanent", "transient"]
    httpserver.clear()
    httpserver.expect_request("/flaky-s3cret").respond_with_json(OK)
    httpserver.expect_request("/gone").respond_with_data("no such hook", status=404)
    code, out = cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", DAY)
    assert [req.path for req, _ in httpserver.log] == ["/flaky-s3cret"]  # the permanent one is not retried
    after = {r.channel_id: r for r in channel_rows()}
    assert sorted((r.state, r.attempts) for r in after.values()) == [("failed", 1), ("sent", 2)]
    code, out = cli(capsys, monkeypatch, "deliveries", "--date", DAY)
    assert "permanent" in out and "127.0.0.1" in out


def test_a_channel_only_reader_gets_no_email_and_the_view_link_works(httpserver, env_settings, capsys, monkeypatch):
    httpserver.expect_request("/hook").respond_with_json(OK)
    hook = f"json://127.0.0.1:{httpserver.port}/hook"
    code, out = add_reader(capsys, monkeypatch, "solo@example.org", "--no-email")
    assert code == 2 and "--no-email needs a channel" in out
    with session_scope(open_database(Settings())) as s:
        assert s.exec(select(Delivery)).first() is None
    assert add_reader(capsys, monkeypatch, "solo@example.org", "--no-email", "--channel", hook)[0] == 0
    code, out = cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", DAY)
    assert code == 0 and "channel sent" in out, out
    assert not list((env_settings / "outbox").rglob("solo@example.org*.eml"))
    (post,) = hook_posts(httpserver, "/hook")
    with session_scope(open_database(Settings())) as s:
        (row,) = s.exec(select(Delivery))
    assert row.state == "skipped" and row.reason.startswith("no email") and row.content  # for "view in browser"
    view = re.search(r"https?://[^)\s]+/view\?t=[^)\s]+", post["message"]).group(0)
    from fastapi.testclient import TestClient

    from academichub.web.app import create_app

    page = TestClient(create_app(Settings())).get(view[view.index("/view") :])
    assert page.status_code == 200 and post["title"].split(" · ")[1] in page.text


def test_a_channel_send_a_crash_interrupted_is_reported_and_resent_only_on_purpose(
    httpserver, env_settings, capsys, monkeypatch
):
    from academichub.delivery import channel_ledger
    from subscribers.channels import channels_for

    httpserver.expect_request("/hook").respond_with_json(OK)
    assert (
        add_reader(capsys, monkeypatch, "c@example.org", "--channel", f"json://127.0.0.1:{httpserver.port}/hook")[0]
        == 0
    )
    with session_scope(open_database(Settings())) as s:  # as if a sender had died after claiming the row
        channels = channels_for(s, [1])
        rows = channel_ledger.prepare(s, date(2026, 6, 22), channels)
        (row,) = rows.values()
        assert channel_ledger.claim(s, row.id) and not channel_ledger.claim(s, row.id)
    code, out = cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", DAY)
    assert code == 0 and "channel stuck" in out and hook_posts(httpserver, "/hook") == [], out
    code, out = cli(capsys, monkeypatch, "deliveries", "--stuck")
    code, out = cli(capsys, monkeypatch, "deliveries", "--stuck", "--json")
    assert [(r["email"], r["channel"].split(":")[0], r["state"]) for r in json.loads(out)] == [
        ("c@example.org", "json", "sending")
    ]
    code, out = cli(capsys, monkeypatch, "deliveries", "resend", "--date", DAY)
    assert code == 0 and "Re-queued 1" in out and len(hook_posts(httpserver, "/hook")) == 1, out
    code, out = cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", DAY)
    assert len(hook_posts(httpserver, "/hook")) == 1 and [r.state for r in channel_rows()] == ["sent"]
    assert cli(capsys, monkeypatch, "subscribers", "delete", "c@example.org", "--yes")[0] == 0
    assert channel_rows() == []


def test_the_channel_ledger_claims_once_on_both_databases(db_url):
    from academichub.delivery import channel_ledger
    from subscribers.channels import add_channel, channels_for
    from subscribers.service import ProfileInput, upsert_subscriber

    engine = open_database(Settings(database_url=db_url, _env_file=None))
    day = date(2026, 6, 22)
    with session_scope(engine) as s:
        sub, _, _ = upsert_subscriber(s, "l@example.org", ProfileInput(interests="x"))
        add_channel(s, sub, f"feishu://{SECRET}", via="cli")
        add_channel(s, sub, f"feishu://{SECRET}", via="cli")  # the same URL again is the same channel
        channels = channels_for(s, [sub.key])
        assert len(channels[sub.key]) == 1
        (row,) = channel_ledger.prepare(s, day, channels).values()
        assert list(channel_ledger.prepare(s, day, channels).values())[0].id == row.id  # a rerun adds no row
        assert channel_ledger.claim(s, row.id) and not channel_ledger.claim(s, row.id)
        channel_ledger.finish(s, row.id, channel_ledger.transient("the service answered HTTP 502"))
        assert channel_ledger.claim(s, row.id)  # a transient failure may be tried again
        channel_ledger.finish(s, row.id, channel_ledger.permanent("the service refused the message (HTTP 404)"))
        assert not channel_ledger.claim(s, row.id)  # a permanent one never
        ((got, ch, address),) = channel_ledger.rows_for(s, day)
        assert got.attempts == 2 and got.state == "failed" and address == "l@example.org" and ch.kind == "feishu"


def test_two_deliver_due_at_once_send_each_channel_once(httpserver, env_settings, monkeypatch):
    """The production path (deliver-due, batches claimed by concurrent workers) on PostgreSQL."""
    import threading
    from collections import Counter
    from datetime import UTC, datetime

    from academichub.delivery.due import current_edition
    from academichub.editions.edition import read_edition
    from academichub.papers.ingest import run_ingest
    from academichub.services import Services
    from flows.deliver import deliver_day
    from subscribers.channels import add_channel
    from subscribers.service import ProfileInput, upsert_subscriber
    from tests.conftest import PG_URL, _reset_postgres

    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set ACADEMICHUB_TEST_DATABASE_URL")
    _reset_postgres(PG_URL)
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", PG_URL)
    httpserver.expect_request(re.compile("/r.*")).respond_with_json(OK)
    settings = Settings()
    engine = open_database(settings)
    with session_scope(engine) as s:
        for i in range(12):
            sub, _, _ = upsert_subscriber(
                s, f"r{i:02d}@example.com", ProfileInput(interests="quantum computing", timezone="Asia/Shanghai")
            )
            add_channel(s, sub, f"json://127.0.0.1:{httpserver.port}/r{i:02d}", via="cli", allow_private=True)
    run_ingest(settings, engine, paths=[str(SAMPLE_DAY_DIR)], day=date(2026, 6, 22))
    day, _ = current_edition(engine)
    read_edition(engine, day)
    prepared, now = datetime(2026, 6, 22, 0, 30, tzinfo=UTC), datetime(2026, 6, 22, 4, 0, tzinfo=UTC)
    errors: list[Exception] = []

    def worker() -> None:
        try:
            deliver_day(Services(settings, engine), day, prepared, now, batch_size=3)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    deliver_day(Services(settings, engine), day, prepared, now, batch_size=3)  # and once more, later
    posts = Counter(req.path for req, _ in httpserver.log)
    assert posts == {f"/r{i:02d}": 1 for i in range(12)}
    with session_scope(engine) as s:
        assert Counter(r.state for r in s.exec(select(ChannelDelivery))) == {"sent": 12}


def test_deliver_due_retries_a_transient_channel_next_hour_without_a_second_email(
    httpserver, env_settings, monkeypatch
):
    from datetime import UTC, datetime

    from academichub.delivery.due import current_edition
    from academichub.papers.ingest import run_ingest
    from academichub.services import Services
    from flows.deliver import deliver_day
    from subscribers.channels import add_channel
    from subscribers.radars import add_radar
    from subscribers.service import ProfileInput, upsert_subscriber

    settings = Settings()
    engine = open_database(settings)
    with session_scope(engine) as s:
        sub, _, _ = upsert_subscriber(
            s, "h@example.com", ProfileInput(interests="quantum computing", timezone="Asia/Shanghai")
        )
        add_radar(s, sub, "llm", ProfileInput(interests="language models"), via="cli")  # one reader, two radars
        add_channel(s, sub, f"json://127.0.0.1:{httpserver.port}/h", via="cli", allow_private=True)
    run_ingest(settings, engine, paths=[str(SAMPLE_DAY_DIR)], day=date(2026, 6, 22))
    day, _ = current_edition(engine)
    prepared = datetime(2026, 6, 22, 0, 30, tzinfo=UTC)
    httpserver.expect_request("/h").respond_with_data("down", status=502)
    first = deliver_day(Services(settings, engine), day, prepared, datetime(2026, 6, 22, 4, tzinfo=UTC), 10)
    assert first.tally.states["sent"] == 1 and first.tally.states["channel failed"] == 1
    httpserver.clear()
    httpserver.expect_request("/h").respond_with_json(OK)
    later = deliver_day(Services(settings, engine), day, prepared, datetime(2026, 6, 22, 5, tzinfo=UTC), 10)
    assert later.tally.states["channel sent"] == 1 and later.tally.states["sent"] == 0
    assert sum(later.tally.matched.values()) == 1  # the two-radar reader is retried once, not once per radar
    assert len(list((env_settings / "outbox").rglob("h@example.com*.eml"))) == 1  # the email went once
    again = deliver_day(Services(settings, engine), day, prepared, datetime(2026, 6, 22, 6, tzinfo=UTC), 10)
    assert not again.tally.states["channel sent"] and len(httpserver.log) == 1
    (row,) = channel_rows()
    assert row.state == "sent" and row.attempts == 2
