"""A briefing as a chat message (pure): the date and the top theme as the title; the opening, the
papers (title, one line, link) and the reader's 👍/👎 and "view in browser" links as the body, in
Markdown where the service renders it, plain text where it does not, and within the service's size
limit (Apprise's ``body_maxlen``/``title_maxlen`` of the channel's plugin).

Text from feeds and the LLM is data: in Markdown every character that could start markup is escaped
(a title ``[x](javascript:…)`` stays text), links are only http(s) (``safe_url``), and the message is
cut between whole blocks, never inside a link."""

from __future__ import annotations

import re
from dataclasses import dataclass

from academichub.briefing.compose import Briefing
from academichub.i18n import strings_for
from academichub.mail.render import Links, top_of
from academichub.papers.urls import safe_url

# What can start markup in the services' Markdown dialects (CommonMark, Slack's, Telegram's): escaped.
# Parentheses need no escape once brackets are (no ``](`` can form), nor a colon once ``<`` is (no
# autolink); a leading ``#``, ``>``, ``-``, ``+`` or ``=`` is escaped so feed text never starts a
# heading, a quote or a list.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LEADING = re.compile(r"^([#>+\-=])")
LINE_CHARS = 200  # a paper's one line
MARGIN = 0.95  # of the service's limit: room for a service's own conversion of the markup


@dataclass(frozen=True, slots=True)
class ChatMessage:
    title: str
    body: str
    markdown: bool


def md_escape(text: str) -> str:
    """Feed or LLM text as literal Markdown text (also folds line breaks: one paragraph stays one)."""
    return _MD_LEADING.sub(r"\\\1", _MD_SPECIAL.sub(r"\\\1", " ".join(text.split())))


def _href(url: str | None) -> str | None:
    """An http(s) link that cannot end a Markdown link early (parentheses and spaces encoded)."""
    ok = safe_url(url)
    return ok.replace("(", "%28").replace(")", "%29") if ok else None


def one_line(text: str, limit: int = LINE_CHARS) -> str:
    """The first sentence of a text, at most ``limit`` characters (cut at a word)."""
    text = " ".join(text.split())
    m = re.match(r"(.+?[.!?。！？])(\s|$)", text)
    first = m.group(1) if m else text
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def _link(label: str, url: str | None, markdown: bool) -> str:
    href = _href(url)
    if href is None:
        return md_escape(label) if markdown else label
    return f"[{md_escape(label)}]({href})" if markdown else f"{label}: {href}"


def _blocks(b: Briefing, links: Links, markdown: bool) -> tuple[str, list[str], str, str]:
    """(opening, one block per paper, the 'and N more' line's template, the footer)."""
    s = strings_for(b.language)
    esc = md_escape if markdown else (lambda t: " ".join(t.split()))
    items = []
    for it in b.items:
        # Feed text is never a link's label: a label is always one of ours.
        lines = [f"**{it.number}. {esc(it.paper.title)}**" if markdown else f"{it.number}. {esc(it.paper.title)}"]
        if it.summary:
            lines.append(esc(one_line(it.summary)))
        like, dislike = links.feedback.get(it.paper.id, (None, None))
        actions = [_link(s["chat_open"], it.paper.url, markdown)] if _href(it.paper.url) else []
        if _href(like) and _href(dislike):
            actions += [_link("👍", like, markdown), _link("👎", dislike, markdown)]
        if actions:
            lines.append(" · ".join(actions) if markdown else "\n".join(actions))
        items.append("\n".join(lines))
    footer = []
    if _href(links.view):
        footer.append(_link(s["view_online"], links.view, markdown))
    if _href(links.preferences):
        footer.append(_link(s["manage"], links.preferences, markdown))
    return esc(b.opening), items, s["chat_more"], " · ".join(footer)


def chat_title(b: Briefing) -> str:
    s = strings_for(b.language)
    period = (
        f"{b.period_start.isoformat()} – {b.edition_date.isoformat()}" if b.period_start else b.edition_date.isoformat()
    )
    digest = b.period_start is not None
    if b.items:
        return s["subject_digest" if digest else "subject"].format(date=period, top=top_of(b))
    return s["subject_digest_empty" if digest else "subject_empty"].format(date=period)


def _fit(text: str, limit: int) -> str:
    """Plain escaped text cut at a word to ``limit`` (never leaves a dangling escape backslash)."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)].rsplit(" ", 1)[0]
    return cut.rstrip("\\") + "…"


def render_chat(b: Briefing, links: Links, *, body_maxlen: int, title_maxlen: int, markdown: bool) -> ChatMessage:
    """The message for one channel. ``title_maxlen`` 0: the service has no title, so the title leads
    the body and counts against ``body_maxlen`` (Apprise's rule)."""
    title = md_escape(chat_title(b)) if markdown else chat_title(b)  # some services render it as Markdown
    if title_maxlen > 0:
        title = _fit(title, title_maxlen)
    budget = int(body_maxlen * MARGIN) - (len(title) + 2 if title_maxlen <= 0 else 0)
    opening, items, more, footer = _blocks(b, links, markdown)
    sep = "\n\n"
    fixed = len(footer) + (len(sep) if footer else 0)
    opening = _fit(opening, max(min(budget // 3, budget - fixed - 80), 0))  # never crowds out the papers
    parts = [opening] if opening else []
    used = len(opening) + fixed
    shown = 0
    for i, block in enumerate(items):
        rest = len(items) - i - 1
        tail = len(sep) + len(md_escape(more.format(count=rest))) + 2 if rest else 0
        if used + len(sep) + len(block) + tail > budget:
            break
        parts.append(block)
        used += len(sep) + len(block)
        shown += 1
    if shown < len(items):
        line = more.format(count=len(items) - shown)
        parts.append(f"_{md_escape(line)}_" if markdown else line)
    if footer:
        parts.append(footer)
    body = sep.join(parts)
    if len(body) > body_maxlen:  # only when the limit cannot even hold the links: the footer goes last
        body = _fit(opening, max(body_maxlen - 1, 0))
    return ChatMessage(title=title, body=body, markdown=markdown)
