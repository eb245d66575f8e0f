"""Every feed item checked and bounded on its own before it can reach storage.

A record either fits the schema (``academichub.models``: the column lengths are read from it, so the
two cannot drift apart) and the project's rules, or it is refused with a reason that names the item
(``ItemError``), so the other items of its feed are kept. Rules:

- ids by pattern: a bare arXiv id (``2606.12345``, ``hep-th/9901001``) or ``doi:`` + a DOI, within
  the id column; arXiv versions from 1 to ``MAX_VERSION``; announce types a short lower-case word;
- sizes capped: titles, abstracts, author lists and names, categories, labels and journal references
  are cut (at a word, with "…") and the item kept, noted as bounded;
- links: only absolute http(s) URLs (``papers.urls``); any other link is dropped and noted;
- an over-long or malformed *secondary* DOI (an arXiv paper's journal DOI, a published version's
  alias) is dropped and noted; when the DOI is the paper's id, the item is refused.

Raw feed fields are cut to ``RAW_*`` characters before they are normalised, so the cost of one item
is bounded whatever it carries.
"""

from __future__ import annotations

import re
from typing import Any

from academichub.models import Listing, Paper, PaperAlias
from academichub.papers.normalise import title_key
from academichub.papers.records import ItemError, PaperRecord
from academichub.papers.urls import safe_url, url_scheme


def _length(column: Any) -> int:
    return int(column.type.length)


ID_CHARS = min(_length(Paper.__table__.c.id), _length(PaperAlias.__table__.c.alias))  # type: ignore[attr-defined]
ARXIV_ID_CHARS = _length(Paper.__table__.c.arxiv_id)  # type: ignore[attr-defined]
DOI_CHARS = min(_length(Paper.__table__.c.doi), ID_CHARS - len("doi:"))  # type: ignore[attr-defined]
ANNOUNCE_CHARS = min(_length(Paper.__table__.c.announce_type), _length(Listing.__table__.c.announce_type))  # type: ignore[attr-defined]
SOURCE_KEY_CHARS = _length(Listing.__table__.c.source_key)  # type: ignore[attr-defined]

MAX_VERSION = 1000  # arXiv versions run to a few dozen; the column is a 32-bit integer
TITLE_CHARS = 500
ABSTRACT_CHARS = 10_000
AUTHOR_CHARS = 200
MAX_AUTHORS = 3_000  # large collaborations list ~3,000 names
CATEGORY_CHARS = 100
MAX_CATEGORIES = 50
LABEL_CHARS = 200
JOURNAL_REF_CHARS = 500
# Raw fields are cut before normalisation (markup is longer than its text).
RAW_TITLE_CHARS = 20 * TITLE_CHARS
RAW_ABSTRACT_CHARS = 20 * ABSTRACT_CHARS
RAW_AUTHORS_CHARS = 100 * MAX_AUTHORS

ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z\-]{0,15}(?:\.[A-Za-z]{2})?/\d{7}")
DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>]+")
ANNOUNCE_TYPE = re.compile(r"[a-z][a-z\-]*")
KNOWN_SERVERS = frozenset({"arxiv", "biorxiv", "medrxiv", "journal"})
KNOWN_KINDS = frozenset({"article", "news", "correction", "retraction", "editorial"})


def short(value: object, limit: int = 80) -> str:
    """A value for a report line: shown as written, cut to ``limit`` characters, with its length."""
    text = str(value)
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}… ({len(text)} characters)"


def raw(value: object, limit: int) -> str:
    """A raw feed field as text, cut to ``limit`` characters. Lists, mappings and other non-text values
    are not text: the item is refused rather than read as their ``repr``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)[:limit]
    raise ItemError(f"a field is {type(value).__name__}, not text: {short(value, 40)}")


def parse_version(digits: str | None) -> int | None:
    """An arXiv version number from its digits, refused outside 1..MAX_VERSION (never int() of a
    thousand digits, which is slow and, stored, overflows the column)."""
    if digits is None:
        return None
    if not digits.isdigit() or len(digits) > 6 or not 1 <= int(digits) <= MAX_VERSION:
        raise ItemError(f"arXiv version v{short(digits, 24)[1:-1]} is out of range (1 to {MAX_VERSION})")
    return int(digits)


def is_paper_id(value: str) -> bool:
    if len(value) > ID_CHARS:
        return False
    if value.startswith("doi:"):
        return bool(DOI.fullmatch(value[4:])) and len(value) - 4 <= DOI_CHARS
    return bool(ARXIV_ID.fullmatch(value))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    word = head.rsplit(" ", 1)[0]
    return (word if len(word) > limit // 2 else head) + "…"


def check_record(rec: PaperRecord) -> list[str]:
    """Refuse ``rec`` (ItemError) or bound it in place; returns what was cut or dropped, for the report."""
    if not is_paper_id(rec.id):
        raise ItemError(f"the id {short(rec.id)} is neither an arXiv id nor doi:<DOI> of at most {ID_CHARS} characters")
    if rec.arxiv_id is not None and (len(rec.arxiv_id) > ARXIV_ID_CHARS or not ARXIV_ID.fullmatch(rec.arxiv_id)):
        raise ItemError(f"the arXiv id {short(rec.arxiv_id)} is not an arXiv id")
    if rec.arxiv_version is not None and not 1 <= rec.arxiv_version <= MAX_VERSION:
        raise ItemError(f"arXiv version v{rec.arxiv_version} is out of range (1 to {MAX_VERSION})")
    if rec.announce_type is not None and not (
        len(rec.announce_type) <= ANNOUNCE_CHARS and ANNOUNCE_TYPE.fullmatch(rec.announce_type)
    ):
        raise ItemError(
            f"the announce type {short(rec.announce_type, 30)} is not a word of at most {ANNOUNCE_CHARS} letters"
        )
    if rec.server not in KNOWN_SERVERS or rec.kind not in KNOWN_KINDS:
        raise ItemError(f"unknown server {rec.server!r} or kind {rec.kind!r}")
    if not rec.title.strip():
        raise ItemError("no title")
    notes: list[str] = []
    if rec.doi is not None and not (len(rec.doi) <= DOI_CHARS and DOI.fullmatch(rec.doi)):
        if rec.id == f"doi:{rec.doi}":  # pragma: no cover - is_paper_id refused it above
            raise ItemError(f"the DOI {short(rec.doi)} is longer than {DOI_CHARS} characters")
        notes.append(f"DOI {short(rec.doi, 40)} dropped (not a DOI of at most {DOI_CHARS} characters)")
        rec.aliases = [a for a in rec.aliases if a != f"doi:{rec.doi}"]
        rec.doi = None
    kept = [a for a in rec.aliases if is_paper_id(a)]
    if len(kept) < len(rec.aliases):
        notes.append(f"{len(rec.aliases) - len(kept)} malformed alias(es) dropped")
        rec.aliases = kept
    _bound_urls(rec, notes)
    _bound_texts(rec, notes)
    return notes


def _bound_urls(rec: PaperRecord, notes: list[str]) -> None:
    for name in ("abs_url", "pdf_url"):
        value = getattr(rec, name)
        if value is not None and safe_url(value) is None:
            notes.append(f"{name} dropped ({url_scheme(value)} {short(value, 40)})")
            setattr(rec, name, None)
    if rec.abs_url is None and rec.doi_url is not None:
        rec.abs_url = rec.doi_url


def _bound_texts(rec: PaperRecord, notes: list[str]) -> None:
    if len(rec.title) > TITLE_CHARS or not rec.title_key:  # the key follows the title as stored
        if len(rec.title) > TITLE_CHARS:
            notes.append(f"title cut from {len(rec.title)} to {TITLE_CHARS} characters")
            rec.title = _cut(rec.title, TITLE_CHARS)
        rec.title_key = title_key(rec.title)
    if len(rec.abstract) > ABSTRACT_CHARS:
        notes.append(f"abstract cut from {len(rec.abstract)} to {ABSTRACT_CHARS} characters")
        rec.abstract = _cut(rec.abstract, ABSTRACT_CHARS)
    if len(rec.authors) > MAX_AUTHORS:
        notes.append(f"author list cut from {len(rec.authors)} to {MAX_AUTHORS} names")
        rec.authors = rec.authors[:MAX_AUTHORS]
    if any(len(a) > AUTHOR_CHARS for a in rec.authors):
        notes.append(f"author names cut to {AUTHOR_CHARS} characters")
        rec.authors = [_cut(a, AUTHOR_CHARS) for a in rec.authors]
    categories = [c for c in rec.categories if len(c) <= CATEGORY_CHARS][:MAX_CATEGORIES]
    if len(categories) < len(rec.categories):
        notes.append(f"categories cut from {len(rec.categories)} to {len(categories)}")
        rec.categories = categories
    if len(rec.source_label) > LABEL_CHARS:
        notes.append(f"source label cut to {LABEL_CHARS} characters")
        rec.source_label = _cut(rec.source_label, LABEL_CHARS)
    if rec.journal_ref is not None and len(rec.journal_ref) > JOURNAL_REF_CHARS:
        notes.append(f"journal reference cut to {JOURNAL_REF_CHARS} characters")
        rec.journal_ref = _cut(rec.journal_ref, JOURNAL_REF_CHARS)


def item_ref(*candidates: object, index: int) -> str:
    """How a report names an item: its first text identifier (guid, link, DOI), shortened, else its position."""
    for value in candidates:
        if isinstance(value, str) and value.strip():
            return short(" ".join(value.split()), 60)
    return f"item {index}"
