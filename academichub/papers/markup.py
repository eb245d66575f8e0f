"""Pure markup-to-text for feed fields: HTML to text, JATS conversion debris, Greek names, LaTeX."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

# --- HTML and whitespace ----------------------------------------------------------------

_BLOCK_TAGS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote")


def squash(text: str) -> str:
    """Fold all white space (including no-break spaces) to single spaces."""
    return " ".join(text.split())


_BLOCKS = frozenset(_BLOCK_TAGS)
# What html_to_text removes: a comment, a script or style element with its contents, a declaration or
# processing instruction, a start or end tag. Each runs to its end or, unclosed, to the end of the
# text, and a tag cannot contain '<' (possessive quantifiers: no backtracking), so one left-to-right
# pass is linear in the length of the text however the tags nest.
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(?P<raw>script|style)(?![\w:.-])[^<>]*+>.*?(?:</(?P=raw)\s*>|\Z)"
    r"|<[!?][^>]*+(?:>|\Z)"
    r"|<(?P<end>/?)(?P<name>[A-Za-z][\w:.-]*+)[^<>]*+>",
    re.DOTALL | re.IGNORECASE,
)


def _markup_gap(m: re.Match) -> str:
    name = m.group("name")
    return " " if name and name.lower() in _BLOCKS else ""


def html_to_text(value: str | None) -> str:
    """Visible text of an HTML fragment: inline tags join (S<sub>N</sub>2 -> SN2), blocks separate.

    One regular-expression pass, no tree: 50,000 nested tags cost what 50,000 flat ones do. Comments,
    declarations and script/style contents are dropped; a '<' that starts no tag is text.
    """
    if not value:
        return ""
    if "<" not in value and "&" not in value:
        return squash(value)
    # Entities are decoded twice, as before: feeds often escape their HTML's entities once more.
    return squash(html.unescape(html.unescape(_MARKUP.sub(_markup_gap, value))))


# --- JATS conversion debris (bioRxiv/medRxiv API) ------------------------------------------

# Small caps and headings are short: looking at most 200 characters ahead for the closing marker
# keeps many unclosed openers linear (each used to scan to the end of the abstract).
_JATS_SMALLCAPS = re.compile(r"O_SCP(LOW|CAP)(.{0,200}?)C_SCP\1")
_JATS_HEADING = re.compile(r"O_ST_ABS\s*+(.{0,200}?)\s*C_ST_ABS\s*")
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


def _spaced_function(m: re.Match) -> str:
    return f" {m.group(1)} "


def _convert_math(m: re.Match) -> str:
    body = m.group(1)
    macros = set(_MACRO.findall(body))
    if not macros <= _SAFE_MATH_MACROS or "mathbb" in macros or "sqrt" in macros:
        return m.group(0)  # not simple: keep the source, readers of this field can read it
    body = _ARG_MACRO.sub(lambda a: a.group(2), body)
    if "{" in body or "}" in body:
        return m.group(0)
    table = _symbol_table()
    body = _MATH_FUNCTION.sub(_spaced_function, body)
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
    parts = _KEPT_MATH.split(text)
    return "".join(part if part.startswith("$") else _TEXT_MACRO_SPAN.sub(_convert_span, part) for part in parts)


_KEPT_MATH = re.compile(r"((?<!\\)\$.+?(?<!\\)\$)")
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
