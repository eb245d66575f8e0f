"""LLM briefing pieces at three levels, so cost does not grow with papers x readers:

1. per paper and language: summary + key contribution (several papers per request, in both languages
   at once when both are wanted: ``academichub.briefing.prompts``), cached and reused for every reader;
2. per theme and language: what links the papers, and what one field could take from the other;
3. per reader: a short opening composed from titles and cached key contributions (never abstracts;
   ``academichub.briefing.openings``).

Everything from outside is untrusted: paper text and reader interests go in as delimited data,
every answer must be JSON of a pydantic schema, stay within bounds, cite and mention only ids (arXiv
or DOI) that were in the input, hold nothing link-like or contact-like, and be in the script of the
language asked for (``academichub.answers``). An invalid answer gets one repair attempt; then the
extractive text is used and the reason counted. A failure of the client (``LLMFailure``: timeout,
deadline, budget, a body of the wrong shape, ...) is counted the same way, never raised.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from academichub.briefing.compose import first_sentences
from academichub.briefing.openings import Reader, opening_requests
from academichub.briefing.prompts import paper_answer, paper_messages, theme_answer, theme_messages
from academichub.briefing.rules import Invalid
from academichub.llm import LLM, LLMFailure

log = logging.getLogger(__name__)
PROMPT_VERSION = "briefing-v2"  # v2: the answer checks of academichub.answers (v1 texts are not reused)
REPAIR = "Reply again with only the JSON object, following every rule."  # after a rejected answer


# --- the writer ---------------------------------------------------------------------------------


class PieceCache(Protocol):
    def get_many(self, kind: str, keys: list[str], language: str, model: str, version: str) -> dict[str, dict]: ...

    def put_many(self, kind: str, language: str, model: str, version: str, items: dict[str, dict]) -> None: ...


@dataclass
class Piece:
    text: str
    source: str  # "llm", "cache" or "extractive"
    contribution: str = ""
    citations: list[str] = field(default_factory=list)


def theme_key(paper_ids: list[str]) -> str:
    return hashlib.sha1("|".join(sorted(paper_ids)).encode()).hexdigest()


class BriefingWriter:
    """Writes the three levels through an LLM (or not), with a cache; counts every fallback."""

    def __init__(self, llm: LLM | None, cache: PieceCache | None, *, batch: int = 8, concurrency: int = 4):
        self.llm, self.cache, self.batch, self.concurrency = llm, cache, batch, concurrency
        self.model = llm.model if llm else "extractive"
        self.fallbacks: Counter[str] = Counter()
        self.cache_hits: Counter[str] = Counter()

    # one call with one repair attempt
    def _ask(self, kind: str, messages: list[dict], validate, max_tokens: int | None = None):
        if self.llm is None:
            raise LLMFailure("no_llm")
        content = self.llm.complete_json(kind, messages, max_tokens)
        try:
            return validate(content)
        except Invalid as first:
            repair = messages + [
                {"role": "assistant", "content": content[:4000]},
                {"role": "user", "content": f"That answer was rejected ({first}). {REPAIR}"},
            ]
            content = self.llm.complete_json(kind, repair, max_tokens)
            return validate(content)  # a second Invalid propagates: fallback

    def _cached(self, kind: str, keys: list[str], language: str) -> dict[str, dict]:
        if self.cache is None or self.llm is None or not keys:
            return {}
        found = self.cache.get_many(kind, keys, language, self.model, PROMPT_VERSION)
        self.cache_hits[kind] += len(found)
        return found

    def _store(self, kind: str, language: str, items: dict[str, dict]) -> None:
        if self.cache is not None and self.llm is not None and items:
            self.cache.put_many(kind, language, self.model, PROMPT_VERSION, items)

    def _fail(self, reason: str, count: int = 1) -> None:
        self.fallbacks[reason] += count

    def _batches(self, kind: str, batches: list, request, pieces: int = 1):
        """Run ``request(batch) -> (messages, validate, max_tokens)`` for each batch concurrently;
        yield (batch, validated result or None); a failed batch is counted under its reason, as its
        items x ``pieces`` (the languages each paper was asked in)."""

        def run(batch):
            messages, validate, max_tokens = request(batch)
            try:
                return batch, self._ask(kind, messages, validate, max_tokens)
            except (Invalid, LLMFailure) as exc:
                count = len(batch) * pieces
                log.warning("LLM %s: %d piece(s) fall back to extractive text: %s", kind, count, str(exc)[:300])
                self._fail(exc.reason, count)
                return batch, None

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            yield from pool.map(run, batches)

    # level 1
    def paper_summaries(self, papers: list[tuple[str, str, str]], language: str) -> dict[str, Piece]:
        """papers: (id, title, abstract). Returns id -> Piece for every paper."""
        return self.paper_summaries_in(papers, [language])[language]

    def paper_summaries_in(
        self, papers: list[tuple[str, str, str]], languages: list[str]
    ) -> dict[str, dict[str, Piece]]:
        """papers: (id, title, abstract), each wanted in every one of ``languages``. Returns language ->
        id -> Piece for every paper. The cache is read per language; a paper missing in several
        languages is asked for in all of them in one request (``paper_messages``), so its abstract is
        sent once. An answer must give every paper in every language asked, each text checked in its
        own language; otherwise the batch's pieces fall back to extracts (counted per piece)."""
        out: dict[str, dict[str, Piece]] = {lang: {} for lang in languages}
        for lang in languages:
            for pid, c in self._cached("paper", [p[0] for p in papers], lang).items():
                out[lang][pid] = Piece(c["summary"], "cache", c.get("contribution", ""))
        groups: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}
        for p in papers:
            todo = tuple(lang for lang in languages if p[0] not in out[lang])
            if todo:
                groups.setdefault(todo, []).append(p)
        fresh: dict[str, dict[str, dict]] = {lang: {} for lang in languages}
        for todo, group in sorted(groups.items()):
            batches = [group[i : i + self.batch] for i in range(0, len(group), self.batch)]

            def request(batch, todo=todo):
                return paper_messages(batch, *todo), lambda content: paper_answer(content, batch, todo), None

            for batch, got in self._batches("paper", batches, request, pieces=len(todo)):
                for lang in todo:
                    for pid, _t, abstract in batch:
                        if got is None:
                            out[lang][pid] = Piece(first_sentences(abstract), "extractive")
                        else:
                            summary, contribution = got[pid][lang]
                            out[lang][pid] = Piece(summary, "llm", contribution)
                            fresh[lang][pid] = {"summary": summary, "contribution": contribution}
        for lang, items in fresh.items():
            self._store("paper", lang, items)
        return out

    # level 2
    def theme_syntheses(
        self, themes: list[tuple[str, list[str], list[str], list[tuple[str, str, str]]]], language: str
    ) -> dict[str, Piece]:
        """themes: (key, label, fields, papers as (id, title, summary)); ``theme_syntheses_in``."""
        return self.theme_syntheses_in(themes, [language])[language]

    def theme_syntheses_in(
        self, themes: list[tuple[str, list[str], list[str], list[tuple[str, str, str]]]], languages: list[str]
    ) -> dict[str, dict[str, Piece]]:
        """themes: (key, label, fields, papers as (id, title, summary)), each wanted in every one of
        ``languages``. Returns language -> key -> Piece. ``key`` is what a text is kept under: the
        edition's writer passes the whole theme's, so every batch of readers shares the text written
        first, even a batch that receives only one of the theme's papers. The cache is read per
        language; the missing themes with at least two papers are written concurrently, a theme missing
        in several languages in all of them in one request (its papers sent once). A theme with no text
        is absent here (themes have no extract; an email without an LLM names its
        themes without a synthesis, ``pieces.theme_names``)."""
        out: dict[str, dict[str, Piece]] = {lang: {} for lang in languages}
        for lang in languages:
            for key, c in self._cached("theme", [t[0] for t in themes], lang).items():
                out[lang][key] = Piece(c["synthesis"], "cache", citations=c["citations"])
        groups: dict[tuple[str, ...], list[list]] = {}
        for t in themes:
            todo = tuple(lang for lang in languages if t[0] not in out[lang])
            if todo and len(t[3]) >= 2:  # one paper: nothing to connect yet
                groups.setdefault(todo, []).append([t])
        fresh: dict[str, dict[str, dict]] = {lang: {} for lang in languages}
        for todo, batches in sorted(groups.items()):

            def request(batch, todo=todo):
                ((_key, label, fields, papers),) = batch
                return theme_messages(label, fields, papers, *todo), lambda c: theme_answer(c, papers, todo), None

            for batch, got in self._batches("theme", batches, request, pieces=len(todo)):
                if got is not None:
                    (texts, citations), key = got, batch[0][0]
                    for lang in todo:
                        out[lang][key] = Piece(texts[lang], "llm", citations=citations)
                        fresh[lang][key] = {"synthesis": texts[lang], "citations": citations}
        for lang, items in fresh.items():
            self._store("theme", lang, items)
        return out

    def theme_synthesis(
        self,
        label: list[str],
        fields: list[str],
        papers: list[tuple[str, str, str]],
        language: str,
        key: str | None = None,
    ) -> Piece | None:
        """One theme (``theme_syntheses``); ``key`` defaults to these papers'."""
        key = key or theme_key([p[0] for p in papers])
        return self.theme_syntheses([(key, label, fields, papers)], language).get(key)

    # level 3
    def openings(self, readers: list[Reader], language: str) -> dict[str, Piece]:
        """readers: (cache key, interests, [(paper id, title, contribution)] best first). A personal opening per
        reader, several readers per request, readers who share papers together (``briefing.openings``); a
        reader missing from the result gets the template's."""
        out: dict[str, Piece] = {}
        cached = self._cached("opening", [r[0] for r in readers], language)
        for key, c in cached.items():
            out[key] = Piece(c["opening"], "cache", citations=c["citations"])
        requests = opening_requests([r for r in readers if r[0] not in out and r[2]], language)
        fresh: dict[str, dict] = {}
        for _request, got in self._batches("opening", requests, lambda r: (r.messages(), r.validate, r.max_tokens)):
            for key, (text, citations) in (got or {}).items():
                out[key] = Piece(text, "llm", citations=citations)
                fresh[key] = {"opening": text, "citations": citations}
        self._store("opening", language, fresh)
        return out
