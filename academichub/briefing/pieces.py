"""The LLM levels of a day, for a group of readers: per paper and language (only the papers someone
receives), per theme, and per reader (their opening); and the usage report of those calls."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from academichub.briefing.cache import DbPieceCache
from academichub.briefing.compose import CitedText, PaperText, Pieces, ThemeText, reader_languages
from academichub.briefing.writer import BriefingWriter, Piece, theme_key
from academichub.editions.edition import EditionData
from academichub.editions.theme import Theme
from academichub.llm import Deadline, make_llm
from academichub.matching.match import Match
from academichub.matching.profiles import Readers
from academichub.settings import Settings


@dataclass(slots=True)
class LlmReport:
    model: str | None
    calls: int = 0
    attempts: int = 0  # HTTP requests made, retries included
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    fallbacks: dict[str, int] = field(default_factory=dict)
    cache_hits: dict[str, int] = field(default_factory=dict)
    calls_log: list[tuple[str, int, int]] = field(default_factory=list)

    def merge(self, other: LlmReport) -> LlmReport:
        """Two groups' reports (daily readers and weekly digests, or two batches) as one."""

        def add(a: dict, b: dict) -> dict:
            return {k: a.get(k, 0) + b.get(k, 0) for k in a.keys() | b.keys()}

        cost = (
            None if self.cost_usd is None and other.cost_usd is None else (self.cost_usd or 0) + (other.cost_usd or 0)
        )
        kinds = {
            k: [x + y for x, y in zip(self.by_kind.get(k, [0, 0, 0]), other.by_kind.get(k, [0, 0, 0]), strict=False)]
            for k in self.by_kind.keys() | other.by_kind.keys()
        }
        return LlmReport(
            model=self.model,
            calls=self.calls + other.calls,
            attempts=self.attempts + other.attempts,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=cost,
            by_kind=kinds,
            fallbacks=add(self.fallbacks, other.fallbacks),
            cache_hits=add(self.cache_hits, other.cache_hits),
            calls_log=self.calls_log + other.calls_log,
        )


Summaries = dict[tuple[str, str], Piece]  # (paper id, language) -> the paper's piece


def _languages_needed(matches: dict[str, list[Match]], readers: Readers) -> dict[str, set[str]]:
    """language -> the papers some reader of that language receives."""
    need: dict[str, set[str]] = {}
    for sub, _ in readers:
        for lang in reader_languages(sub.language):
            need.setdefault(lang, set()).update(m.paper_id for m in matches.get(sub.email, []))
    return need


def _paper_summaries(writer: BriefingWriter, edition: EditionData, need: dict[str, set[str]]) -> Summaries:
    """Each paper in the languages its readers read; a paper wanted in both is asked for in both at once
    (``BriefingWriter.paper_summaries_in``: its abstract sent once)."""
    cards = edition.cards
    languages_of: dict[str, tuple[str, ...]] = {}
    for lang in sorted(need):
        for pid in need[lang]:
            languages_of[pid] = languages_of.get(pid, ()) + (lang,)
    groups: dict[tuple[str, ...], list[str]] = {}
    for pid, langs in sorted(languages_of.items()):
        groups.setdefault(langs, []).append(pid)
    summaries: Summaries = {}
    for langs, ids in sorted(groups.items()):
        got = writer.paper_summaries_in([(pid, cards[pid].title, cards[pid].abstract) for pid in ids], list(langs))
        for lang, pieces in got.items():
            summaries.update({(pid, lang): piece for pid, piece in pieces.items()})
    return summaries


def _theme_syntheses(
    writer: BriefingWriter, edition: EditionData, need: dict[str, set[str]], summaries: Summaries
) -> dict[tuple[int, str], CitedText]:
    """(theme id, language) -> the theme's synthesis, from the summaries of its papers someone receives.
    A theme whose received papers are the same in every language it is needed in is written in all of
    them in one request, from the English summaries (``BriefingWriter.theme_syntheses_in``)."""
    cards, out = edition.cards, {}
    keys = {t.id: theme_key(t.paper_ids) for t in edition.themes}
    groups: dict[tuple[str, ...], list[tuple[Theme, list[str]]]] = {}
    for t in edition.themes:
        members = {lang: [pid for pid in t.paper_ids if pid in ids] for lang, ids in sorted(need.items())}
        langs = tuple(lang for lang, m in members.items() if m)
        if len({tuple(members[lang]) for lang in langs}) == 1:
            groups.setdefault(langs, []).append((t, members[langs[0]]))
        else:
            for lang in langs:
                groups.setdefault((lang,), []).append((t, members[lang]))
    for langs, themes in sorted(groups.items()):
        source = "en" if "en" in langs else langs[0]
        got = writer.theme_syntheses_in(
            [
                (keys[t.id], t.label, t.fields, [(pid, cards[pid].title, summaries[(pid, source)].text) for pid in m])
                for t, m in themes
            ],
            list(langs),
        )
        for lang in langs:
            for t, _m in themes:
                if keys[t.id] in got[lang]:
                    said = got[lang][keys[t.id]]
                    out[(t.id, lang)] = CitedText(said.text, tuple(said.citations))
    return out


def _openings(
    writer: BriefingWriter,
    edition: EditionData,
    matches: dict[str, list[Match]],
    readers: Readers,
    need: dict[str, set[str]],
    summaries: Summaries,
) -> dict[str, dict[str, CitedText]]:
    """email -> language -> the reader's opening."""
    out: dict[str, dict[str, CitedText]] = {}
    for lang in sorted(need):
        asks, owner = [], {}
        for sub, profile in readers:
            chosen = [m.paper_id for m in matches.get(sub.email, [])]
            if chosen and lang in reader_languages(sub.language):
                key = f"{sub.id}:{edition.day.isoformat()}:{theme_key(chosen)}"
                asks.append(
                    (
                        key,
                        profile.interests,
                        [(pid, edition.cards[pid].title, summaries[(pid, lang)].contribution) for pid in chosen],
                    )
                )
                owner[key] = sub.email
        for key, piece in writer.openings(asks, lang).items():
            out.setdefault(owner[key], {})[lang] = CitedText(piece.text, tuple(piece.citations))
    return out


def _reader_pieces(
    edition: EditionData,
    matches: dict[str, list[Match]],
    readers: Readers,
    summaries: Summaries,
    themes: dict[tuple[int, str], CitedText],
    openings: dict[str, dict[str, CitedText]],
) -> dict[str, Pieces]:
    by_theme = {t.id: t for t in edition.themes}
    pieces = {}
    for sub, _ in readers:
        p = pieces[sub.email] = Pieces(openings=openings.get(sub.email, {}))
        for lang in reader_languages(sub.language):
            for m in matches.get(sub.email, []):
                piece = summaries.get((m.paper_id, lang))
                if piece:
                    p.summaries[(m.paper_id, lang)] = PaperText(piece.text, piece.source, piece.contribution)
            for (tid, tlang), said in themes.items():
                if tlang == lang:
                    t = by_theme[tid]
                    p.themes.setdefault(tid, ThemeText(t.label, t.fields, t.cross_domain)).texts[lang] = said
    return pieces


def theme_names(edition: EditionData, matches: dict[str, list[Match]], readers: Readers) -> dict[str, Pieces]:
    """Without an LLM: each reader's themes (those their papers are in) by label and fields, with no
    synthesis, so the email still says which of the day's themes their papers belong to."""
    by_paper = {pid: t for t in edition.themes for pid in t.paper_ids}
    out = {}
    for sub, _ in readers:
        p = out[sub.email] = Pieces()
        for m in matches.get(sub.email, []):
            t = by_paper.get(m.paper_id)
            if t is not None:
                p.themes.setdefault(t.id, ThemeText(t.label, t.fields, t.cross_domain))
    return out


def _writer(settings: Settings, engine: Engine, deadline: Deadline | None, readers: int):
    """The run's LLM client and writer (on the piece cache), and an empty report; without an LLM, no
    client or writer and a report counting ``readers`` fallbacks."""
    llm = make_llm(settings, deadline)
    report = LlmReport(model=settings.llm_model)
    if llm is None:
        report.fallbacks = {"no_llm": readers} if readers else {}
        return None, None, report
    writer = BriefingWriter(llm, DbPieceCache(engine), batch=settings.llm_batch, concurrency=settings.llm_concurrency)
    return llm, writer, report


def write_pieces(
    settings: Settings,
    engine: Engine,
    edition: EditionData,
    matches: dict[str, list[Match]],
    readers: Readers,
    deadline: Deadline | None = None,
) -> tuple[dict[str, Pieces], LlmReport]:
    """The LLM levels for ``readers``: per paper and language, per theme, per reader. ``deadline`` is
    the run's (shared by its groups); without one, these calls get a run's worth."""
    llm, writer, report = _writer(settings, engine, deadline, len(readers))
    if llm is None or writer is None:
        return theme_names(edition, matches, readers), report
    need = _languages_needed(matches, readers)
    summaries = _paper_summaries(writer, edition, need)
    themes = _theme_syntheses(writer, edition, need, summaries)
    said = _openings(writer, edition, matches, readers, need, summaries)
    return _reader_pieces(edition, matches, readers, summaries, themes, said), usage_report(
        report, llm, writer, settings
    )


def write_shared(
    settings: Settings,
    engine: Engine,
    edition: EditionData,
    received: dict[str, set[str]],
    readers: int,
    deadline: Deadline | None = None,
) -> LlmReport:
    """prepare-edition's LLM work: the levels shared by readers — each paper someone receives, in the
    languages of its readers, and each theme — written into the cache for deliver-due. ``received``:
    a reader language setting -> the papers its readers receive (``kept.match_and_keep``);
    ``readers``: how many readers they are (the report's fallback count without an LLM)."""
    llm, writer, report = _writer(settings, engine, deadline, readers)
    if llm is None or writer is None:
        return report
    need: dict[str, set[str]] = {}
    for setting, ids in received.items():
        for lang in reader_languages(setting):
            need.setdefault(lang, set()).update(ids)
    _theme_syntheses(writer, edition, need, _paper_summaries(writer, edition, need))
    return usage_report(report, llm, writer, settings)


def usage_report(report: LlmReport, llm, writer: BriefingWriter, settings: Settings) -> LlmReport:
    """``report`` filled with what the client and the writer counted."""
    u = llm.usage
    report.calls, report.prompt_tokens, report.completion_tokens = u.calls, u.prompt_tokens, u.completion_tokens
    report.attempts = u.attempts
    report.cost_usd = u.cost(llm.model, settings.llm_prices)
    report.by_kind = {k: list(v) for k, v in u.by_kind.items()}
    report.fallbacks = dict(writer.fallbacks)
    report.cache_hits = dict(writer.cache_hits)
    report.calls_log = list(u.log)
    return report
