"""Checks for the text of an LLM answer before a reader can see it (pure; the briefing writer and the
interest expansion both use them).

An answer is untrusted: it may carry a link or a way to contact someone in any spelling a mail client
or a reader would follow, be in another language than asked, or mention papers that were not given.
Each check returns the reason it refuses, or None; nothing is repaired or cut, a refused text is
simply not used.

- ``script_problem``: Simplified Chinese must be written in Han (Latin allowed for the English terms
  in parentheses the prompt asks for); English in Latin. Kana, Hangul, Cyrillic, Arabic, ... letters
  are refused in either; Greek letters pass as the symbols papers use (β-VAE).
- ``link_problem``: URLs of any scheme (``https://``, ``ftp://``, ``mailto:``, ``data:``, ...),
  ``www.``, bare domains (``evil-phish.example.com/verify``), IP addresses, email addresses,
  @handles, phone numbers, markdown links of every form, HTML tags and character references; and
  any invisible or control character (``https\u200b://``), since its only use in a short summary is
  to hide one of the above. Full-width forms are folded first (NFKC), so ``ｈｔｔｐｓ：//`` is a URL.
- ``cited_ids``: the arXiv ids (new and old style, any version) and DOIs a text mentions, to be
  compared with the ids that were in the request.
"""

from __future__ import annotations

import re
import unicodedata

_SCHEMES = (
    "mailto|data|javascript|vbscript|tel|sms|file|ftp|sftp|news|nntp|magnet|blob|cid|mid|intent|skype|callto|"
    "facetime|whatsapp|tg|sip|sips|xmpp|irc|ircs|ws|wss|ldap|gopher|telnet|ssh|git|market|itms|webcal|feed"
)
_LINKS = [
    ("a URL", re.compile(r"[a-z][a-z0-9+.\-]*\s*:\s*[/\\]\s*[/\\]", re.I)),
    ("a URL", re.compile(rf"(?<![a-z0-9])(?:{_SCHEMES}):(?!\s)", re.I)),
    ("a web address", re.compile(r"(?<![a-z0-9])www\d{0,3}\s*\.", re.I)),
    ("an email address", re.compile(r"[a-z0-9._%+\-]{1,64}\s*@\s*[a-z0-9\-]+(?:\s*\.\s*[a-z0-9\-]+)+", re.I)),
    ("a handle", re.compile(r"@\s*[a-z0-9_]{2,}", re.I)),
    (
        "a domain name",
        re.compile(
            r"(?<![a-z0-9_\-.@])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]{1,62}(?![a-z0-9_\-])", re.I
        ),
    ),
    ("an IP address", re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")),
    ("a phone number", re.compile(r"(?<![a-z0-9_])\+\d[\d\s().\-]{6,}\d")),
    ("a markdown link", re.compile(r"\]\s*[(\[:]|!\[|^\s*\[[^\]]*\]\s*:", re.M)),
    ("HTML", re.compile(r"<\s*/?\s*[a-z!?][^<>]*>|&#?[a-z0-9]{1,32};", re.I)),
]
# Abbreviations and names whose dots are not a domain (checked case-insensitively, whole token).
_NOT_DOMAINS = frozenset({"e.g", "i.e", "et.al", "a.k.a", "cf", "vs", "u.s", "u.k", "ph.d", "etc"})

_NEW_ARXIV = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_OLD_ARXIV = re.compile(r"(?<![A-Za-z0-9_\-./])([a-z][a-z\-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?(?!\d)", re.I)
_DOI = re.compile(r"(?<![A-Za-z0-9_/])(10\.\d{4,9}/[^\s\"'<>，。；、）)\]]+)", re.I)


def fold(text: str) -> str:
    """NFKC (full-width and compatibility forms become plain ones), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cs", "Cn") and ch not in "\t\n\r"


MAX_CHECKED = 20_000  # characters; callers check their (much smaller) length limit first


def link_problem(text: str) -> str | None:
    """What link-like or contact-like thing ``text`` holds, or None."""
    if len(text) > MAX_CHECKED:
        return f"{len(text)} characters, too long to check"
    hidden = next((ch for ch in text if _invisible(ch)), None)
    if hidden is not None:
        return f"an invisible character U+{ord(hidden):04X}"
    folded = fold(text)
    for what, pattern in _LINKS:
        for m in pattern.finditer(folded):
            if what == "a domain name" and m.group(0).casefold() in _NOT_DOMAINS:
                continue
            return f"{what} ({m.group(0)[:40]!r})"
    return None


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")) or ch in "〇々":
        return "Han"
    for script in ("LATIN", "GREEK", "HIRAGANA", "KATAKANA", "HANGUL", "CYRILLIC", "ARABIC", "HEBREW"):
        if name.startswith(script) or f" {script} " in f" {name} ":
            return script.title()
    return name.split(" ")[0].title() if name else "Unknown"


def script_problem(text: str, language: str) -> str | None:
    """Why ``text`` is not written in ``language``'s script ("zh": Han, "en": Latin), or None."""
    counts: dict[str, int] = {}
    for ch in unicodedata.normalize("NFKC", text):
        if ch.isalpha():
            s = _script(ch)
            counts[s] = counts.get(s, 0) + 1
    allowed = {"zh": {"Han", "Latin", "Greek"}, "en": {"Latin", "Greek"}}.get(language)
    if allowed is None:
        return f"no script check for language {language!r}"
    foreign = sorted(s for s in counts if s not in allowed)
    if foreign:
        wanted = "Simplified Chinese" if language == "zh" else "English"
        return f"{', '.join(foreign)} letters in a text that must be {wanted}"
    han, latin = counts.get("Han", 0), counts.get("Latin", 0)
    if language == "zh" and han < 0.25 * (han + latin):
        return "mostly Latin letters in a text that must be Simplified Chinese"
    if language == "en" and counts and latin < 0.8 * sum(counts.values()):
        return "too few Latin letters for English"
    return None


def cited_ids(text: str) -> set[str]:
    """Paper ids ``text`` mentions, in the project's form: bare arXiv ids, ``doi:<lower DOI>``."""
    folded = fold(text)
    found = {m.group(1) for m in _NEW_ARXIV.finditer(folded)}
    found |= {m.group(1).lower() for m in _OLD_ARXIV.finditer(folded)}
    for m in _DOI.finditer(folded):
        doi = m.group(1).rstrip(".,;:").lower()
        found.add(doi.removeprefix("10.48550/arxiv.") if doi.startswith("10.48550/arxiv.") else "doi:" + doi)
    return found


def unknown_ids(text: str, allowed: set[str]) -> set[str]:
    """The ids ``text`` mentions that are not in ``allowed`` (compared case-insensitively)."""
    given = {a.casefold() for a in allowed}
    return {i for i in cited_ids(text) if i.casefold() not in given}
