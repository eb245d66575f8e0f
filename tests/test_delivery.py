"""Delivery through the real boto3 SES v2 code path against moto, and the ledger that never sends twice."""

from __future__ import annotations

import email
import json
from email import policy

import boto3
import pytest
from moto import mock_aws
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.mail.backends import OutgoingEmail, PermanentSendError, SesMailer, TokenBucket, TransientSendError
from academichub.mail.message import build_message
from academichub.mail.render import RenderedEmail
from academichub.models import Delivery
from academichub.settings import SAMPLE_DAY_DIR, Settings
from tests.conftest import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")
REGION = "us-east-1"


@pytest.fixture
def ses(env_settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("ACADEMICHUB_MAIL_BACKEND", "ses")
    monkeypatch.setenv("ACADEMICHUB_SES_CONFIGURATION_SET", "academichub")
    monkeypatch.setenv("ACADEMICHUB_SENDER", "AcademicHub <briefing@example.org>")
    with mock_aws():
        client = boto3.client("sesv2", region_name=REGION)
        client.create_email_identity(EmailIdentity="example.org")
        client.create_configuration_set(ConfigurationSetName="academichub")
        yield client


def sent_messages():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


def cli_run(capsys, monkeypatch, *args):
    code, out, err = run_cli(capsys, monkeypatch, *args)
    return code, out + err


def add_two(capsys, monkeypatch):
    for address, lang in (("one@example.com", "en"), ("two@example.com", "zh")):
        cli_run(
            capsys,
            monkeypatch,
            "subscribers",
            "add",
            address,
            "--lang",
            lang,
            "--interests",
            "quantum information, LLM safety",
            "--keywords",
            "quantum, prompt injection",
        )


def ledger_rows():
    with session_scope(open_database(Settings())) as s:
        return {r.subscriber_id: r for r in s.exec(select(Delivery))}


def test_send_through_ses_then_rerun_sends_nothing(ses, capsys, monkeypatch, env_settings):
    add_two(capsys, monkeypatch)
    code, out = cli_run(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0 and "Wrote 2 briefing(s)" in out, out
    msgs = sent_messages()
    assert len(msgs) == 2 and sorted(m.destinations[0] for m in msgs) == ["one@example.com", "two@example.com"]
    raw = email.message_from_bytes(
        msgs[0].raw_data.encode() if isinstance(msgs[0].raw_data, str) else msgs[0].raw_data, policy=policy.default
    )
    assert raw.get_content_type() == "multipart/alternative" and "2026-06-22" in raw["Subject"]
    rows = ledger_rows()
    assert {r.state for r in rows.values()} == {"sent"} and all(r.message_id and r.attempts == 1 for r in rows.values())
    assert not (env_settings / "outbox").exists()  # SES, not the outbox
    code, out = cli_run(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0 and len(sent_messages()) == 2 and "2 skipped" in out
    code, out = cli_run(capsys, monkeypatch, "deliveries", "--date", "2026-06-22", "--json")
    assert sorted(r["state"] for r in json.loads(out)) == ["sent", "sent"]


def test_a_row_left_sending_is_reported_not_resent_until_asked(ses, capsys, monkeypatch):
    add_two(capsys, monkeypatch)
    cli_run(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    engine = open_database(Settings())
    from academichub.delivery import ledger

    with session_scope(engine) as s:  # as if a sender had crashed after claiming one.example.com
        rows = ledger.prepare(s, __import__("datetime").date(2026, 6, 22), list(ledger_rows()) or [1, 2])
        first = min(rows)
        assert ledger.claim_many(s, [rows[first].id]) == [rows[first].id]
    code, out = cli_run(capsys, monkeypatch, "run", "--date", "2026-06-22", "--from", str(SAMPLE_DAY_DIR))
    assert "1 stuck" in out and len(sent_messages()) == 1
    code, out = cli_run(capsys, monkeypatch, "deliveries", "--stuck")
    assert "one@example.com" in out and "sending" in out and "resend" in out
    code, out = cli_run(capsys, monkeypatch, "deliveries", "resend", "--date", "2026-06-22")
    assert code == 0 and "Sent 1: one@example.com" in out
    assert len(sent_messages()) == 2 and {r.state for r in ledger_rows().values()} == {"sent"}
    code, out = cli_run(capsys, monkeypatch, "deliveries", "resend", "--date", "2026-06-22")
    assert "No stuck deliveries" in out and len(sent_messages()) == 2


def test_permanent_rejection_is_recorded_and_not_retried(ses, capsys, monkeypatch):
    monkeypatch.setenv("ACADEMICHUB_SENDER", "AcademicHub <briefing@unverified.example>")  # not an SES identity
    add_two(capsys, monkeypatch)
    code, out = cli_run(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0 and "2 failed" in out
    rows = ledger_rows()
    assert all(r.state == "failed" and r.failure_kind == "permanent" and not r.retryable for r in rows.values())
    assert all(r.explained == f"permanent: {r.reason}" for r in rows.values())
    code, out = cli_run(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert "2 skipped" in out and all(r.attempts == 1 for r in ledger_rows().values())  # not retried


def message():
    return build_message(
        RenderedEmail("Subject", "<p>hi</p>", "hi"), sender="AcademicHub <briefing@example.org>", to="one@example.com"
    )


def test_throttling_then_success(ses):
    client = boto3.client("sesv2", region_name=REGION)
    failures = ["TooManyRequestsException"]

    def throttle_once(**kwargs):
        if failures:
            code = failures.pop()
            return (
                type("R", (), {"status_code": 429, "headers": {}, "raw": None, "content": b""})(),
                {
                    "Error": {"Code": code, "Message": "Maximum sending rate exceeded."},
                    "ResponseMetadata": {"HTTPStatusCode": 429},
                },
            )
        return None

    client.meta.events.register("before-call.sesv2.SendEmail", throttle_once)
    sleeps = []
    mailer = SesMailer(client, configuration_set="academichub", rate=100, retries=3, backoff=0.5, sleep=sleeps.append)
    message_id = mailer.send(OutgoingEmail(message(), "2026-06-22", tags={"edition": "2026-06-22"}))
    assert message_id and len(sent_messages()) == 1 and sleeps and sleeps[0] > 0


def test_rejection_raises_permanent_and_network_trouble_transient(ses):
    client = boto3.client("sesv2", region_name=REGION)
    mailer = SesMailer(client, configuration_set=None, rate=100, retries=0, sleep=lambda s: None)
    bad = build_message(RenderedEmail("S", "<p/>", "t"), sender="x@unverified.example", to="one@example.com")
    with pytest.raises(PermanentSendError):
        mailer.send(OutgoingEmail(bad, "2026-06-22"))

    def boom(**kwargs):
        from botocore.exceptions import EndpointConnectionError

        raise EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com")

    client.meta.events.register("before-call.sesv2.SendEmail", boom)
    with pytest.raises(TransientSendError):
        mailer.send(OutgoingEmail(message(), "2026-06-22"))


def test_token_bucket_paces_to_the_rate():
    now = [0.0]
    bucket = TokenBucket(2.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    for _ in range(10):
        bucket.take()
    assert 3.9 <= now[0] <= 4.1  # 2 at once (burst), then 8 more at 2 per second
