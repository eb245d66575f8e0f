"""A real SMTP server for the tests (aiosmtpd, in a thread, on a free port): it records what it
receives, on which connection, and answers as a test scripts it (a 4xx at DATA, a 5xx at RCPT TO, a
dropped connection); STARTTLS or implicit TLS on a self-signed certificate made here, AUTH checked by
aiosmtpd's authenticator."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (PEM files in ``folder``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "academichub test smtp")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # fixed dates: valid whatever day the tests run
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * 30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes  # as received, dot-unstuffed, CRLF line ends
    connection: int  # which connection (0, 1, ...) carried it


@dataclass
class Recorder:
    """The aiosmtpd handler. ``rcpt``: address -> a refusal at RCPT TO; ``data``: address -> replies to
    give at the end of DATA, one per attempt (then 250); ``drop_at_mail``: connections to close when
    their next MAIL FROM arrives (the n-th message, counting from 1); ``lose_reply``: addresses whose
    message is kept but whose connection is closed before the server answers."""

    rcpt: dict[str, str] = field(default_factory=dict)
    data: dict[str, list[str]] = field(default_factory=dict)
    drop_at_mail: set[int] = field(default_factory=set)
    lose_reply: set[str] = field(default_factory=set)
    messages: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    sessions: list = field(default_factory=list)
    mails: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def connection(self, session) -> int:
        for i, s in enumerate(self.sessions):
            if s is session:
                return i
        self.sessions.append(session)
        return len(self.sessions) - 1

    @property
    def connections(self) -> int:
        """Connections that carried at least one MAIL FROM."""
        return len(self.sessions)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.connection(session)
        self.mails += 1
        if self.mails in self.drop_at_mail:
            server.transport.close()  # as a server does with a connection it timed out
            return "421 4.4.2 closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt:
            return self.rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        to = envelope.rcpt_tos[0]
        script = self.data.get(to)
        if script:
            return script.pop(0)
        with self.lock:
            self.messages.append(
                Received(
                    envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, self.connection(session)
                )
            )
        if to in self.lose_reply:
            server.transport.close()  # the message arrived; the answer never leaves
        return f"250 2.0.0 Ok: queued as Q{len(self.messages)}"

    def authenticator(self, user: str, password: str):
        def check(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
                user.encode(),
                password.encode(),
            )
            if ok:
                self.logins.append(user)
            return AuthResult(success=ok, handled=False)

        return check

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


class SmtpServer:
    """``with SmtpServer(recorder, tls=...) as server:`` -- tls: None (plain), "starttls" or "implicit";
    ``login``: (user, password) that AUTH must give."""

    def __init__(
        self,
        recorder: Recorder,
        *,
        tls: str | None = None,
        cert: tuple[Path, Path] | None = None,
        login: tuple[str, str] | None = None,
    ):
        self.recorder, self.port = recorder, free_port()
        kwargs: dict = {}
        if tls:
            assert cert is not None
            ctx = server_context(*cert)
            if tls == "starttls":
                kwargs.update(tls_context=ctx, require_starttls=True)
            else:
                kwargs.update(ssl_context=ctx, auth_require_tls=False)  # the connection is TLS from the start
        if login:
            kwargs.update(authenticator=recorder.authenticator(*login), auth_required=True)
        self.controller = Controller(recorder, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
