"""Pure text normalisation for feed fields: HTML, JATS debris, Greek, LaTeX, authors, kinds."""

from __future__ import annotations

import html
import re
import unicodedata
import warnings
from functools import lru_cache

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from pylatexenc.latex2text import LatexNodes2Text

warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

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


def find_arxiv_id(*candidates: str | None) -> tuple[str, int | None] | None:
    """The bare arXiv id and version from a link, guid or id string."""
    for value in candidates:
        if not value:
            continue
        for pattern in (ARXIV_URL_ID, OAI_ARXIV_ID):
            m = pattern.search(value)
            if m:
                version = m.group("version")
                return m.group("id"), int(version) if version else None
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


# --- HTML and whitespace ----------------------------------------------------------------

_BLOCK_TAGS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote")
_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    """Fold all white space (including no-break spaces) to single spaces."""
    return " ".join(text.split())


def html_to_text(value: str | None) -> str:
    """Visible text of an HTML fragment: inline tags join (S<sub>N</sub>2 -> SN2), blocks separate."""
    if not value:
        return ""
    if "<" not in value and "&" not in value:
        return squash(value)
    soup = BeautifulSoup(value, "html.parser")
    for tag in soup.find_all(["script", "style"]):
        tag.decompose()
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_after(" ")
    return squash(html.unescape(soup.get_text("")))


# --- JATS conversion debris (bioRxiv/medRxiv API) ------------------------------------------

_JATS_SMALLCAPS = re.compile(r"O_SCP(LOW|CAP)(.*?)C_SCP\1")
_JATS_HEADING = re.compile(r"O_ST_ABS\s*(.*?)\s*C_ST_ABS\s*")
# Markers are glued to the next word ("C_LIO_LIWe show"), so no trailing word boundary.
_JATS_MARKER = re.compile(r"(?<![A-Za-z0-9])[OC]_(?:LIO_LI|LIO|LI|ST_ABS|FIG|TBL|FN|SUP|SUB|ITALIC|BOLD|SCPLOW|SCPCAP)")
_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "omicron": "ο",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
}
_GREEK.update({k.capitalize(): v.upper() for k, v in list(_GREEK.items())})
_BRACED_NAME = re.compile(r"\{(" + "|".join(sorted(_GREEK, key=len, reverse=True)) + r")\}")
# medRxiv structured abstracts glue the heading to the first word: "BackgroundThe modified ...".
_GLUED_HEADING = re.compile(
    r"(?:(?<=^)|(?<=[\s.]))(Background|Objectives?|Aims?|Methods|Results|Conclusions?|Findings|Interpretation|"
    r"Importance|Design|Setting|Participants|Purpose|Introduction|Significance|Funding|Context)(?=[A-Z][a-z])"
)


def clean_jats(text: str) -> str:
    if "_" not in text and "{" not in text and not _GLUED_HEADING.search(text):
        return text
    text = _JATS_SMALLCAPS.sub(lambda m: m.group(2), text)
    text = _JATS_HEADING.sub(lambda m: f"{m.group(1)}: " if m.group(1) else " ", text)
    text = _JATS_MARKER.sub(" ", text)
    text = _BRACED_NAME.sub(lambda m: _GREEK[m.group(1)], text)
    text = _GLUED_HEADING.sub(lambda m: m.group(1) + ": ", text)
    return text


# --- LaTeX -----------------------------------------------------------------------------

_MATH = re.compile(r"(?<!\\)\$(?!\$)(.+?)(?<!\\)\$")
_SAFE_MATH_MACROS = {
    *(_GREEK.keys()),
    "varepsilon",
    "vartheta",
    "varphi",
    "varrho",
    "varsigma",
    "ell",
    "log",
    "ln",
    "exp",
    "sin",
    "cos",
    "min",
    "max",
    "sqrt",
    "infty",
    "leq",
    "le",
    "geq",
    "ge",
    "neq",
    "approx",
    "sim",
    "times",
    "cdot",
    "pm",
    "mp",
    "to",
    "rightarrow",
    "leftarrow",
    "in",
    "notin",
    "subset",
    "cup",
    "cap",
    "ll",
    "gg",
    "propto",
    "partial",
    "nabla",
    "sum",
    "prod",
    "int",
    "mathbb",
    "mathrm",
    "mathbf",
    "text",
    "mid",
    "Omega",
    "Theta",
    "Delta",
    "Gamma",
    "Lambda",
    "Sigma",
    "Phi",
    "Psi",
    "Pi",
    "dots",
    "ldots",
    "cdots",
    "%",
}
_MACRO = re.compile(r"\\([A-Za-z]+|.)")
_TEXT_MACRO = re.compile(r"\\(?:[A-Za-z]+|[\"'`^~=.])")


@lru_cache(maxsize=1)
def _latex() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False, keep_comments=True)


def _latex_to_text(fragment: str) -> str:
    try:
        return _latex().latex_to_text(fragment)
    except Exception:  # pylatexenc is lenient, but never let a title break ingestion
        return fragment


_MATH_FUNCTION = re.compile(r"\\(log|ln|exp|sin|cos|min|max)(?![A-Za-z])\s*")
# Paragraph and spacing macros are often glued to the next word (\noindentBackground).
_LAYOUT_MACRO = re.compile(r"\\(?:noindent|par|newline|medskip|smallskip|bigskip|hfill|quad)")


_ARG_MACRO = re.compile(r"\\(mathrm|mathbf|text|mathit|operatorname)\s*\{([^{}]*)\}")
_SYMBOL = re.compile(r"\\([A-Za-z]+)")


@lru_cache(maxsize=1)
def _symbol_table() -> dict[str, str]:
    """Unicode for the zero-argument macros of the safe set, taken once from pylatexenc."""
    table = {}
    for name in _SAFE_MATH_MACROS:
        if name.isalpha() and name not in ("mathbb", "mathrm", "mathbf", "text", "sqrt"):
            table[name] = _latex_to_text("\\" + name).strip() or name
    return table


def _convert_math(m: re.Match) -> str:
    body = m.group(1)
    macros = set(_MACRO.findall(body))
    if not macros <= _SAFE_MATH_MACROS or "mathbb" in macros or "sqrt" in macros:
        return m.group(0)  # not simple: keep the source, readers of this field can read it
    body = _ARG_MACRO.sub(lambda a: a.group(2), body)
    if "{" in body or "}" in body:
        return m.group(0)
    table = _symbol_table()
    body = _MATH_FUNCTION.sub(r" \1 ", body)
    body = _SYMBOL.sub(lambda a: table.get(a.group(1), a.group(0)), body)
    return squash(body).replace("( ", "(")


def latex_to_unicode(text: str) -> str:
    """Accents (K\\"{a}hler), text macros (\\textbf{x}) and simple math ($\\epsilon$) to Unicode.

    Anything that is not safe to convert (fractions, matrices, unknown macros) is left as written.
    """
    if "``" in text:
        text = text.replace("``", "\u201c").replace("''", "\u201d")
    if "\\" not in text and "$" not in text:
        return text
    text = _LAYOUT_MACRO.sub(" ", text)
    text = _MATH.sub(_convert_math, text)
    if not _TEXT_MACRO.search(text):
        return text
    # Convert only the macro spans (\textbf{x}, \"{a}, \'e) outside the math we kept: running
    # the LaTeX parser over a whole abstract costs milliseconds; a span costs microseconds.
    parts = re.split(r"((?<!\\)\$.+?(?<!\\)\$)", text)
    return "".join(part if part.startswith("$") else _TEXT_MACRO_SPAN.sub(_convert_span, part) for part in parts)


_TEXT_MACRO_SPAN = re.compile(r"\\(?:[A-Za-z]+\*?(?:\s*\{[^{}]*\})*|[\"'`^~=.]\s*(?:\{[A-Za-z]?\}|[A-Za-z]))")


_FORMAT_MACRO = re.compile(r"^\\(?:textbf|textit|emph|texttt|textrm|textsf|textsc|underline|mbox|text)\s*\{([^{}]*)\}$")


@lru_cache(maxsize=4096)
def _convert_span_text(span: str) -> str:
    if span in ("\\%", "\\&", "\\_", "\\#"):
        return span[1:]
    m = _FORMAT_MACRO.match(span)
    if m:
        return m.group(1)
    return _latex_to_text(span)


def _convert_span(m: re.Match) -> str:
    return _convert_span_text(m.group(0))


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


def title_key(title: str) -> str:
    """A matching key: case-folded, accents removed, punctuation dropped, spaces squashed."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return squash(letters)[:400]


# --- authors ---------------------------------------------------------------------------

_SURNAME_INITIALS = re.compile(r"\s*([^,;]+?),\s*((?:[A-Z][a-z]?\.?\s*-?\s*)+\.?)\s*(?:,|;|$)")
_PLACEHOLDER_AUTHORS = {"未知作者", "unknown", "unknown author", "anonymous", "n/a", "na", "none", "[no author]"}


def _flip(surname: str, initials: str) -> str:
    return squash(f"{initials.strip()} {surname.strip()}")


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
        pairs = _SURNAME_INITIALS.findall(text)
        consumed = sum(len(p[0]) + len(p[1]) for p in pairs)
        if pairs and consumed >= 0.6 * len(text.replace(",", "").replace(";", "").replace(" ", "")):
            return [_flip(s, i) for s, i in pairs]
        sep = ";" if ";" in text else ","
        return [squash(n) for n in text.split(sep) if squash(n)]
    sep = ";" if ";" in text else ","
    names = [squash(n) for n in re.split(rf"\s*{sep}\s*|\s+and\s+", text)]
    return [n for n in names if n and n.casefold() not in _PLACEHOLDER_AUTHORS]


def category_label(category: str) -> str:
    """arXiv category as the seed pages show it: cs.CV -> CS.CV, quant-ph stays quant-ph."""
    return category.upper() if "." in category else category
