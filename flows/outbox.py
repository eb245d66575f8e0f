"""The embedded mail backend: write each message as .eml (and .html for a browser) to a folder."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr, format_datetime, make_msgid, parseaddr
from pathlib import Path

from flows.render import RenderedEmail


def build_message(rendered: RenderedEmail, *, sender: str, to: str, when: datetime | None = None,
                  headers: dict[str, str] | None = None) -> Message:
    """multipart/alternative: the plain-text part first, then HTML; UTF-8 (base64); RFC 2047 headers.

    Built with the email.mime classes: three times faster than EmailMessage's content manager,
    which matters at 100,000 emails a day (docs/benchmarks.md)."""
    msg = MIMEMultipart("alternative")
    msg["Subject"] = Header(rendered.subject, "utf-8") if not rendered.subject.isascii() else rendered.subject
    name, address = parseaddr(sender)
    msg["From"] = formataddr((str(Header(name, "utf-8")) if name and not name.isascii() else name, address))
    msg["To"] = to
    msg["Date"] = format_datetime(when or datetime.now(timezone.utc))
    msg["Message-ID"] = make_msgid(domain=address.split("@")[-1] or "academichub.local")
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.attach(_utf8_part(rendered.text, "plain"))
    msg.attach(_utf8_part(rendered.html, "html"))
    return msg


def _utf8_part(text: str, subtype: str) -> MIMENonMultipart:
    """A UTF-8 text part, base64-encoded in one C call (the stdlib encoder works 57 bytes at a time
    in Python, which dominated the cost of a 70 KiB briefing)."""
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(text.encode("utf-8")).decode("ascii"))
    return part


def _safe_name(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]+", "_", address)[:120]


@dataclass(slots=True)
class Outbox:
    """Writes to <root>/<edition date>/<address>.eml; a rerun overwrites, never duplicates."""

    root: Path

    def deliver(self, msg: Message, *, edition: date, html: str) -> Path:
        folder = self.root / edition.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        stem = _safe_name(str(msg["To"]))
        path = folder / f"{stem}.eml"
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(msg.as_bytes())
        tmp.replace(path)
        (folder / f"{stem}.html").write_text(html, encoding="utf-8")
        return path


def list_headers(*, sender: str, unsubscribe_url: str, unsubscribe_mailbox: str | None) -> dict[str, str]:
    """List-Id and one-click unsubscribe (RFC 2369, RFC 8058), as large mailbox providers require."""
    address = unsubscribe_mailbox or parseaddr(sender)[1]
    domain = address.split("@")[-1] or "academichub.local"
    return {
        "List-Id": f"AcademicHub daily briefing <briefing.{domain}>",
        "List-Unsubscribe": f"<{unsubscribe_url}>, <mailto:{address}?subject=unsubscribe>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
