"""The SMTP backend against a real SMTP server (aiosmtpd, tests/smtp_server.py): a plain relay,
STARTTLS on a self-signed certificate with AUTH, implicit TLS; one connection for many sends and a
new one when the server drops it; 4xx retried, 5xx permanent, a refused address marked bounced; the
bytes the outbox writes; ACADEMICHUB_SMTP_URL checked with clear messages that never show the password."""

from __future__ import annotations

import email
from collections import Counter
from email import policy
from pathlib import Path

import pytest
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.mail.backends import (
    OutboxMailer,
    OutgoingEmail,
    PermanentSendError,
    RecipientRejected,
    TransientSendError,
    make_mailer,
)
from academichub.mail.message import build_message, list_headers
from academichub.mail.render import RenderedEmail
from academichub.mail.smtp import SmtpMailer, about_the_address
from academichub.models import Delivery
from academichub.settings import SAMPLE_DAY_DIR, Settings, SettingsError, load_settings
from academichub.smtp_url import parse_smtp_url
from subscribers.models import Subscriber, SubscriberChange
from tests.conftest import run_cli
from tests.smtp_server import Recorder, SmtpServer, self_signed

SENDER = "AcademicHub <briefing@example.org>"


def message(to: str = "reader@example.com"):
    rendered = RenderedEmail("AcademicHub · 2026-06-22 · 今日论文", "<p>π ≈ 3.14</p>", "π ≈ 3.14\n.\n")
    headers = list_headers(sender=SENDER, unsubscribe_url="https://hub.example/u?t=abc", unsubscribe_mailbox=None)
    return build_message(rendered, sender=SENDER, to=to, headers=headers)


def outgoing(to: str = "reader@example.com") -> OutgoingEmail:
    return OutgoingEmail(message(to), "2026-06-22", html="<p>π ≈ 3.14</p>", tags={"edition": "2026-06-22"})


def mailer_for(url: str, **kwargs) -> SmtpMailer:
    kwargs.setdefault("sleep", lambda s: None)
    return SmtpMailer(parse_smtp_url(url), rate=1000, **kwargs)


def test_a_plain_relay_receives_the_bytes_the_outbox_writes(tmp_path):
    rec = Recorder()
    with SmtpServer(rec) as server:
        mailer = mailer_for(f"smtp://127.0.0.1:{server.port}")
        out = outgoing()
        message_id = mailer.send(out)
        mailer.close()
    path = Path(OutboxMailer(tmp_path).send(out).removeprefix("outbox:"))
    [got] = rec.messages
    assert (got.mail_from, got.rcpt_tos) == ("briefing@example.org", ["reader@example.com"])
    # the same bytes, with the CRLF line ends SMTP wants
    assert got.content == path.read_bytes().replace(b"\n", b"\r\n")
    parsed = email.message_from_bytes(got.content, policy=policy.default)
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["List-Unsubscribe"].startswith("<https://hub.example/u?t=abc>, <mailto:briefing@example.org")
    assert parsed["Subject"] == "AcademicHub · 2026-06-22 · 今日论文"
    assert [p.get_content_type() for p in parsed.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert parsed.get_body(("plain",)).get_content() == "π ≈ 3.14\n.\n"
    assert message_id == f"{out.message['Message-ID'].strip('<>')} (Q1)"


def test_starttls_on_a_self_signed_certificate_with_auth(tmp_path):
    cert = self_signed(tmp_path)
    rec = Recorder()
    with SmtpServer(rec, tls="starttls", cert=cert, login=("lab@example.org", "app pass/wd")) as server:
        url = f"smtp://lab%40example.org:app%20pass%2Fwd@127.0.0.1:{server.port}?cafile={cert[0]}"
        assert parse_smtp_url(url).security == "starttls"  # implied by the login
        mailer = mailer_for(url)
        mailer.send(outgoing())
        mailer.send(outgoing("second@example.com"))
        mailer.close()
        assert rec.logins == ["lab@example.org"] and rec.connections == 1

        # the certificate is not trusted without ?cafile: said plainly, and not retried now
        untrusting = mailer_for(url.split("?")[0], retries=3)
        with pytest.raises(TransientSendError, match="certificate is not trusted.*cafile"):
            untrusting.send(outgoing("third@example.com"))
        assert untrusting.connections == 0

        # a wrong password: refused once, then the mailer stops trying (no connection per reader)
        sleeps: list[float] = []
        now = [1000.0]
        wrong = mailer_for(url.replace("app%20pass%2Fwd", "nope"), retries=3, sleep=sleeps.append, clock=lambda: now[0])
        with pytest.raises(TransientSendError, match="refused the login.*app password") as refused:
            wrong.send(outgoing("third@example.com"))
        assert "nope" not in str(refused.value)
        with pytest.raises(TransientSendError, match="not tried: .*refused the login"):
            wrong.send(outgoing("fourth@example.com"))
        assert sleeps == []  # neither was retried with back-off
        now[0] += 301  # five minutes on (a long-running web app): it tries the server again
        with pytest.raises(TransientSendError, match="^smtp://.*refused the login"):
            wrong.send(outgoing("fourth@example.com"))
    assert [m.rcpt_tos for m in rec.messages] == [["reader@example.com"], ["second@example.com"]]


def test_implicit_tls_smtps_with_auth(tmp_path):
    cert = self_signed(tmp_path)
    rec = Recorder()
    with SmtpServer(rec, tls="implicit", cert=cert, login=("me", "code123")) as server:
        url = f"smtps://me:code123@127.0.0.1:{server.port}?cafile={cert[0]}"
        assert parse_smtp_url(url).security == "tls"
        mailer = mailer_for(url)
        mailer.send(outgoing())
        mailer.close()
    assert rec.logins == ["me"] and len(rec.messages) == 1


def test_one_connection_for_many_sends_and_a_new_one_when_the_server_drops_it():
    rec = Recorder(drop_at_mail={4})  # the server hangs up when the 4th message begins
    with SmtpServer(rec) as server:
        sleeps: list[float] = []
        mailer = mailer_for(f"smtp://127.0.0.1:{server.port}", sleep=sleeps.append)
        for i in range(6):
            mailer.send(outgoing(f"r{i}@example.com"))
        mailer.close()
    assert sleeps == []  # a dropped idle connection is replaced at once, not after a back-off
    assert [m.rcpt_tos[0] for m in rec.messages] == [f"r{i}@example.com" for i in range(6)]  # each once
    assert [m.connection for m in rec.messages] == [0, 0, 0, 1, 1, 1]
    assert mailer.connections == rec.connections == 2


def test_a_4xx_at_data_is_transient_and_retried():
    rec = Recorder(data={"reader@example.com": ["451 4.3.0 Try again later"]})
    sleeps: list[float] = []
    with SmtpServer(rec) as server:
        mailer = mailer_for(f"smtp://127.0.0.1:{server.port}", retries=3, sleep=sleeps.append)
        mailer.send(outgoing())
        rec.data["other@example.com"] = ["452 4.3.1 Insufficient storage"] * 4
        with pytest.raises(TransientSendError, match="end of DATA: 452 4.3.1"):
            mailer.send(outgoing("other@example.com"))
        mailer.close()
    assert len(rec.to("reader@example.com")) == 1 and rec.to("other@example.com") == []
    assert len(sleeps) == 1 + 3 and all(s > 0 for s in sleeps)  # one back-off, then three before giving up
    assert rec.connections == 1  # a refusal is RSET, not a reconnection


def test_a_5xx_is_permanent_and_at_rcpt_a_bounce_unless_it_is_about_something_else():
    rec = Recorder(
        rcpt={
            "gone@example.com": "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown",
            "far@example.com": "554 5.7.1 <far@example.com>: Relay access denied",
        },
        data={"spam@example.com": ["554 5.6.0 Message rejected as spam"]},
    )
    with SmtpServer(rec) as server:
        mailer = mailer_for(f"smtp://127.0.0.1:{server.port}", retries=3)
        with pytest.raises(RecipientRejected, match="RCPT TO: 550 5.1.1") as bounced:
            mailer.send(outgoing("gone@example.com"))
        assert bounced.value.address == "gone@example.com"
        for address in ("far@example.com", "spam@example.com"):
            with pytest.raises(PermanentSendError) as refused:
                mailer.send(outgoing(address))
            assert not isinstance(refused.value, RecipientRejected)
        mailer.send(outgoing())
        mailer.close()
    assert [m.rcpt_tos for m in rec.messages] == [["reader@example.com"]] and rec.connections == 1


@pytest.mark.parametrize(
    "reply, bounce",
    [
        (b"550 5.1.1 User unknown", True),
        (b"5.1.10 Recipient address rejected: null MX", True),
        (b"5.2.1 The email account that you tried to reach is disabled", True),
        (b"No such user here", True),  # no enhanced code: 550 says the mailbox
        (b"5.7.1 Relay access denied", False),
        (b"5.2.2 Mailbox full", False),
        (b"5.4.1 Recipient address rejected: Access denied", False),
    ],
)
def test_which_rcpt_refusals_are_bounces(reply, bounce):
    assert about_the_address(550, reply) is bounce
    assert about_the_address(451, reply) is False


def test_a_connection_lost_after_data_is_not_resent():
    rec = Recorder(lose_reply={"lost@example.com"})
    with SmtpServer(rec) as server:
        mailer = mailer_for(f"smtp://127.0.0.1:{server.port}", retries=3)
        from academichub.mail.backends import OutcomeUnknown

        with pytest.raises(OutcomeUnknown, match="may have been delivered"):
            mailer.send(outgoing("lost@example.com"))
        mailer.send(outgoing())
        mailer.close()
    assert [m.rcpt_tos[0] for m in rec.messages] == ["lost@example.com", "reader@example.com"]


# -- the whole day through the ledger


def add_readers(settings: Settings, addresses: list[str]) -> None:
    from subscribers.service import ProfileInput, upsert_subscriber

    with session_scope(open_database(settings)) as session:
        for address in addresses:
            upsert_subscriber(
                session, address, ProfileInput(interests="LLM safety, quantum", keywords=["prompt injection"])
            )


def ledger(settings: Settings) -> dict[str, Delivery]:
    with session_scope(open_database(settings)) as session:
        rows = session.exec(select(Delivery, Subscriber).where(Delivery.subscriber_id == Subscriber.id)).all()
        return {sub.email: row for row, sub in rows}


@pytest.mark.usefixtures("prefect_harness")
def test_a_day_over_smtp_through_the_ledger(tmp_path):
    """Six readers, chunks of two: three delivered over one connection; one refused at RCPT TO
    (marked bounced), one greylisted all day (failed, transient: the rerun sends it), one whose
    connection broke after DATA (stuck, never resent). The rerun sends nothing twice."""
    from academichub.services import Services
    from flows.daily import run_day

    fine = ["ok1@example.com", "ok2@example.com", "ok3@example.com"]
    rec = Recorder(
        rcpt={"gone@example.com": "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown"},
        data={"busy@example.com": ["451 4.7.1 Greylisted, try again later"] * 4},
        lose_reply={"lost@example.com"},
    )
    with SmtpServer(rec) as server:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'academichub.db'}",
            outbox_dir=tmp_path / "outbox",
            mail_backend="smtp",
            smtp_url=f"smtp://127.0.0.1:{server.port}",
            send_chunk=2,
            _env_file=None,
        )
        add_readers(settings, [*fine, "gone@example.com", "busy@example.com", "lost@example.com"])
        sleeps: list[float] = []
        mailer = SmtpMailer(settings.smtp_target, rate=1000, sleep=sleeps.append)
        services = Services.open(settings, mailer=mailer)
        day = SAMPLE_DAY_DIR.name.removeprefix("day-")
        from datetime import date

        report = run_day(services, paths=[str(SAMPLE_DAY_DIR)], day=date.fromisoformat(day), dry_run=False)
        states = {d.email: d.state for d in report.deliveries}
        assert states == {
            **dict.fromkeys(fine, "sent"),
            "gone@example.com": "failed",
            "busy@example.com": "failed",
            "lost@example.com": "stuck",
        }
        rows = ledger(settings)
        gone, busy = rows["gone@example.com"], rows["busy@example.com"]
        assert gone.failure_kind == "permanent" and gone.reason.startswith("RCPT TO: 550 5.1.1")
        assert busy.failure_kind == "transient" and busy.reason.startswith("end of DATA: 451 4.7.1")
        assert rows["lost@example.com"].state == "sending"  # outcome unknown: `academichub deliveries --stuck`
        with session_scope(open_database(settings)) as session:
            gone = session.exec(select(Subscriber).where(Subscriber.email == "gone@example.com")).one()
            assert gone.status == "bounced"
            [change] = session.exec(select(SubscriberChange).where(SubscriberChange.subscriber_id == gone.id)).all()[
                -1:
            ]
            assert change.via == "smtp-rejected (550 5.1.1)"

        # messages went out over one connection until the one that broke, then over a new one
        order = [m.rcpt_tos[0] for m in rec.messages]
        cut = order.index("lost@example.com")
        assert {m.connection for m in rec.messages[: cut + 1]} == {0}
        assert {m.connection for m in rec.messages[cut + 1 :]} <= {1}
        # what the outbox would write: the list headers for one-click unsubscribe, both parts
        first = email.message_from_bytes(rec.messages[0].content, policy=policy.default)
        assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert first["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/unsubscribe?t=")
        assert [p.get_content_type() for p in first.walk()] == ["multipart/alternative", "text/plain", "text/html"]

        report = run_day(services, paths=None, day=date.fromisoformat(day), dry_run=False, skip_ingest=True)
        services.close()
    again = {d.email: d for d in report.deliveries}
    assert again["busy@example.com"].state == "sent"
    assert again["lost@example.com"].state == "stuck"
    assert "gone@example.com" not in again or again["gone@example.com"].state == "skipped"
    per_reader = Counter(m.rcpt_tos[0] for m in rec.messages)
    assert per_reader == Counter({**dict.fromkeys(fine, 1), "busy@example.com": 1, "lost@example.com": 1})


# -- ACADEMICHUB_SMTP_URL


@pytest.mark.parametrize(
    "url, port, security, user",
    [
        ("smtp://me%40gmail.com:abcd efgh ijkl mnop@smtp.gmail.com", 587, "starttls", "me@gmail.com"),
        ("smtp://me@gmail.com:abcdefgh@smtp.gmail.com:587?starttls=true", 587, "starttls", "me@gmail.com"),
        ("smtps://12345@qq.com:authcode@smtp.qq.com", 465, "tls", "12345@qq.com"),
        ("smtp://relay.lab.example", 25, "none", None),
        ("smtp://relay.lab.example:2525?starttls=yes&timeout=5", 2525, "starttls", None),
    ],
)
def test_smtp_urls_people_write(url, port, security, user):
    target = parse_smtp_url(url)
    assert (target.port, target.security, target.username) == (port, security, user)
    assert target.password not in repr(target) if target.password else True


SECRET = "s3cr3t-Pw"


@pytest.mark.parametrize(
    "url, says",
    [
        ("http://smtp.example.org", "must start with smtp:// or smtps://"),
        (f"smtp://me:{SECRET}/x@smtp.example.org:587", "a path after the host"),
        (f"smtp://me:{SECRET}#x@smtp.example.org", "has a '#'"),
        (f"smtp://me:{SECRET}@smtp.example.org:99999", "port is not a number"),
        (f"smtp://me:{SECRET}@smtp.example.org:5x7", "port is not a number"),
        ("smtp://me@smtp.example.org", "no password"),
        (f"smtp://me:{SECRET}@", "names no host"),
        (f"smtp://me:{SECRET}@smtp.example.org:25?starttls=false", "unencrypted"),
        (f"smtp://me:{SECRET}@smtp.example.org?starttls=maybe", "starttls must be true or false"),
        (f"smtp://me:{SECRET}@smtp.example.org?tls=1", "unknown option 'tls'"),
        (f"smtps://me:{SECRET}@smtp.example.org?starttls=true", "leave out ?starttls"),
        (f"smtp://me:{SECRET}@smtp.example.org?timeout=forever", "timeout must be seconds"),
        (f"smtp://me:{SECRET}@smtp.example.org?cafile=/nonexistent/ca.pem", "cafile /nonexistent/ca.pem is not a file"),
    ],
)
def test_a_bad_smtp_url_is_named_and_the_password_never_shown(url, says):
    with pytest.raises(SettingsError) as bad:
        load_settings(mail_backend="smtp", smtp_url=url, _env_file=None)
    text = str(bad.value)
    assert "ACADEMICHUB_SMTP_URL" in text and says in text
    assert SECRET not in text and SECRET[:4] not in text


def test_the_smtp_backend_needs_a_url_and_the_cli_says_so(capsys, monkeypatch, env_settings):
    with pytest.raises(SettingsError, match="ACADEMICHUB_MAIL_BACKEND=smtp needs ACADEMICHUB_SMTP_URL"):
        load_settings(mail_backend="smtp", _env_file=None)
    monkeypatch.setenv("ACADEMICHUB_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("ACADEMICHUB_SMTP_URL", f"smtp://me:{SECRET}@smtp.example.org:25?starttls=false")
    code, out, err = run_cli(capsys, monkeypatch, "deliveries")
    assert code == 2 and "unencrypted" in err and "Traceback" not in err + out
    assert SECRET not in err + out


def test_settings_and_the_mailer_never_show_the_password():
    settings = Settings(mail_backend="smtp", smtp_url=f"smtp://me:{SECRET}@smtp.example.org", _env_file=None)
    mailer = make_mailer(settings)
    assert isinstance(mailer, SmtpMailer)
    assert SECRET not in repr(settings) + repr(settings.smtp_target) + settings.smtp_target.describe()
    assert settings.smtp_target.describe() == "smtp://me@smtp.example.org:587 (STARTTLS)"
