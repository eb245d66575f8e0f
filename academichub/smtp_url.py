"""``ACADEMICHUB_SMTP_URL``: which mail server, how to secure the connection, and the login.

    smtp://user:password@smtp.example.org:587    STARTTLS (the default when there is a login or on 587)
    smtps://user:password@smtp.example.org:465   TLS from the first byte (implicit TLS)
    smtp://relay.example.org:25                  a relay that takes mail without a login

Options: ``?starttls=true|false``, ``?timeout=SECONDS`` (default 30), ``?cafile=PATH`` (a CA
certificate to trust besides the system's, for a server with a private certificate). A message says
what is wrong and never repeats the password (nor any part of the URL it could be in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

EXAMPLES = "smtp://user:password@host:587, smtps://user:password@host:465 or smtp://host:25"
ENCODE_HINT = "percent-encode / ? # @ : in the user name or password (%2F %3F %23 %40 %3A)"
OPTIONS = ("starttls", "timeout", "cafile")
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


class SmtpUrlError(ValueError):
    """ACADEMICHUB_SMTP_URL cannot be used; the message says why (without the password)."""


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    security: str  # starttls, tls (implicit, smtps://) or none
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    cafile: str | None = None

    def describe(self) -> str:
        """For messages and logs: the server and the user, never the password."""
        scheme = "smtps" if self.security == "tls" else "smtp"
        user = f"{self.username}@" if self.username else ""
        tls = " (STARTTLS)" if self.security == "starttls" else ""
        return f"{scheme}://{user}{self.host}:{self.port}{tls}"


def _flag(value: str) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise SmtpUrlError(f"ACADEMICHUB_SMTP_URL: starttls must be true or false, not {value!r}")


def parse_smtp_url(url: str) -> SmtpTarget:
    """The URL's parts, or SmtpUrlError naming the part that is wrong."""
    url = url.strip()
    scheme, sep, _rest = url.partition("://")
    if not sep or scheme.lower() not in ("smtp", "smtps"):
        shown = f"{scheme}://" if sep and len(scheme) < 20 else "something else"
        raise SmtpUrlError(
            f"ACADEMICHUB_SMTP_URL must start with smtp:// or smtps:// (it starts with {shown}): {EXAMPLES}"
        )
    parts = urlsplit(url)
    if parts.fragment or "#" in url:
        raise SmtpUrlError(f"ACADEMICHUB_SMTP_URL has a '#', which ends a URL: {ENCODE_HINT}")
    if parts.path not in ("", "/"):
        raise SmtpUrlError(f"ACADEMICHUB_SMTP_URL has a path after the host (a '/' in the password?): {ENCODE_HINT}")
    try:
        port = parts.port
    except ValueError:
        raise SmtpUrlError(
            f"ACADEMICHUB_SMTP_URL: the port is not a number from 1 to 65535 (if the password has special "
            f"characters: {ENCODE_HINT})"
        ) from None
    host = parts.hostname
    if not host:
        raise SmtpUrlError(f"ACADEMICHUB_SMTP_URL names no host: {EXAMPLES}")
    if port == 0:
        raise SmtpUrlError("ACADEMICHUB_SMTP_URL: the port is not a number from 1 to 65535")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise SmtpUrlError("ACADEMICHUB_SMTP_URL has a password but no user name (smtp://user:password@host)")
    if username and not password:
        raise SmtpUrlError(
            f"ACADEMICHUB_SMTP_URL has a user name ({username}) but no password (smtp://user:password@host); "
            f"for a relay without a login leave both out"
        )
    options: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() not in OPTIONS:
            raise SmtpUrlError(f"ACADEMICHUB_SMTP_URL: unknown option {key!r} (known: {', '.join(OPTIONS)})")
        options[key.lower()] = value
    implicit = parts.scheme.lower() == "smtps"
    if implicit and "starttls" in options:
        raise SmtpUrlError("ACADEMICHUB_SMTP_URL: smtps:// is TLS from the start; leave out ?starttls")
    if implicit:
        security = "tls"
    elif "starttls" in options:
        security = "starttls" if _flag(options["starttls"]) else "none"
    else:
        security = "starttls" if username or port == 587 else "none"
    if username and security == "none":
        raise SmtpUrlError(
            "ACADEMICHUB_SMTP_URL: starttls=false would send the password unencrypted; "
            "use STARTTLS (usually port 587) or smtps:// (port 465)"
        )
    timeout = 30.0
    if "timeout" in options:
        try:
            timeout = float(options["timeout"])
        except ValueError:
            timeout = 0.0
        if not 0 < timeout <= 600:
            raise SmtpUrlError(
                f"ACADEMICHUB_SMTP_URL: timeout must be seconds from 0 to 600, not {options['timeout']!r}"
            )
    cafile = options.get("cafile") or None
    if cafile and not Path(cafile).is_file():
        raise SmtpUrlError(f"ACADEMICHUB_SMTP_URL: cafile {cafile} is not a file")
    default_port = 465 if implicit else 587 if security == "starttls" else 25
    return SmtpTarget(
        host=host,
        port=port or default_port,
        security=security,
        username=username,
        password=password,
        timeout=timeout,
        cafile=cafile,
    )
