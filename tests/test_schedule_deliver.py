"""The scheduled day: who is due when (time zones), and deliver-due's batches claimed in the database
so that two workers at once never give a reader two emails (PostgreSQL, SKIP LOCKED)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto import mock_aws
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.delivery.schedule import due_at, first_delivery_after
from academichub.models import Delivery
from academichub.settings import SAMPLE_DAY_DIR, Settings
from subscribers.service import ProfileInput, upsert_subscriber
from tests.conftest import PG_URL, run_cli

NY = ZoneInfo("America/New_York")
PREPARED = datetime(2026, 6, 21, 20, 30, tzinfo=NY)  # Sunday evening, after arXiv's announcement


def test_each_reader_is_due_at_their_next_local_delivery_time():
    # Shanghai: prepared at 08:30 there, 1.5 h after their 07:00 -> at once, the same morning
    assert first_delivery_after(PREPARED, "Asia/Shanghai", 7) == datetime(
        2026, 6, 22, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai")
    )
    assert first_delivery_after(PREPARED, "Asia/Shanghai", 9) == datetime(
        2026, 6, 22, 9, tzinfo=ZoneInfo("Asia/Shanghai")
    )
    assert first_delivery_after(PREPARED, "Europe/Berlin", 7) == datetime(
        2026, 6, 22, 7, tzinfo=ZoneInfo("Europe/Berlin")
    )
    # a New York reader asking for 07:00 gets it the next morning, not at 21:00 the same evening
    assert first_delivery_after(PREPARED, "America/New_York", 7) == datetime(2026, 6, 22, 7, tzinfo=NY)
    assert first_delivery_after(PREPARED, "America/New_York", 21) == datetime(2026, 6, 21, 21, tzinfo=NY)
    # weekly readers: the first delivery time on their weekday
    assert due_at(PREPARED, tz="Asia/Shanghai", hour=7, frequency="weekly", weekly_day="wed") == datetime(
        2026, 6, 24, 7, tzinfo=ZoneInfo("Asia/Shanghai")
    )
    assert due_at(PREPARED, tz="Europe/Berlin", hour=7, frequency="weekly", weekly_day="sun") == datetime(
        2026, 6, 28, 7, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert due_at(PREPARED, tz="Europe/Berlin", hour=7, frequency="weekly", weekly_day="mon").date() == date(
        2026, 6, 22
    )
    # across a daylight-saving change (Europe, 2026-10-25): still 07:00 local
    autumn = datetime(2026, 10, 24, 20, 30, tzinfo=NY)
    assert first_delivery_after(autumn, "Europe/Berlin", 7).hour == 7


def test_the_one_frequency_rule_serves_schedule_and_audience():
    from subscribers.models import Subscriber, due_on
    from subscribers.service import is_due, is_receiving

    wednesday = date(2026, 6, 24)
    assert due_on(wednesday, "daily", None) and due_on(wednesday, "weekly", "wed")
    assert not due_on(wednesday, "weekly", None)  # weekly with no day chosen: Mondays
    reader = Subscriber(email="w@example.org", frequency="weekly", weekly_day="wed", status="active")
    assert is_due(reader, wednesday) and is_receiving(reader, wednesday)
    assert not is_receiving(reader, date(2026, 6, 25))
    reader.status = "unsubscribed"
    assert is_due(reader, wednesday) and not is_receiving(reader, wednesday)
    # a weekday no week has (a damaged row) is an error, not an endless search for it
    with pytest.raises(ValueError, match="no delivery day"):
        due_at(PREPARED, tz="UTC", hour=7, frequency="weekly", weekly_day="xyz")


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL not configured: set ACADEMICHUB_TEST_DATABASE_URL (CI always does)")
@pytest.mark.usefixtures("prefect_harness")
def test_two_deliver_due_at_once_never_send_twice(env_settings, capsys, monkeypatch):
    from tests.conftest import _reset_postgres

    _reset_postgres(PG_URL)
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", PG_URL)
    for k, v in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
        "ACADEMICHUB_MAIL_BACKEND": "ses",
        "ACADEMICHUB_SES_SEND_RATE": "2",  # slow sends (10 s in all): both workers get a share, even on a busy machine
        "ACADEMICHUB_SENDER": "AcademicHub <briefing@example.org>",
    }.items():
        monkeypatch.setenv(k, v)
    settings = Settings()
    engine = open_database(settings)
    with session_scope(engine) as s:
        for i in range(40):
            upsert_subscriber(
                s,
                f"r{i:02d}@example.com",
                ProfileInput(
                    interests="quantum computing, language model agents",
                    timezone=("Asia/Shanghai", "Europe/Berlin")[i % 2],
                ),
            )
    code, out, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, out + err
    from academichub.delivery.due import current_edition
    from academichub.services import Services
    from flows.deliver import deliver_day

    day, _prepared = current_edition(engine)
    from academichub.editions.edition import read_edition

    read_edition(engine, day)  # as prepare-edition does: the themes are stored, both workers start at once
    prepared = datetime(2026, 6, 22, 0, 30, tzinfo=UTC)  # Sunday 20:30 in New York
    now = datetime(2026, 6, 22, 4, 0, tzinfo=UTC)  # 06:00 in Berlin (due at 07:00), 12:00 in Shanghai (due since 08:30)
    with mock_aws():
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity="example.org")
        errors, sent_by = [], []

        def worker():
            try:
                report = deliver_day(Services(settings, engine), day, prepared, now, batch_size=3)
                sent_by.append(report.tally.sent)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        sent = Counter(m.destinations[0] for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)
    assert sent and max(sent.values()) == 1
    assert sorted(sent_by) != [0, 20] and sum(sent_by) == 20, sent_by  # both workers took batches, disjoint
    assert set(sent) == {f"r{i:02d}@example.com" for i in range(0, 40, 2)}  # the Shanghai half
    with session_scope(engine) as s:
        rows = s.exec(select(Delivery)).all()
    assert Counter(r.state for r in rows) == {"sent": 20}
    workers = {r.reason for r in rows}
    assert all(r.attempts == 1 and r.message_id for r in rows) and workers == {None}


@pytest.mark.usefixtures("prefect_harness")
def test_the_scheduled_day_prepare_then_deliver_due_with_an_llm_and_ses(httpserver, env_settings, capsys, monkeypatch):
    """prepare-edition then deliver-due as flows, on the sample day's feeds, with a local OpenAI-compatible
    server and moto SES: who gets what when, every cited paper in the edition, artifacts, a rerun sends nothing."""
    import email
    import re
    from email import policy

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    from sqlalchemy import update

    from academichub.editions.edition import read_edition
    from academichub.models import Edition
    from flows.deliver import deliver_due
    from flows.prepare import prepare_edition
    from tests.fake_llm import FakeLLM
    from tests.test_flows import read_artifacts

    fake = FakeLLM()
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(fake)
    for k, v in {
        "OPENAI_BASE_URL": httpserver.url_for("/v1"),
        "OPENAI_API_KEY": "test",
        "ACADEMICHUB_LLM_MODEL": "test-model",
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
        "ACADEMICHUB_MAIL_BACKEND": "ses",
        "ACADEMICHUB_SES_SEND_RATE": "100",
        "ACADEMICHUB_SENDER": "AcademicHub <briefing@example.org>",
    }.items():
        monkeypatch.setenv(k, v)
    for address, lang, tz in (
        ("zh@example.org", "zh", "Asia/Shanghai"),
        ("en@example.org", "en", "Europe/Berlin"),
        ("ny@example.org", "en", "America/New_York"),
    ):
        run_cli(
            capsys,
            monkeypatch,
            "subscribers",
            "add",
            address,
            "--lang",
            lang,
            "--tz",
            tz,
            "--hour",
            "7",
            "--interests",
            "LLM safety",
            "--keywords",
            "prompt injection, jailbreak, agents, LLM safety",
        )
    with mock_aws():
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity="example.org")
        sent = lambda: ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages  # noqa: E731
        prepare_edition(from_paths=[str(SAMPLE_DAY_DIR)], date_="2026-06-22")
        assert len(sent()) == 0  # nobody was emailed
        # prepare wrote what is the same for everyone: paper summaries (both languages) and theme syntheses
        assert {r["kind"] for r in fake.requests} == {"paper", "theme"}
        calls_after_prepare = len(fake.requests)
        prepared = read_artifacts("prepare-edition")[0]["data"]
        assert "prepared" in prepared and "readers matched: **3**" in prepared and "slowest stages" in prepared
        settings = Settings()
        engine = open_database(settings)
        with session_scope(engine) as s:  # the announcement's evening: Sunday 20:30 in New York
            s.execute(update(Edition).values(created_at=datetime(2026, 6, 22, 0, 30, tzinfo=UTC)))
            s.commit()
        deliver_due(now="2026-06-22T06:00:00+00:00")  # 08:00 Berlin, 14:00 Shanghai, 02:00 New York
        got = {m.destinations[0]: m for m in sent()}
        assert set(got) == {"zh@example.org", "en@example.org"}
        # deliver-due wrote only the two readers' openings (one request); the rest came from prepare's cache
        assert [r["kind"] for r in fake.requests[calls_after_prepare:]] == ["opening", "opening"]  # one per language
        # each reader matched once a day: deliver-due read the matches prepare-edition kept
        assert (
            "kept from prepare-edition for **2** readers, matched at delivery for **0**"
            in (read_artifacts("deliver-due")[0]["data"])
        )
        calls_after_delivery = len(fake.requests)
        edition_ids = set(read_edition(engine, date(2026, 6, 22)).cards)
        for address, m in got.items():
            msg = email.message_from_bytes(
                m.raw_data if isinstance(m.raw_data, bytes) else m.raw_data.encode(), policy=policy.default
            )
            assert ("每日简报" in msg["Subject"]) == (address == "zh@example.org")
            text = msg.get_body(("plain",)).get_content()
            cited = set(re.findall(r"arxiv\.org/abs/(\d{4}\.\d{4,5})", text))
            assert cited and cited <= edition_ids
        deliver_due(now="2026-06-22T06:30:00+00:00")  # a rerun: nothing new, no LLM call
        assert len(sent()) == 2 and len(fake.requests) == calls_after_delivery
        deliver_due(now="2026-06-22T11:05:00+00:00")  # 07:05 in New York
        assert len(sent()) == 3 and {m.destinations[0] for m in sent()} == {
            "zh@example.org",
            "en@example.org",
            "ny@example.org",
        }
    with session_scope(engine) as s:
        assert sorted(r.state for r in s.exec(select(Delivery)).all()) == ["sent", "sent", "sent"]
    artifact = read_artifacts("deliver-due")[0]["data"]
    assert "for the edition of 2026-06-22" in artifact and "sent 1" in artifact and "slowest stages" in artifact
    assert "kept from prepare-edition for **1** readers, matched at delivery for **0**" in artifact


def test_deliver_due_on_a_local_dask_cluster_sends_each_reader_once_and_leaves_no_process_behind(
    env_settings, capsys, monkeypatch
):
    """ACADEMICHUB_TASK_RUNNER=dask, run as an operator would without a Prefect server (as in
    docs/operations.md): batches run in a worker process, 2 at once; every reader is sent exactly once,
    and the worker reports to the flow's temporary Prefect API instead of starting one of its own that
    outlives it."""
    import os
    import subprocess
    import sys

    import psutil

    monkeypatch.setenv("ACADEMICHUB_NOW", "2026-06-22T00:30:00+00:00")  # prepared Sunday 20:30 in New York
    code, out, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, out + err
    engine = open_database(Settings())
    with session_scope(engine) as s:
        for i in range(12):
            upsert_subscriber(
                s,
                f"d{i:02d}@example.com",
                ProfileInput(interests="quantum computing, language model agents", timezone="Europe/Berlin"),
            )

    home = str(env_settings / "prefect-home")

    def prefect_servers() -> set[int]:
        """Prefect servers started by this run (they carry its PREFECT_HOME): other test runs on the
        machine do not count."""
        found = set()
        for proc in psutil.process_iter(["cmdline"]):
            try:
                if (
                    "prefect.server.api.server:create_app" in " ".join(proc.info["cmdline"] or [])
                    and proc.environ().get("PREFECT_HOME") == home
                ):
                    found.add(proc.pid)
            except psutil.Error:
                pass
        return found

    # Prefect's temporary server does not start under libfaketime (scripts/suite_at_offset.sh): this
    # process runs on the real clock, and AcademicHub's time in it is ACADEMICHUB_NOW below.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "LD_PRELOAD", "FAKETIME"))}
    env.update(
        {
            "ACADEMICHUB_TASK_RUNNER": "dask",
            "ACADEMICHUB_DASK_WORKERS": "1",
            "ACADEMICHUB_DASK_THREADS": "2",
            "PREFECT_HOME": home,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "ACADEMICHUB_NOW": "2026-06-22T12:00:00+00:00",
        }
    )  # the subprocess's clock: 14:00 in Berlin, all due
    script = (
        "from flows.deliver import deliver_due\n"
        "r = deliver_due(batch_size=3)\n"
        "print('RESULT', r.batches, dict(r.tally.states))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=str(Path(__file__).resolve().parents[1]),
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a time limit: a busy 2-core machine took over 150 s
    )  # a worker's leftover server would hold the pipes open
    assert "RESULT 4 {'sent': 12}" in done.stdout, done.stdout[-2000:] + done.stderr[-4000:]
    outbox = sorted(p.name for p in (env_settings / "outbox" / "2026-06-22").glob("*.eml"))
    assert outbox == [f"d{i:02d}@example.com.eml" for i in range(12)]
    with session_scope(engine) as s:
        assert Counter(r.state for r in s.exec(select(Delivery)).all()) == {"sent": 12}
    started = (done.stdout + done.stderr).count("Starting temporary server")
    assert started == 1, f"{started} temporary Prefect servers: the worker started its own"
    time.sleep(1)
    assert prefect_servers() == set()  # none left running


def test_deliver_due_report_stays_small_and_names_the_failures():
    """The run's report counts readers by state and reason and lists only the first failures: its size
    does not grow with the audience (Prefect refused a 13 MB result for 100,000 deliveries)."""
    from academichub.briefing.pieces import LlmReport
    from academichub.delivery.engine import Delivery as Sent
    from academichub.delivery.report import PROBLEMS_SHOWN, DeliverReport, Tally, deliver_markdown

    batch = [Sent(f"r{i}@example.org", "en", 8, None, "s", "sent") for i in range(5000)]
    batch += [
        Sent(f"f{i}@example.org", "en", 8, None, "s", "failed", "permanent: mailbox | unavailable") for i in range(300)
    ]
    batch += [Sent("p@example.org", "zh", 0, None, "", "skipped", "paused until 2026-07-01")]
    tally = Tally.of(batch[:2000]).merge(Tally.of(batch[2000:]))
    assert tally.sent == 5000 and tally.states["failed"] == 300 and len(tally.problems) == PROBLEMS_SHOWN
    assert tally.reasons[("failed", "permanent: mailbox | unavailable")] == 300
    md = deliver_markdown(
        DeliverReport(
            date(2026, 6, 22), 120, 5301, 0, 3, tally, LlmReport(model="m"), ledger={"sent": 5000, "failed": 300}
        ),
        datetime(2026, 6, 22, 6, tzinfo=UTC),
        2000,
    )
    assert (
        "deliveries: failed 300, sent 5000, skipped 1" in md
        and "| failed | permanent: mailbox / unavailable | 300 |" in md
    )
    assert "ledger after this run" in md and md.split("ledger after this run")[1].split("\n")[0].endswith(
        "already sent): failed 300, sent 5000"
    )
    assert "f0@example.org" in md and f"f{PROBLEMS_SHOWN}@example.org" not in md and "r0@example.org" not in md
    assert len(md) < 20_000
