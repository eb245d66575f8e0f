"""The one rule for links taken from feeds: only absolute http(s) URLs are stored or shown as links.

``javascript:``, ``data:``, ``vbscript:``, scheme-relative (``//host``) and anything unparseable are
refused, and so are URLs with white space, control characters, backslashes or quotes (browsers
"repair" those in ways a check would not foresee). Used when a feed item is stored
(``papers.validate``), when a paper becomes a card (``papers.views``), and as the ``safe_url`` filter
of the email and page templates.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_CHARS = 2000
SAFE_SCHEMES = frozenset({"http", "https"})
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\\\"'<>`]")
# The common shape, accepted without parsing: http(s)://, a plain host name, then a path, query or
# fragment or nothing. Whatever urlsplit would make of it, its scheme is http(s) and its host is that name.
_PLAIN_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9][A-Za-z0-9.\-]*(?:[/?#]|\Z)")


class CheckedUrl(str):
    """A URL that has passed ``safe_url``. A paper card's links are checked once, when the card is made
    (``PaperCard.of``), and the templates' filter passes a ``CheckedUrl`` on without parsing it again:
    the same card is shown in thousands of emails, each link four times (HTML and text, test and value).
    Only this module makes one from outside input."""

    __slots__ = ()


def safe_url(value: object) -> str | None:
    """``value`` if it is an absolute http or https URL with a host, else None."""
    if type(value) is CheckedUrl:
        return value
    if not isinstance(value, str) or not value or len(value) > MAX_URL_CHARS or _UNSAFE_CHARS.search(value):
        return None
    if _PLAIN_URL.match(value):
        return value
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not host:
        return None
    return value


def checked_url(value: object) -> CheckedUrl | None:
    """``safe_url``, marking a URL that passed so later checks of it are free."""
    url = safe_url(value)
    return None if url is None else CheckedUrl(url)


def url_scheme(value: str) -> str:
    """The scheme a refused URL names, for a report (``javascript``), or a short description."""
    m = re.match(r"\s*([A-Za-z][A-Za-z0-9+.\-]{0,20}):", value)
    return f"{m.group(1).lower()}:" if m else "not an absolute http(s) URL"


def safe_href(value: object) -> str:
    """The template filter: a safe URL, or '' (so ``{% if x | safe_url %}`` leaves the link out)."""
    if type(value) is CheckedUrl:
        return value
    return safe_url(value) or ""
