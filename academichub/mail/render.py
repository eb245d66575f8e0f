"""Pure rendering of emails to subject, HTML (MJML + Jinja2) and plain text.

Two stages. Stage 1, once per (template, language): Jinja resolves the static strings of the
language and the shared partials (``{{ }}``/``{% %}``), and mjml-python compiles the result to HTML.
The per-reader parts survive compilation as a second Jinja syntax (``[[ ]]``/``[% %]``, control flow
inside ``<mj-raw>``). Stage 2, per reader: only that compiled Jinja template runs, with autoescape on,
so every text from feeds or the LLM is escaped. The plain-text part is its own template rendered
from the same data (never derived from the HTML).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from mjml import mjml2html

from academichub.briefing.compose import Briefing
from academichub.i18n import strings_for
from academichub.i18n.names import author_line, change_rows, field_names
from academichub.papers.urls import safe_href

SUBJECT_TOP_CHARS = 60
TEXT_WIDTH = 76
TEMPLATES = ("briefing", "digest", "confirm", "saved", "welcome")


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


class MjmlError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Links:
    """Signed URLs for one reader's email (built at the edge; templates only print them)."""

    preferences: str = ""
    unsubscribe: str = ""
    feedback: dict = field(default_factory=dict)  # paper id -> (like url, dislike url)
    contact: str = ""
    view: str = ""  # the personalised edition in a browser
    confirm: str = ""  # double opt-in
    rate: str = ""  # "rate ten papers" (the welcome email)


def lang_key(language: str) -> str:
    return "zh" if language in ("zh", "bilingual") else "en"


# ---------------------------------------------------------------- plain-text helpers (pure)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


_TOKENS = re.compile(
    r"\s+|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+"
)
_NO_LINE_START = set("，。、；：！？）》」』】,.;:!?)]")


@lru_cache(maxsize=65536)  # the same titles and summaries reach many readers
def wrap(text: str, width: int = TEXT_WIDTH) -> str:
    """Greedy wrap by display width for a terminal: CJK characters count two columns and may break
    anywhere (but closing punctuation never starts a line); other words break at spaces; a word longer
    than the line (a URL) stays whole. textwrap counts characters, so Chinese lines came out 150 wide."""
    text = " ".join(str(text).split())
    if text.isascii():
        if len(text) <= width:
            return text
        lines, cur = [], ""
        for word in text.split(" "):
            if not cur:
                cur = word
            elif len(cur) + 1 + len(word) <= width:
                cur += " " + word
            else:
                lines.append(cur)
                cur = word
        lines.append(cur)
        return "\n".join(lines)
    lines, cur, cur_w, space = [], "", 0, False
    for tok in _TOKENS.findall(text):
        if tok.isspace():
            space = bool(cur)
            continue
        w = 2 if len(tok) == 1 and _is_wide(tok) else len(tok)  # wide characters are tokens of their own
        gap = 1 if space else 0
        if cur and cur_w + gap + w > width and tok[0] not in _NO_LINE_START:
            lines.append(cur)
            cur, cur_w = tok, w
        else:
            cur += (" " if space else "") + tok
            cur_w += gap + w
        space = False
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def _num(n: int) -> str:
    return f"{int(n):02d}"


def _numbers(ns) -> str:
    return ", ".join(f"{int(n):02d}" for n in ns)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# ---------------------------------------------------------------- the two-stage templates


class EmailTemplates:
    """Compiled email templates of one templates folder: MJML compiled once per template and language."""

    def __init__(self, templates_dir: Path):
        folder = str(Path(templates_dir) / "email")
        loader = FileSystemLoader(folder)
        filters = {"num": _num, "numbers": _numbers, "authors": author_line, "wrap": wrap, "safe_url": safe_href}
        filters |= {"fields": field_names}
        self._stage1 = Environment(
            loader=loader, autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
        )
        self._html = Environment(
            autoescape=True,
            undefined=StrictUndefined,
            block_start_string="[%",
            block_end_string="%]",
            variable_start_string="[[",
            variable_end_string="]]",
            comment_start_string="[#",
            comment_end_string="#]",
        )
        self._text = Environment(
            loader=loader,
            autoescape=False,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        for env in (self._html, self._text):
            env.filters.update(filters)
        self._compiled: dict[tuple[str, str], Template] = {}
        self._catalogues: dict[str, TemplateStrings] = {}  # each language's strings, as the templates read them
        self._lock = threading.Lock()

    def _compiled_html(self, name: str, lang: str) -> Template:
        key = (name, lang)
        template = self._compiled.get(key)
        if template is None:
            with self._lock:
                template = self._compiled.get(key)
                if template is None:
                    source = self._stage1.get_template(f"{name}.mjml.j2").render(
                        s=strings_for(lang), lang_attr="zh-Hans" if lang == "zh" else "en"
                    )
                    try:
                        html = mjml2html(source, fonts={})  # no web-font import: nothing loads from a third party
                    except Exception as exc:  # the compiler reports invalid markup: say which template
                        raise MjmlError(f"{name}.mjml.j2 did not compile: {exc}") from exc
                    template = self._compiled[key] = self._html.from_string(html)
        return template

    def _strings(self, lang: str) -> TemplateStrings:
        strings = self._catalogues.get(lang)
        if strings is None:
            strings = self._catalogues[lang] = TemplateStrings(**strings_for(lang))
        return strings

    def render(self, name: str, language: str, context: dict) -> tuple[str, str]:
        """(html, text) of template ``name`` for one reader."""
        lang = lang_key(language)
        context = {"s": self._strings(lang), "lang": lang, **context}
        html = self._compiled_html(name, lang).render(context)
        text = self._text.get_template(f"{name}.txt.j2").render(context)
        return html, text


class TemplateStrings(SimpleNamespace):
    """A language's catalogue as the templates read it: ``s.colon`` is a plain attribute. (Jinja tries
    an attribute before an item, so on the catalogue's dict every ``s.key`` raised and caught an
    AttributeError first: 46 % more time in ``getattr`` for a text part's hundred lookups.) ``s['key']``
    still works, for keys that a dict's methods once shadowed."""

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None  # a missing key stays StrictUndefined's clear error


@lru_cache(maxsize=8)
def templates_for(templates_dir: str) -> EmailTemplates:
    return EmailTemplates(Path(templates_dir))


def _templates(t: EmailTemplates | Path | str) -> EmailTemplates:
    return t if isinstance(t, EmailTemplates) else templates_for(str(t))


def top_of(b: Briefing) -> str:
    """What leads this reader's email: the top theme if the reader has one, else the top paper."""
    if b.themes:
        return _shorten(", ".join(b.themes[0].label), SUBJECT_TOP_CHARS)
    return _shorten(b.items[0].paper.title, SUBJECT_TOP_CHARS) if b.items else ""


def render_briefing(b: Briefing, templates: EmailTemplates | Path | str, links: Links | None = None) -> RenderedEmail:
    """The daily briefing, or the weekly digest when the briefing spans several editions."""
    s = strings_for(b.language)
    date_ = b.edition_date.isoformat()
    digest = b.period_start is not None
    period = f"{b.period_start.isoformat()} – {date_}" if b.period_start is not None else date_
    if b.items:
        top = top_of(b)
        subject = s["subject_digest" if digest else "subject"].format(date=period, top=top)
        preheader = s["preheader"].format(count=len(b.items), top=top)
    else:
        subject = s["subject_digest_empty" if digest else "subject_empty"].format(date=period)
        preheader = _shorten(b.opening, 120)
    links = links or Links()
    context = {
        "b": b,
        "subject": subject,
        "preheader": preheader,
        "dateline": period,
        "links": links,
        "feedback": links.feedback or {},
        "interests": b.interests,
        "why_you_receive": s["footer"],
    }
    html, text = _templates(templates).render("digest" if digest else "briefing", b.language, context)
    return RenderedEmail(subject=subject, html=html, text=text)


def render_confirmation(
    language: str, templates: EmailTemplates | Path | str, *, interests: str, links: Links, today: date
) -> RenderedEmail:
    """Double opt-in: one button that confirms; nothing is sent until it is pressed."""
    s = strings_for(language)
    context = {
        "subject": s["subject_confirm"],
        "preheader": s["confirm_preheader"],
        "dateline": today.isoformat(),
        "links": links,
        "interests": interests,
        "why_you_receive": s["footer_confirm"],
    }
    html, text = _templates(templates).render("confirm", language, context)
    return RenderedEmail(subject=s["subject_confirm"], html=html, text=text)


def render_welcome(
    language: str, templates: EmailTemplates | Path | str, *, name: str, interests: str, links: Links, today: date
) -> RenderedEmail:
    """After the confirmation: the subscription is on, and the first thing to do is rate ten papers."""
    s = strings_for(language)
    context = {
        "subject": s["subject_welcome"],
        "preheader": s["welcome_preheader"],
        "dateline": today.isoformat(),
        "links": links,
        "name": name,
        "interests": interests,
        "why_you_receive": s["footer"],
    }
    html, text = _templates(templates).render("welcome", language, context)
    return RenderedEmail(subject=s["subject_welcome"], html=html, text=text)


def render_saved(
    language: str,
    templates: EmailTemplates | Path | str,
    *,
    name: str,
    changes: list[tuple[str, str, str]],
    interests: str,
    links: Links,
    today: date,
) -> RenderedEmail:
    """'Preferences saved': what changed (field, before, after), so a change nobody made is noticed."""
    s = strings_for(language)
    context = {
        "subject": s["subject_saved"],
        "preheader": s["saved_body"],
        "dateline": today.isoformat(),
        "links": links,
        "name": name,
        "changes": change_rows(changes, language),
        "interests": interests,
        "why_you_receive": s["footer"],
        "intro": s["saved_body"],
    }
    html, text = _templates(templates).render("saved", language, context)
    return RenderedEmail(subject=s["subject_saved"], html=html, text=text)


def render_fresh_link(
    language: str, templates: EmailTemplates | Path | str, *, name: str, links: Links, today: date
) -> RenderedEmail:
    """A fresh preferences link, asked for from an expired one (same layout as 'preferences saved')."""
    s = strings_for(language)
    context = {
        "subject": s["subject_fresh"],
        "preheader": s["fresh_body"],
        "dateline": today.isoformat(),
        "links": links,
        "name": name,
        "changes": [],
        "interests": "",
        "why_you_receive": s["footer"],
        "intro": s["fresh_body"],
    }
    html, text = _templates(templates).render("saved", language, context)
    return RenderedEmail(subject=s["subject_fresh"], html=html, text=text)
