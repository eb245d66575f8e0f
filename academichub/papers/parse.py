"""Pure parsing: bytes of a saved or fetched response -> ParsedFeed of normalised PaperRecords.

The format is recognised from the content, never from a file name or URL: arXiv RSS/Atom
(listing feeds and the query API), bioRxiv/medRxiv RSS 1.0 and their JSON ``details`` API,
and generic journal RSS/Atom. Anything else is a FeedError with a message that says what
arrived instead (an HTML error page, arXiv's plain-text ``Rate exceeded.``, broken XML...).
"""

from __future__ import annotations

import re
import xml.sax
from typing import Any

import feedparser

from academichub.papers.items import collect, entry_ref, field_text, parse_date
from academichub.papers.labels import arxiv_label, shown_label
from academichub.papers.normalise import (
    classify_kind,
    clean_abstract,
    clean_doi,
    clean_title,
    find_arxiv_id,
    split_arxiv_preamble,
    split_authors,
    squash,
    title_key,
)
from academichub.papers.records import FeedError, FeedMeta, ItemError, PaperRecord, ParsedFeed
from academichub.papers.rxiv import parse_rxiv_json, parse_rxiv_rss
from academichub.papers.urls import safe_url
from academichub.papers.validate import (
    ARXIV_ID,
    AUTHOR_CHARS,
    LABEL_CHARS,
    MAX_AUTHORS,
    RAW_ABSTRACT_CHARS,
    RAW_AUTHORS_CHARS,
    RAW_TITLE_CHARS,
    parse_version,
    raw,
)
from academichub.papers.xmlguard import as_checked_utf8

ARXIV_NS = "http://arxiv.org/schemas/atom"
_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_ARXIV_FEED_CATS = re.compile(r"arxiv\.org/(?:rss|atom)/([\w.\-+]+)", re.IGNORECASE)
_ARXIV_TITLE_CATS = re.compile(r"^([\w.\-+]+) updates on arXiv\.org", re.IGNORECASE)


_MAGIC = (  # the signatures of what a feed's URL or a saved file most often turns out to be
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"%PDF-", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"SQLite format 3\x00", "SQLite database"),
)


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def describe_binary(body: bytes) -> str | None:
    """A short, safe description of a body that is not text ("binary data (gzip?) of 12 KB"), or None
    for text: a report never prints the bytes themselves."""
    head = body[:4096]
    kind = next((name for magic, name in _MAGIC if body.startswith(magic)), None)
    if kind is None:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not a character cut at the end of the sample
                text = None
            else:
                text = head[: exc.start].decode("utf-8")
        controls = sum(ch < " " and ch not in "\t\r\n\f" for ch in text) if text is not None else 0
        if text is not None and controls <= len(text) // 100 and "\x00" not in text:
            return None
    return f"binary data{f' ({kind}?)' if kind else ''} of {_size(len(body))}"


def parse_document(body: bytes, *, label: str | None = None) -> ParsedFeed:
    """Recognise and parse one response body. ``label`` overrides the source label (from config)."""
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise FeedError("empty response body")
    first = stripped[:1]
    if first in (b"{", b"["):
        return parse_rxiv_json(stripped, label=label)
    if first != b"<":
        binary = describe_binary(body)
        if binary:
            raise FeedError(f"{binary} instead of a feed")
        text = stripped[:120].decode("utf-8", "replace").strip()
        if text.lower().startswith("rate exceeded"):
            raise FeedError("rate limited by the server: it answered 'Rate exceeded.' (plain text) instead of a feed")
        raise FeedError(f"plain text ({len(body):,} bytes), not a feed")  # named, never printed
    if _HTML_START.match(stripped):
        m = _HTML_TITLE.search(stripped[:4096])
        title = squash(m.group(1).decode("utf-8", "replace")) if m else ""
        raise FeedError(f"an HTML page instead of a feed{f' ({title!r})' if title else ''}")
    data = as_checked_utf8(stripped)  # entity declarations are refused before any parser runs
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "not RSS or Atom"
        raise FeedError(f"broken XML, not a feed: {reason}")
    if parsed.bozo and isinstance(parsed.bozo_exception, xml.sax.SAXException):
        # A truncated or malformed document: what it would yield is incomplete, so it is a failure.
        raise FeedError(f"broken XML: {parsed.bozo_exception}")
    warnings = [f"feed is not well-formed, parsed what could be read: {parsed.bozo_exception}"] if parsed.bozo else []
    family = _family(parsed)
    if family == "arxiv":
        feed = _parse_arxiv(parsed, label=label)
        feed.meta.skip_days = _skip_days(data)
    elif family == "rxiv":
        feed = parse_rxiv_rss(parsed, label=label)
    else:
        feed = _parse_journal(parsed, label=label)
    feed.warnings.extend(warnings)
    return feed


# --- recognising the family ------------------------------------------------------------------


def _family(parsed: Any) -> str:
    f = parsed.feed
    where = " ".join(str(x) for x in (f.get("link", ""), f.get("id", ""), f.get("title", ""))).lower()
    if "arxiv.org" in where or ARXIV_NS in parsed.namespaces.values() and _looks_arxiv(parsed):
        return "arxiv"
    pub = str(f.get("prism_publicationname", "")).lower()
    if pub in ("biorxiv", "medrxiv") or "biorxiv.org" in where or "medrxiv.org" in where:
        return "rxiv"
    if parsed.entries and all(
        str(e.get("dc_identifier", "")).lower().startswith("doi:10.1101/") for e in parsed.entries[:5]
    ):
        return "rxiv"
    return "journal"


def _looks_arxiv(parsed: Any) -> bool:
    return any(find_arxiv_id(e.get("id"), e.get("link")) for e in parsed.entries[:5]) or not parsed.entries


def _ns_prefix(parsed: Any, uri: str, default: str) -> str:
    """The prefix a document gave a namespace (they can be renamed; never assume 'arxiv:')."""
    for prefix, value in parsed.namespaces.items():
        if value == uri and prefix:
            return prefix.lower()
    return default


_SKIP_DAYS = re.compile(rb"<skipDays>(.*?)</skipDays>", re.IGNORECASE | re.DOTALL)
_DAY = re.compile(rb"<day>\s*(\w+)\s*</day>", re.IGNORECASE)


def _skip_days(body: bytes) -> tuple[str, ...]:
    """RSS 2.0 <skipDays> of the channel. feedparser keeps only the last <day>, so read the
    channel head (it precedes the items) directly."""
    m = _SKIP_DAYS.search(body[:16384])
    if not m:
        return ()
    return tuple(d.decode("ascii", "ignore").capitalize() for d in _DAY.findall(m.group(1)))


# --- arXiv -----------------------------------------------------------------------------------


def _parse_arxiv(parsed: Any, *, label: str | None) -> ParsedFeed:
    prefix = _ns_prefix(parsed, ARXIV_NS, "arxiv")
    f = parsed.feed
    cats_text = ""
    for pattern, field in ((_ARXIV_FEED_CATS, "link"), (_ARXIV_TITLE_CATS, "title")):
        m = pattern.search(str(f.get(field, "")))
        if m:
            cats_text = m.group(1)
            break
    feed_cats = tuple(c for c in cats_text.split("+") if c)
    is_api = "arxiv query" in str(f.get("title", "")).lower() or "/api/" in str(f.get("id", ""))
    feed = collect(
        parsed.entries,
        lambda e: _arxiv_entry(e, prefix=prefix, feed_cats=feed_cats, label=label, is_api=is_api),
        entry_ref,
    )
    feed.meta = FeedMeta(
        format="arxiv-atom" if parsed.version.startswith("atom") else "arxiv-rss",
        title=squash(str(f.get("title", ""))),
        link=str(f.get("link", "")),
        published=parse_date(f.get("published"), f.get("updated")),
        categories=() if is_api else feed_cats,
    )
    return feed


def _arxiv_entry(e: Any, *, prefix: str, feed_cats: tuple[str, ...], label: str | None, is_api: bool) -> PaperRecord:
    abstract_raw, pre = split_arxiv_preamble(field_text(e, "summary", RAW_ABSTRACT_CHARS))
    pre_id = pre.get("id")
    if pre_id and not ARXIV_ID.fullmatch(pre_id):
        pre_id = None  # a malformed preamble ('arXiv:javascript:alert(1)// Announce Type: ...') names no id
    found = find_arxiv_id(e.get("id"), e.get("link")) or ((pre_id, pre.get("version")) if pre_id else None)
    if not found:
        raise ItemError("no arXiv id in its guid, link or abstract preamble")
    title = clean_title(field_text(e, "title", RAW_TITLE_CHARS))
    if not title:
        raise ItemError("no title")
    arxiv_id, version_digits = found
    version = parse_version(version_digits or pre.get("version"))
    announce = squash(field_text(e, f"{prefix}_announce_type") or pre.get("type") or "").lower() or None
    if announce is None and is_api:
        announce = "new" if (version or 1) == 1 else "replace"
    categories = [t.get("term") for t in e.get("tags", []) if t.get("term")]
    primary = e.get(f"{prefix}_primary_category")
    if isinstance(primary, dict) and primary.get("term"):
        categories = [primary["term"]] + [c for c in categories if c != primary["term"]]
    # The label is the feed's own category, as the seed pages show it (a cross-list shows
    # under the feed that listed it); the query API has no feed category, so use the primary.
    shown = next((c for c in categories if c in feed_cats), feed_cats[0] if feed_cats else None)
    shown = shown or (categories[0] if categories else None)
    if e.get("authors") and len(e["authors"]) > 1:
        authors = [squash(a.get("name", "")) for a in e["authors"][:MAX_AUTHORS] if a.get("name")]
    else:
        authors = split_authors(field_text(e, "author", RAW_AUTHORS_CHARS))
    doi = clean_doi(field_text(e, f"{prefix}_doi"))
    journal_ref = squash(field_text(e, f"{prefix}_journal_ref") or field_text(e, f"{prefix}_journal_reference")) or None
    rec = PaperRecord(
        id=arxiv_id,
        title=title,
        abstract=clean_abstract(abstract_raw),
        authors=authors,
        categories=categories,
        source_label=label or arxiv_label(shown),
        server="arxiv",
        arxiv_id=arxiv_id,
        arxiv_version=version,
        doi=doi,
        abs_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        journal_ref=journal_ref,
        announce_type=announce,
        published=parse_date(e.get("published"), e.get("updated")),
        title_key=title_key(title),
    )
    if doi:
        rec.aliases.append(f"doi:{doi}")
    return rec


# --- journals ---------------------------------------------------------------------------------


def _parse_journal(parsed: Any, *, label: str | None) -> ParsedFeed:
    f = parsed.feed
    name = squash(str(f.get("prism_publicationname") or f.get("title") or "Journal"))[:LABEL_CHARS]
    feed = collect(parsed.entries, lambda e: _journal_entry(e, name, label), entry_ref)
    feed.meta = FeedMeta(
        format="journal-atom" if parsed.version.startswith("atom") else "journal-rss",
        title=name,
        link=str(f.get("link", "")),
        published=parse_date(f.get("updated"), f.get("published")),
    )
    return feed


def _journal_entry(e: Any, name: str, label: str | None) -> PaperRecord:
    link = squash(field_text(e, "link"))
    doi = (
        clean_doi(field_text(e, "prism_doi"))
        or clean_doi(field_text(e, "dc_identifier"))
        or clean_doi(field_text(e, "id"))
        or clean_doi(link)
    )
    title = clean_title(field_text(e, "title", RAW_TITLE_CHARS))
    if not doi or not title:
        raise ItemError("no DOI" if not doi else "no title")
    authors = [n for a in e.get("authors", [])[:MAX_AUTHORS] for n in split_authors(raw(a.get("name"), AUTHOR_CHARS))]
    summary = field_text(e, "summary", RAW_ABSTRACT_CHARS)
    if e.get("content"):
        summary = max((raw(c.get("value"), RAW_ABSTRACT_CHARS) for c in e["content"]), key=len) or summary
    section = field_text(e, "prism_section") or field_text(e, "dc_type")
    return PaperRecord(
        id=f"doi:{doi}",
        title=title,
        abstract=clean_abstract(summary, title=title),
        authors=authors,
        categories=[t.get("term") for t in e.get("tags", []) if t.get("term")],
        source_label=shown_label(label or name, "journal"),
        server="journal",
        kind=classify_kind(title, url=link, section=section),
        doi=doi,
        abs_url=safe_url(link) or f"https://doi.org/{doi}",
        journal_ref=name,
        announce_type="new",
        published=parse_date(e.get("prism_publicationdate"), e.get("published"), e.get("updated"), e.get("dc_date")),
        title_key=title_key(title),
    )
