"""Kill a sending process mid-batch, rerun: nobody gets two emails; every row is sent or reported stuck.
On both providers: SES (moto's server) and SMTP (an aiosmtpd server)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.models import Delivery
from academichub.settings import SAMPLE_DAY_DIR, Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")
READERS = 12


def states() -> Counter:
    with session_scope(open_database(Settings())) as s:
        return Counter(r.state for r in s.exec(select(Delivery)))


@contextmanager
def ses_provider() -> Iterator[tuple[dict[str, str], Callable[[], list[str]]]]:
    """moto's SES server: the environment that sends through it, and who it received mail for."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client(
            "sesv2",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_email_identity(EmailIdentity="example.org")

        def received() -> list[str]:
            from moto.core import DEFAULT_ACCOUNT_ID
            from moto.ses.models import ses_backends  # the threaded server keeps its state in this process

            return [m.destinations[0] for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages]

        yield (
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": endpoint,
                "ACADEMICHUB_MAIL_BACKEND": "ses",
                "ACADEMICHUB_SES_SEND_RATE": "2",
            },
            received,
        )
    finally:
        server.stop()


@contextmanager
def smtp_provider() -> Iterator[tuple[dict[str, str], Callable[[], list[str]]]]:
    """An aiosmtpd server (a relay): the environment that sends through it, and who it received mail for."""
    from tests.smtp_server import Recorder, SmtpServer

    recorder = Recorder()
    with SmtpServer(recorder) as server:
        yield (
            {
                "ACADEMICHUB_MAIL_BACKEND": "smtp",
                "ACADEMICHUB_SMTP_URL": f"smtp://127.0.0.1:{server.port}",
                "ACADEMICHUB_SMTP_SEND_RATE": "2",
            },
            lambda: [m.rcpt_tos[0] for m in recorder.messages],
        )


@pytest.mark.parametrize("provider", [ses_provider, smtp_provider], ids=["ses", "smtp"])
def test_killed_mid_batch_then_rerun(env_settings, monkeypatch, provider):
    from prefect.settings import PREFECT_API_URL

    with provider() as (provider_env, received):
        env = dict(
            os.environ,
            **provider_env,
            ACADEMICHUB_SEND_CHUNK="3",
            PREFECT_API_URL=PREFECT_API_URL.value(),
            PYTHONUNBUFFERED="1",
        )
        for k, v in env.items():
            if k.startswith(("AWS_", "ACADEMICHUB_MAIL", "ACADEMICHUB_SES", "ACADEMICHUB_SMTP", "ACADEMICHUB_SEND")):
                monkeypatch.setenv(k, v)
        from subscribers.service import ProfileInput, upsert_subscriber

        with session_scope(open_database(Settings())) as session:
            for i in range(READERS):
                upsert_subscriber(
                    session,
                    f"r{i:02d}@example.com",
                    ProfileInput(interests="LLM safety, quantum", keywords=["prompt injection", "quantum"]),
                )
        exe = [sys.executable, "-m", "academichub.cli"]
        sender = subprocess.Popen(
            exe + ["run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22"],
            env=env,
            cwd=env_settings,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 300  # a generous bound: ingest and matching come first, slow on a busy machine
        while states().get("sent", 0) < 3 and time.time() < deadline and sender.poll() is None:
            time.sleep(0.05)
        assert sender.poll() is None, "the sender finished before it could be killed"
        sender.send_signal(signal.SIGKILL)
        sender.wait()
        before = states()
        assert 3 <= before["sent"] < READERS

        # Rerun at full speed (in-process here; a new worker would do the same).
        monkeypatch.setenv("ACADEMICHUB_SES_SEND_RATE", "1000")
        monkeypatch.setenv("ACADEMICHUB_SMTP_SEND_RATE", "1000")
        from flows.daily import daily_flow

        report = daily_flow(from_paths=[str(SAMPLE_DAY_DIR)], date_="2026-06-22")
        after = states()
        stuck = [d.email for d in report.deliveries if d.state == "stuck"]
        # at most one chunk of sends (ACADEMICHUB_SEND_CHUNK, set to 3 here) can be left with an unknown outcome
        assert after["sent"] + after["sending"] == READERS and after["sending"] == len(stuck) <= 3
        per_reader = Counter(received())
        assert max(per_reader.values()) == 1, per_reader  # nobody received two
        assert len(per_reader) >= READERS - len(stuck)
