"""Pure rendering of a Briefing to subject, HTML (MJML + Jinja2) and plain text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from mjml import mjml2html

from flows.compose import Briefing
from flows.i18n import strings_for

SUBJECT_TOP_CHARS = 60


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


class MjmlError(RuntimeError):
    pass


@lru_cache(maxsize=8)
def _environment(templates_dir: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(enabled_extensions=("mjml.j2", "html", "html.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["format_num"] = lambda n: f"{int(n):02d}"
    return env


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True, slots=True)
class Links:
    """Signed URLs for one reader's email (built at the edge; templates only print them)."""

    preferences: str = ""
    unsubscribe: str = ""
    feedback: dict = None  # paper id -> (like url, dislike url)
    contact: str = ""


def render_briefing(b: Briefing, templates_dir: Path, links: Links | None = None) -> RenderedEmail:
    s = strings_for(b.language)
    env = _environment(str(Path(templates_dir) / "email"))
    date = b.edition_date.isoformat()
    if b.items:
        top = _shorten(b.items[0].paper.title, SUBJECT_TOP_CHARS)
        subject = s["subject"].format(date=date, top=top)
        preheader = s["preheader"].format(count=len(b.items), top=top)
    else:
        subject = s["subject_empty"].format(date=date)
        preheader = b.opening
    links = links or Links(feedback={})
    context = {"b": b, "s": s, "subject": subject, "preheader": preheader, "lang_attr": "zh-Hans" if b.language != "en" else "en",
               "links": links, "feedback": links.feedback or {}}
    mjml_source = env.get_template("briefing.mjml.j2").render(context)
    try:
        html = mjml2html(mjml_source)
    except Exception as exc:  # the compiler reports invalid markup; say which template
        raise MjmlError(f"briefing.mjml.j2 did not compile: {exc}") from exc
    text = env.get_template("briefing.txt.j2").render(context)
    return RenderedEmail(subject=subject, html=html, text=text)
