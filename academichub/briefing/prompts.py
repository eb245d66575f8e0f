"""Levels 1 and 2 of the briefing (pure): the prompts for each paper's summary and key contribution
and for a theme's synthesis, their answer shapes, and the checks of an answer (``rules``).

Either level can be asked in one language or in several at once: the papers that readers of both
languages receive, and the themes they form, are sent once with both texts asked for, since the
abstracts (level 1) and the summaries (level 2) are most of a request's tokens. Each language's text
is checked in its own language; one that fails rejects the answer (repair once, then fall back).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from academichub.briefing.rules import (
    LANGUAGE_NAME,
    LANGUAGE_RULE,
    LIMITS,
    TERMS_RULE,
    Invalid,
    check_citations,
    check_text,
    data,
    parse_json,
)
from academichub.briefing.rules import messages as _messages

# --- schemas --------------------------------------------------------------------------------


class PaperPiece(BaseModel):
    id: str
    summary: str = Field(min_length=1)
    contribution: str = ""


class PaperBatch(BaseModel):
    papers: list[PaperPiece]


class PaperText(BaseModel):
    summary: str = Field(min_length=1)
    contribution: str = ""


class PaperInLanguages(BaseModel):
    id: str
    en: PaperText | None = None
    zh: PaperText | None = None


class PaperBatchInLanguages(BaseModel):
    papers: list[PaperInLanguages]


class Synthesis(BaseModel):
    synthesis: str = Field(min_length=1)
    citations: list[str] = Field(min_length=1)


class SynthesisInLanguages(BaseModel):
    en: str | None = None
    zh: str | None = None
    citations: list[str] = Field(min_length=1)


# --- prompts (pure) -----------------------------------------------------------------------------


def _paper_blocks(papers: list[tuple[str, str, str]], tag: str, limit: int = 1800) -> str:
    """Each paper as delimited data: <paper id><title/><tag/></paper>."""
    return "\n".join(
        f'<paper id="{pid}">\n<title>{data(t)}</title>\n<{tag}>{data(x)[:limit]}</{tag}>\n</paper>'
        for pid, t, x in papers
    )


def paper_messages(papers: list[tuple[str, str, str]], *languages: str) -> list[dict]:
    """The summary and key contribution of each paper, in one language, or in several at once (the
    papers that readers of both languages receive: each abstract is then sent once, not once per
    language, and each language's text is checked on its own)."""
    blocks = _paper_blocks(papers, "abstract")
    ids = ", ".join(pid for pid, _, _ in papers)
    if len(languages) == 1:
        ask = (
            f'{LANGUAGE_RULE[languages[0]]} For each paper below write "summary": one or two sentences on what is new, '
            'and "contribution": its key contribution as one short phrase. Return '
            '{"papers": [{"id": "...", "summary": "...", "contribution": "..."}]} with exactly these ids: '
        )
        return _messages(ask + ids + ".\n" + blocks)
    each = ", ".join(f'"{lang}": {{"summary": "...", "contribution": "..."}}' for lang in languages)
    ask = (
        "For each paper below write, "
        + " and ".join(f'in {LANGUAGE_NAME[lang]} ("{lang}")' for lang in languages)
        + ', "summary": one or two sentences on what is new, and "contribution": its key contribution as one short '
        f"phrase. {TERMS_RULE if 'zh' in languages else ''} Return "
        f'{{"papers": [{{"id": "...", {each}}}]}} with exactly these ids: '
    )
    return _messages(ask + ids + ".\n" + blocks)


def theme_messages(
    label: list[str], fields: list[str], papers: list[tuple[str, str, str]], *languages: str
) -> list[dict]:
    """What links a theme's papers, in one language or in several at once (its papers sent once)."""
    span = f" It spans {' and '.join(fields)}." if len(fields) > 1 else ""
    blocks = _paper_blocks(papers, "summary")
    theme = f"These papers form one theme ({data(', '.join(label))}).{span}"
    task = "say what links them and, where they span fields, what one field could take from the other."
    if len(languages) == 1:
        ask = (
            f"{LANGUAGE_RULE[languages[0]]} {theme} In two or three sentences {task} "
            'Return {"synthesis": "...", "citations": ["id", ...]} citing the ids you draw on.\n'
        )
        return _messages(ask + blocks)
    each = ", ".join(f'"{lang}": "..."' for lang in languages)
    ask = (
        f"{theme} In two or three sentences, "
        + " and ".join(f'in {LANGUAGE_NAME[lang]} ("{lang}")' for lang in languages)
        + f", {task} {TERMS_RULE if 'zh' in languages else ''} Return "
        f'{{{each}, "citations": ["id", ...]}} citing the ids you draw on.\n'
    )
    return _messages(ask + blocks)


def theme_answer(
    content: str, papers: list[tuple[str, str, str]], languages: tuple[str, ...]
) -> tuple[dict[str, str], list[str]]:
    """(language -> synthesis, the ids it cites) for every language asked, or Invalid."""
    ids = {p[0] for p in papers}
    if len(languages) == 1:
        one = parse_json(content, Synthesis)
        texts, citations = {languages[0]: one.synthesis}, one.citations
    else:
        several = parse_json(content, SynthesisInLanguages)
        texts, citations = {lang: getattr(several, lang) for lang in languages}, several.citations
    checked = {}
    for lang, text in texts.items():
        if not text:
            raise Invalid("invalid_json", f"no {lang} text")
        checked[lang] = check_text(text, lang, LIMITS["synthesis"], ids)
    return checked, check_citations(citations, ids)


def paper_answer(
    content: str, batch: list[tuple[str, str, str]], languages: tuple[str, ...]
) -> dict[str, dict[str, tuple[str, str]]]:
    """id -> language -> (summary, contribution) for every paper of ``batch``, or Invalid."""
    ids = {p[0] for p in batch}
    if len(languages) == 1:
        answers = [(p.id, {languages[0]: p}) for p in parse_json(content, PaperBatch).papers]
    else:
        answers = [
            (p.id, {lang: getattr(p, lang) for lang in languages})
            for p in parse_json(content, PaperBatchInLanguages).papers
        ]
    got: dict[str, dict[str, tuple[str, str]]] = {}
    for pid, texts in answers:
        if pid not in ids:
            raise Invalid("unknown_citation", f"answered for a paper that was not given: {pid[:40]}")
        for lang, t in texts.items():
            if t is None:
                raise Invalid("invalid_json", f"no {lang} text for {pid[:40]}")
            got.setdefault(pid, {})[lang] = (
                check_text(t.summary, lang, LIMITS["summary"], ids),
                check_text(t.contribution, lang, LIMITS["contribution"], ids) if t.contribution else "",
            )
    if set(got) != ids:
        raise Invalid("invalid_json", f"missing papers: {', '.join(sorted(ids - set(got)))}")
    return got
