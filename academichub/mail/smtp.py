"""Any mail server over SMTP (the standard library's smtplib and ssl): STARTTLS, implicit TLS or a
plain relay, with or without a login (academichub/smtp_url.py reads ACADEMICHUB_SMTP_URL).

The same bytes as the outbox and SES (build_message, with CRLF line ends as SMTP wants). Open
connections are kept and reused: a chunk of sends (and the chunks after it) go over one connection
per thread; one the server has closed meanwhile is replaced at the next send. The send rate is a
token bucket shared by the process's threads.

What a reply means:
- 4xx (at the greeting, login, MAIL FROM, RCPT TO or DATA) is transient: retried with back-off, then
  recorded so that the next run tries again (TransientSendError);
- 5xx is permanent (PermanentSendError); at RCPT TO it is about the address (RecipientRejected: the
  engine marks the reader bounced) unless its enhanced status code says otherwise (5.7.x relaying or
  policy, 5.3.x/5.4.x/5.5.x the mail system, 5.2.2 a full mailbox, 5.2.3 too large);
- a connection that breaks after the message was handed over (during DATA) leaves the outcome
  unknown (OutcomeUnknown): never resent automatically, like a crash mid-send;
- a refused login, a certificate the client does not trust, no STARTTLS where the URL asks for it:
  the configuration is wrong, not the message. The send fails as transient (the next run, with the
  configuration fixed, sends it) and the mailer does not try again for five minutes, rather than
  failing each of the day's readers slowly (a long-running web app tries again after that).
"""

from __future__ import annotations

import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from email.utils import parseaddr

from academichub.mail.backends import (
    NotRetriedNow,
    OutcomeUnknown,
    OutgoingEmail,
    PermanentSendError,
    RecipientRejected,
    TokenBucket,
    TransientSendError,
    with_retries,
)
from academichub.mail.message import message_bytes
from academichub.smtp_url import SmtpTarget

# An enhanced status code (RFC 3463) at the start of a reply: class.subject.detail
_ENHANCED = re.compile(rb"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
# At RCPT TO, these 5.x.y are not about the address: relaying denied or policy (5.7), the mail system
# (5.3), routing or network (5.4), protocol (5.5), content (5.6); a full mailbox (5.2.2) or a message
# too large for it (5.2.3) may yet take mail.
_NOT_THE_ADDRESS = {"3", "4", "5", "6", "7"}
_NOT_THE_MAILBOX = {("2", "2"), ("2", "3")}


MISCONFIGURED_PAUSE = 300.0  # seconds without trying after the server refused the configuration


class _Misconfigured(Exception):
    """The server refuses this configuration (login, TLS): every send would fail the same way."""


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:300]


def about_the_address(code: int, reply: bytes) -> bool:
    """Is a 5xx reply to RCPT TO a hard bounce of the address (unknown user, no such domain, disabled)?"""
    if not 500 <= code < 600:
        return False
    m = _ENHANCED.match(reply)
    if m is None:
        return code in (550, 551, 553)  # mailbox unavailable, user not local, mailbox name not allowed
    subject, detail = m.group(2).decode(), m.group(3).decode()
    return subject not in _NOT_THE_ADDRESS and (subject, detail) not in _NOT_THE_MAILBOX


def refusal(stage: str, code: int, reply: bytes | str, address: str) -> Exception:
    """The error for a refused command: 4xx transient, 5xx permanent (a bounce when it is the address)."""
    text = f"{stage}: {code} {_text(reply)}"
    if 400 <= code < 500:
        return TransientSendError(text)
    if stage == "RCPT TO" and about_the_address(code, reply if isinstance(reply, bytes) else reply.encode()):
        return RecipientRejected(address, text)
    return PermanentSendError(text)


def wire_bytes(email: OutgoingEmail) -> bytes:
    """The message as the outbox writes it, with the CRLF line ends SMTP requires (smtplib sends bytes
    as given; bare LFs are refused by some servers)."""
    return message_bytes(email.message).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class SmtpMailer:
    name = "smtp"

    def __init__(
        self,
        target: SmtpTarget,
        *,
        rate: float,
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.target = target
        self.bucket = TokenBucket(rate, clock=clock, sleep=sleep)
        self.clock = clock
        self.retries, self.backoff, self.sleep = retries, backoff, sleep
        self._context = ssl_context
        self._idle: list[smtplib.SMTP] = []
        self._lock = threading.Lock()
        self._misconfigured: tuple[float, str] | None = None  # since when, and what the server said
        self.connections = 0  # opened so far

    def suppressed(self) -> dict[str, str]:
        """SMTP has no suppression list to read: refused addresses are marked bounced as they happen."""
        return {}

    def send(self, email: OutgoingEmail) -> str:
        return with_retries(self.retries, self.backoff, self.sleep)(self._send_once, email)

    def close(self) -> None:
        """QUIT the idle connections (connections in use by another thread are left to it)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _quit(conn)

    # -- connections

    def _tls(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl.create_default_context(cafile=self.target.cafile)
        return self._context

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        where = t.describe()
        try:
            conn = (
                smtplib.SMTP_SSL(t.host, t.port, timeout=t.timeout, context=self._tls())
                if t.security == "tls"
                else smtplib.SMTP(t.host, t.port, timeout=t.timeout)
            )
        except smtplib.SMTPConnectError as exc:
            if 500 <= exc.smtp_code < 600:
                raise _Misconfigured(
                    f"{where} refused the connection: {exc.smtp_code} {_text(exc.smtp_error)}"
                ) from None
            raise TransientSendError(f"{where}: {exc.smtp_code} {_text(exc.smtp_error)}") from None
        except ssl.SSLCertVerificationError as exc:
            raise _Misconfigured(f"{where}: {_certificate_problem(exc)}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientSendError(f"could not connect to {where}: {exc.__class__.__name__}: {exc}") from None
        try:
            conn.ehlo()
            if t.security == "starttls":
                conn.starttls(context=self._tls())
                conn.ehlo()
            if t.username:
                conn.login(t.username, t.password or "")
        except BaseException as exc:
            conn.close()
            raise _connection_failure(where, exc) from None
        with self._lock:
            self.connections += 1
        return conn

    def _checkout(self) -> tuple[smtplib.SMTP, bool]:
        """An idle connection (True: reused) or a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def _checkin(self, conn: smtplib.SMTP) -> None:
        with self._lock:
            self._idle.append(conn)

    # -- one message

    def _send_once(self, email: OutgoingEmail) -> str:
        refused = self._misconfigured
        if refused is not None and self.clock() - refused[0] < MISCONFIGURED_PAUSE:
            raise NotRetriedNow(f"not tried: {refused[1]}")
        msg = email.message
        sender, to = parseaddr(str(msg["From"]))[1], parseaddr(str(msg["To"]))[1]
        data = wire_bytes(email)
        self.bucket.take()
        for attempt in (1, 2):
            try:
                conn, reused = self._checkout()
            except _Misconfigured as exc:
                self._misconfigured = (self.clock(), str(exc))
                raise NotRetriedNow(str(exc)) from None
            try:
                reply = self._transaction(conn, sender, to, data)
            except _Dropped as exc:
                conn.close()
                if exc.handed_over:
                    raise OutcomeUnknown(
                        f"the connection to {self.target.describe()} broke after the message was sent, before "
                        f"the server confirmed it ({exc.detail}): it may have been delivered, so it is not resent"
                    ) from None
                if reused and attempt == 1:
                    continue  # the server closed the idle connection: once more on a new one
                raise TransientSendError(f"{self.target.describe()}: connection lost ({exc.detail})") from None
            except (TransientSendError, PermanentSendError):
                self._reset_or_close(conn)
                raise
            self._checkin(conn)
            return _message_id(msg, reply)
        raise AssertionError("unreachable")  # pragma: no cover

    def _transaction(self, conn: smtplib.SMTP, sender: str, to: str, data: bytes) -> bytes:
        """MAIL FROM, RCPT TO, DATA on ``conn``; the final reply. A 421 (the server is closing the
        connection, say an idle one it timed out) before the message is handed over is a drop."""
        options = ["SMTPUTF8"] if not (sender + to).isascii() else []
        if options and not conn.has_extn("smtputf8"):
            raise PermanentSendError(f"{self.target.describe()} does not take non-ASCII addresses (no SMTPUTF8)")
        stage = "MAIL FROM"
        try:
            code, reply = conn.mail(sender, options)
            if code == 250:
                stage = "RCPT TO"
                code, reply = conn.rcpt(to)
            if code == 421:
                raise _Dropped(False, f"{stage}: 421 {_text(reply)}")
            if code not in (250, 251):
                raise refusal(stage, code, reply, to)
            stage = "DATA"  # from here on the message may have reached the server
            code, reply = conn.data(data)
        except smtplib.SMTPDataError as exc:  # the DATA command itself was refused: nothing handed over
            if exc.smtp_code == 421:
                raise _Dropped(False, f"DATA: 421 {_text(exc.smtp_error)}") from None
            raise refusal("DATA", exc.smtp_code, exc.smtp_error, to) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Dropped(stage == "DATA", f"{stage}: {exc.__class__.__name__}: {exc}") from None
        except ValueError as exc:  # smtplib refuses a line break in an address, or non-ASCII in a command
            raise PermanentSendError(f"{stage}: the address cannot be sent: {exc}") from None
        if code != 250:
            raise refusal("end of DATA", code, reply, to)  # answered: not delivered (a 421 also closes)
        return reply

    def _reset_or_close(self, conn: smtplib.SMTP) -> None:
        """After a refusal, RSET and keep the connection; close it if that fails (the server hung up)."""
        try:
            code, _ = conn.rset()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code == 250:
            self._checkin(conn)
        else:
            conn.close()


class _Dropped(Exception):
    def __init__(self, handed_over: bool, detail: str):
        super().__init__(detail)
        self.handed_over, self.detail = handed_over, detail


def _message_id(msg, reply: bytes) -> str:
    """The Message-ID (what the recipient's headers show) and the server's own queue id, if it says."""
    mid = str(msg["Message-ID"] or "").strip().strip("<>")
    queued = re.search(rb"queued as ([A-Za-z0-9._-]+)", reply or b"")
    return f"{mid} ({queued.group(1).decode()})"[:200] if queued else mid[:200]


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def _certificate_problem(exc: ssl.SSLCertVerificationError) -> str:
    return (
        f"its TLS certificate is not trusted ({exc.verify_message or exc}); "
        "for a private certificate add ?cafile=/path/to/ca.pem to ACADEMICHUB_SMTP_URL"
    )


def _connection_failure(where: str, exc: BaseException) -> BaseException:
    """What went wrong between the greeting and a usable connection (EHLO, STARTTLS, login)."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        if 400 <= exc.smtp_code < 500:
            return TransientSendError(f"{where}: login: {exc.smtp_code} {_text(exc.smtp_error)}")
        return _Misconfigured(
            f"{where} refused the login ({exc.smtp_code} {_text(exc.smtp_error)}): check the user name and "
            "password (Gmail and QQ Mail want an app password or authorisation code, not the account's)"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _Misconfigured(f"{where}: {exc} (for implicit TLS use smtps://, usually port 465)")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _Misconfigured(f"{where}: {_certificate_problem(exc)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        text = f"{where}: {code} {_text(exc.smtp_error)}"
        return TransientSendError(text) if 400 <= code < 500 else _Misconfigured(text)
    if isinstance(exc, UnicodeEncodeError):
        return _Misconfigured(f"{where}: the user name and password must be ASCII for SMTP AUTH")
    if isinstance(exc, smtplib.SMTPException | OSError):
        return TransientSendError(f"{where}: {exc.__class__.__name__}: {exc}")
    return exc
