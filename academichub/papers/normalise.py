"""Pure normalisation of feed fields: arXiv ids and preambles, DOIs, titles, abstracts, kinds, authors.

The markup-to-text rules (HTML, JATS debris, LaTeX) are in ``academichub.papers.markup``.
"""

from __future__ import annotations

import re
import unicodedata

from academichub.papers.markup import clean_jats, html_to_text, latex_to_unicode, squash

# --- arXiv -----------------------------------------------------------------------------

ARXIV_PREAMBLE = re.compile(
    r"^\s*arXiv:(?P<id>\S+?)(?:v(?P<version>\d+))?\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?",
    re.IGNORECASE,
)
# New-style (2604.12345) and old-style (cs/9909009, math.GT/0309136) identifiers.
ARXIV_ID = re.compile(r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v(?P<version>\d+))?(?![\d])")
ARXIV_URL_ID = re.compile(r"arxiv\.org/(?:abs|pdf|html)/" + ARXIV_ID.pattern, re.IGNORECASE)
OAI_ARXIV_ID = re.compile(r"oai:arXiv\.org:" + ARXIV_ID.pattern, re.IGNORECASE)


def split_arxiv_preamble(text: str) -> tuple[str, dict[str, str | None]]:
    """Remove ``arXiv:2604.12345v1 Announce Type: new Abstract:`` and return what it said."""
    m = ARXIV_PREAMBLE.match(text)
    if not m:
        return text, {}
    return text[m.end() :], {"id": m.group("id"), "version": m.group("version"), "type": m.group("type").lower()}


def find_arxiv_id(*candidates: str | None) -> tuple[str, str | None] | None:
    """The bare arXiv id and the version's digits as written (``papers.validate.parse_version``
    checks their range) from a link, guid or id string."""
    for value in candidates:
        if not value or not isinstance(value, str):
            continue
        for pattern in (ARXIV_URL_ID, OAI_ARXIV_ID):
            m = pattern.search(value)
            if m:
                return m.group("id"), m.group("version")
    return None


# --- DOIs ------------------------------------------------------------------------------

DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)


def clean_doi(value: str | None) -> str | None:
    """``doi:10.1101/X``, ``https://doi.org/10.1101/X`` or a bare DOI -> ``10.1101/x`` (lower case)."""
    if not value:
        return None
    m = DOI.search(value.strip())
    if not m:
        return None
    return m.group(1).rstrip(".,;)").lower()


# --- titles, abstracts, kinds ------------------------------------------------------------

_JOURNAL_SUFFIX = re.compile(
    r"\s*\|\s*(Science(?: [A-Z][a-z]+)*|Nature(?: [A-Z][a-z]+)*|Cell(?: [A-Z][a-z]+)*|PNAS|The Lancet|NEJM)\s*$"
)
_NATURE_BYLINE = re.compile(r"^\s*(?:[A-Z][\w .&-]+), Published online: [^;]*;\s*(?:doi:\s*\S+)?\s*", re.IGNORECASE)


def clean_title(raw: str | None) -> str:
    text = html_to_text(raw)
    text = _JOURNAL_SUFFIX.sub("", text)
    return squash(latex_to_unicode(text))


def clean_abstract(raw: str | None, *, title: str = "", jats: bool = False) -> str:
    """Abstract text; ``jats=True`` for bioRxiv/medRxiv, whose API leaves JATS conversion debris."""
    text = html_to_text(raw)
    if jats:
        text = clean_jats(text)
    text = _NATURE_BYLINE.sub("", text)
    text = squash(latex_to_unicode(text))
    if title and squash(text).casefold() == squash(title).casefold():
        return ""  # journals often repeat the title where the abstract would be: that is no abstract
    return text


_KIND_PREFIXES = (
    (re.compile(r"^(?:Author|Publisher)?\s*Correction(?:s)?\s*(?:to|:)", re.I), "correction"),
    (re.compile(r"^(?:Erratum|Corrigendum)\b", re.I), "correction"),
    (re.compile(r"^Retraction(?: Note)?\s*(?:to|:)", re.I), "retraction"),
    (re.compile(r"^(?:Editorial Expression of Concern|Expression of Concern)\b", re.I), "correction"),
    (re.compile(r"^(?:Daily briefing|AI & robotics briefing|News|Podcast)\s*:", re.I), "news"),
    (re.compile(r"^Editorial\s*:", re.I), "editorial"),
)
_NEWS_SECTIONS = {
    "news",
    "news & views",
    "news and views",
    "editorial",
    "comment",
    "career",
    "careers",
    "correspondence",
    "books",
    "world view",
    "obituary",
    "perspective",
    "letter",
}


def classify_kind(title: str, *, url: str | None = None, section: str | None = None) -> str:
    """Label journal items so later stages can leave out news and corrections."""
    for pattern, kind in _KIND_PREFIXES:
        if pattern.search(title):
            return kind
    if section and section.strip().lower() in _NEWS_SECTIONS:
        return "editorial" if "editorial" in section.lower() else "news"
    if url and re.search(r"nature\.com/articles/d\d{5}-", url):
        return "news"  # Nature's d-prefixed articles are news, comment and careers pieces
    return "article"


_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")


def title_key(title: str) -> str:
    """A matching key: case-folded, accents removed, punctuation dropped, spaces squashed."""
    if title.isascii():  # most titles: the same key in one pass (ASCII has no accents to remove)
        return squash(_NOT_ASCII_ALNUM.sub(" ", title.lower()))[:400]
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return squash(letters)[:400]


# --- authors ---------------------------------------------------------------------------

# "N." "P. K." "J.-P." "Li": one separator at most between initials, so matching cannot backtrack
# over the ways of splitting spaces (the old pattern took 3 s for 22 initials, doubling with each).
_INITIALS = re.compile(r"(?:[A-Z][a-z]?\.?(?:\s?-\s?|\s)?)+\.?")
_NAME_SEPARATOR = re.compile(r"([,;])")
_PLACEHOLDER_AUTHORS = {"未知作者", "unknown", "unknown author", "anonymous", "n/a", "na", "none", "[no author]"}


def _flip(surname: str, initials: str) -> str:
    return squash(f"{initials.strip()} {surname.strip()}")


def _surname_pairs(text: str) -> list[tuple[str, str]]:
    """(surname, initials) pairs of ``Surname, I., Other, J.`` or ``Surname, I.; Other, J.``: a part
    followed by a comma and a part that is only initials. One pass over the parts (a scan that tried
    every start position was quadratic in a list without commas)."""
    parts = _NAME_SEPARATOR.split(text)  # part, separator, part, separator, ...
    pairs: list[tuple[str, str]] = []
    i = 0
    while i + 2 < len(parts):
        surname, sep, initials = parts[i].strip(), parts[i + 1], parts[i + 2].strip()
        if surname and sep == "," and _INITIALS.fullmatch(initials):
            pairs.append((surname, initials))
            i += 4
        else:
            i += 2
    return pairs


def split_authors(raw: str | list[str] | None, *, style: str = "comma") -> list[str]:
    """Turn a feed's author field into a list of display names. Placeholders become nothing.

    style="comma": arXiv's ``A. One, B. Two`` (one string, comma-separated, sometimes double spaces).
    style="surname": bioRxiv's ``LAPALU, N., Lu, A.`` or medRxiv's ``Kumar, P.; Aurange, A.``.
    """
    if raw is None:
        return []
    if isinstance(raw, list):
        names = [n for item in raw for n in split_authors(item, style=style)]
        return [n for n in names if n]
    text = squash(html_to_text(raw))
    if not text or text.casefold() in _PLACEHOLDER_AUTHORS:
        return []
    if style == "surname":
        pairs = _surname_pairs(text)
        consumed = sum(len(p[0]) + len(p[1]) for p in pairs)
        if pairs and consumed >= 0.6 * len(text.replace(",", "").replace(";", "").replace(" ", "")):
            return [_flip(s, i) for s, i in pairs]
        sep = ";" if ";" in text else ","
        return [squash(n) for n in text.split(sep) if squash(n)]
    sep = ";" if ";" in text else ","
    names = [squash(n) for n in re.split(rf"\s*{sep}\s*|\s+and\s+", text)]
    return [n for n in names if n and n.casefold() not in _PLACEHOLDER_AUTHORS]
