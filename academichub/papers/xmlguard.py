"""What an XML feed must not contain before any parser sees it: entity declarations.

An internal DTD subset can declare entities that expand far beyond the document (one 100,000-character
entity referenced 20,000 times is 2 GB of text from a 157 KB feed), and feedparser's fallback parser
expands every entity it finds declared at the top of a document, even after the strict parser has
refused them. No real feed declares entities, so a document that does is refused outright: before
any parsing, on the text exactly as feedparser will decode it (its declared encoding, BOM or UTF-16
sniffing), so an encoding such as UTF-7 cannot smuggle a declaration past the check.
"""

from __future__ import annotations

import re

from feedparser.encodings import convert_to_utf8

from academichub.papers.records import FeedError

_SPACE = re.compile(rb"\s*+")
_LITERAL = rb"(?:\"[^\"<>\[\]]{0,1000}\"|'[^'<>\[\]]{0,1000}')"
# The only DOCTYPE accepted: a name and an optional external identifier (RSS 0.91's Netscape DTD),
# no internal subset. feedparser never loads an external DTD.
_EXTERNAL_DOCTYPE = re.compile(
    rb"<!DOCTYPE\s++[\w:.-]++(?:\s++(?:SYSTEM\s++"
    + _LITERAL
    + rb"|PUBLIC\s++"
    + _LITERAL
    + rb"\s++"
    + _LITERAL
    + rb"))?"
    rb"\s*+>",
    re.IGNORECASE,
)
_FIRST_ELEMENT = re.compile(rb"<\w")  # where feedparser's own DOCTYPE handling stops looking
_ENTITY = b"<!entity"


def as_checked_utf8(body: bytes) -> bytes:
    """The document as UTF-8 (decoded as feedparser decodes it), once its prolog has been checked.

    Raises FeedError for an internal DTD subset (``<!DOCTYPE x [ ... ]>``), for any ``<!ENTITY`` before
    the root element (even inside a comment: feedparser's fallback parser would still find it), and
    for any other declaration or an unclosed comment there.
    """
    data = convert_to_utf8({}, body, {})
    if not isinstance(data, bytes):  # pragma: no cover - feedparser returns bytes for bytes
        data = bytes(data)
    end = _check_prolog(data)
    first = _FIRST_ELEMENT.search(data)
    head_end = max(end, first.start() if first else len(data))
    if _ENTITY in data[:head_end].lower():
        raise FeedError(_REFUSED.format(what="an entity declaration (<!ENTITY ...>) before its root element"))
    return data


_REFUSED = "the feed contains {what}; entity declarations are refused before parsing, so nothing was read"


def _check_prolog(data: bytes) -> int:
    """Walk the prolog (XML declaration, processing instructions, comments, one DOCTYPE) to the root
    element; return where it ends. Linear: each construct is found with one forward search."""
    pos = 0
    while True:
        pos = _SPACE.match(data, pos).end()  # type: ignore[union-attr]  # \s*+ always matches
        if data.startswith(b"<?", pos):
            close = data.find(b"?>", pos + 2)
            if close < 0:
                raise FeedError(
                    "broken XML, not a feed: a processing instruction before the root element is not closed"
                )
            pos = close + 2
        elif data.startswith(b"<!--", pos):
            close = data.find(b"-->", pos + 4)
            if close < 0:
                raise FeedError("broken XML, not a feed: a comment before the root element is not closed")
            pos = close + 3
        elif data[pos : pos + 9].upper() == b"<!DOCTYPE":
            m = _EXTERNAL_DOCTYPE.match(data, pos)
            if m is None:
                raise FeedError(_REFUSED.format(what="a DOCTYPE with an internal subset (<!DOCTYPE ... [ ... ]>)"))
            pos = m.end()
        elif data.startswith(b"<!", pos):
            what = data[pos : pos + 12].decode("utf-8", "replace")
            raise FeedError(_REFUSED.format(what=f"a declaration ({what!r}...) before its root element"))
        else:
            return pos
