"""The scheduled day: who is due when (time zones), and deliver-due's batches claimed in the database
so that two workers at once never give a reader two emails (PostgreSQL, SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import boto3
import pytest
import yaml
from moto import mock_aws
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.models import Delivery
from academichub.settings import SAMPLE_DAY_DIR, Settings
from flows.schedule import due_at, first_delivery_after
from subscribers.service import ProfileInput, upsert_subscriber
from tests.conftest import PG_URL, run_cli

NY = ZoneInfo("America/New_York")
PREPARED = datetime(2026, 6, 21, 20, 30, tzinfo=NY)  # Sunday evening, after arXiv's announcement


def test_each_reader_is_due_at_their_next_local_delivery_time():
    # Shanghai: prepared at 08:30 there, 1.5 h after their 07:00 -> at once, the same morning
    assert first_delivery_after(PREPARED, "Asia/Shanghai", 7) == datetime(2026, 6, 22, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert first_delivery_after(PREPARED, "Asia/Shanghai", 9) == datetime(2026, 6, 22, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert first_delivery_after(PREPARED, "Europe/Berlin", 7) == datetime(2026, 6, 22, 7, tzinfo=ZoneInfo("Europe/Berlin"))
    # a New York reader asking for 07:00 gets it the next morning, not at 21:00 the same evening
    assert first_delivery_after(PREPARED, "America/New_York", 7) == datetime(2026, 6, 22, 7, tzinfo=NY)
    assert first_delivery_after(PREPARED, "America/New_York", 21) == datetime(2026, 6, 21, 21, tzinfo=NY)
    # weekly readers: the first delivery time on their weekday
    assert due_at(PREPARED, tz="Asia/Shanghai", hour=7, frequency="weekly", weekly_day="wed") == datetime(2026, 6, 24, 7, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert due_at(PREPARED, tz="Europe/Berlin", hour=7, frequency="weekly", weekly_day="sun") == datetime(2026, 6, 28, 7, tzinfo=ZoneInfo("Europe/Berlin"))
    assert due_at(PREPARED, tz="Europe/Berlin", hour=7, frequency="weekly", weekly_day="mon").date() == date(2026, 6, 22)
    # across a daylight-saving change (Europe, 2026-10-25): still 07:00 local
    autumn = datetime(2026, 10, 24, 20, 30, tzinfo=NY)
    assert first_delivery_after(autumn, "Europe/Berlin", 7).hour == 7


def test_prefect_yaml_entrypoints_import_and_parameters_validate():
    from importlib import import_module
    from pathlib import Path

    from prefect.flows import Flow

    spec = yaml.safe_load((Path(__file__).resolve().parents[1] / "prefect.yaml").read_text())
    names = set()
    for d in spec["deployments"]:
        module, func = d["entrypoint"].split(":")
        flow_ = getattr(import_module(module.replace("/", ".").removesuffix(".py")), func)
        assert isinstance(flow_, Flow)
        flow_.validate_parameters(d.get("parameters") or {})
        for s in d.get("schedules") or []:
            ZoneInfo(s["timezone"])
        assert "secret" not in str(d).lower() and "key" not in str(d.get("parameters", {})).lower()
        names.add(d["name"])
    assert {"prepare-edition", "deliver-due", "process-ses-events"} <= names


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL not configured: set ACADEMICHUB_TEST_DATABASE_URL (CI always does)")
@pytest.mark.usefixtures("prefect_harness")
def test_two_deliver_due_at_once_never_send_twice(env_settings, capsys, monkeypatch):
    from tests.conftest import _reset_postgres

    _reset_postgres(PG_URL)
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", PG_URL)
    for k, v in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1",
                 "ACADEMICHUB_MAIL_BACKEND": "ses", "ACADEMICHUB_SES_SEND_RATE": "1000",
                 "ACADEMICHUB_SENDER": "AcademicHub <briefing@example.org>"}.items():
        monkeypatch.setenv(k, v)
    settings = Settings()
    engine = open_database(settings)
    with session_scope(engine) as s:
        for i in range(40):
            upsert_subscriber(s, f"r{i:02d}@example.com", ProfileInput(interests="quantum computing, language model agents",
                                                                       timezone=("Asia/Shanghai", "Europe/Berlin")[i % 2]))
    code, out, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, out + err
    from flows.deliver import current_edition, deliver_day

    day, _prepared = current_edition(engine)
    prepared = datetime(2026, 6, 22, 0, 30, tzinfo=timezone.utc)  # Sunday 20:30 in New York
    now = datetime(2026, 6, 22, 4, 0, tzinfo=timezone.utc)  # 06:00 in Berlin (due at 07:00), 12:00 in Shanghai (due since 08:30)
    with mock_aws():
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity="example.org")
        errors, sent_by = [], []

        def worker():
            try:
                report = deliver_day(settings, engine, day, prepared, now, batch_size=3)
                sent_by.append(sum(d.state == "sent" for d in report.deliveries))
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
