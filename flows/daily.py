"""The daily ``run`` flow: ingest -> the day's edition -> rank per subscriber -> compose -> render -> outbox."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote, urlencode

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.utilities.annotations import quote as unwalked
from sqlalchemy.engine import Engine

from academichub.papers import store

from academichub.delivery import ledger
from academichub.db import open_database, session_scope
from academichub.settings import Settings, load_settings
from academichub.briefing.writer import BriefingWriter, Piece, theme_key
from academichub.briefing.compose import Briefing, PaperCard, Pieces, briefing_record, compose, reader_languages
from academichub.llm import make_llm
from flows.ingest import run_ingest
from academichub.mail.backends import PermanentSendError, TransientSendError, make_mailer
from academichub.mail.message import build_message, list_headers
from academichub.matching.match import Match, Matcher, PaperFacts, ProfileSpec
from academichub.mail.render import Links, render_briefing
from academichub.papers.report import IngestReport, ingest_markdown
from academichub.papers.sources import paper_facts_from
from academichub.editions.themes import Theme, find_themes, theme_of
from academichub.editions.vectorise import MODEL_NAME, make_vectoriser
from subscribers.models import InterestProfile, Subscriber
from subscribers.service import audience, feedback_for
from subscribers.tokens import tokens_from


@dataclass(slots=True)
class Delivery:
    email: str
    language: str
    papers: int
    path: str | None
    subject: str
    state: str = "rendered"  # sent, skipped, stuck, failed, rendered (dry run)
    reason: str | None = None


@dataclass(slots=True)
class RunReport:
    edition_date: date
    ingest: IngestReport | None
    edition_size: int
    deliveries: list[Delivery] = field(default_factory=list)
    dry_run: bool = False
    outbox: str | None = None
    llm: "LlmReport | None" = None
    themes: list = field(default_factory=list)  # the edition's Theme objects
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds per stage, where measured


@dataclass(slots=True)
class EditionData:
    day: date
    facts: list[PaperFacts]
    cards: dict[str, PaperCard]
    corpus: list[str]
    themes: list[Theme] = field(default_factory=list)
    period_start: date | None = None  # a week's editions, for weekly digests
    matchers: dict = field(default_factory=dict, repr=False, compare=False)  # representation -> Matcher, built once


@dataclass(slots=True)
class LlmReport:
    model: str | None
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    fallbacks: dict[str, int] = field(default_factory=dict)
    cache_hits: dict[str, int] = field(default_factory=dict)
    calls_log: list[tuple[str, int, int]] = field(default_factory=list)

    def merge(self, other: "LlmReport") -> "LlmReport":
        """Two groups' reports (daily readers and weekly digests) as one."""
        def add(a: dict, b: dict) -> dict:
            return {k: a.get(k, 0) + b.get(k, 0) for k in a.keys() | b.keys()}
        cost = None if self.cost_usd is None and other.cost_usd is None else (self.cost_usd or 0) + (other.cost_usd or 0)
        kinds = {k: [x + y for x, y in zip(self.by_kind.get(k, [0, 0, 0]), other.by_kind.get(k, [0, 0, 0]))] for k in self.by_kind.keys() | other.by_kind.keys()}
        return LlmReport(model=self.model, calls=self.calls + other.calls, prompt_tokens=self.prompt_tokens + other.prompt_tokens,
                         completion_tokens=self.completion_tokens + other.completion_tokens, cost_usd=cost, by_kind=kinds,
                         fallbacks=add(self.fallbacks, other.fallbacks), cache_hits=add(self.cache_hits, other.cache_hits),
                         calls_log=self.calls_log + other.calls_log)


def read_edition(engine: Engine, day: date, corpus_days: int = 30, days: int = 1) -> EditionData:
    """The day's papers (or the last ``days`` days' editions) as the matcher sees them (with their
    themes), their cards, and the corpus."""
    since = day - timedelta(days=days - 1) if days > 1 else None
    with session_scope(engine) as session:
        rows = store.edition_papers(session, day, since)
        corpus = [f"{t}. {t}. {a}" for _id, t, a in store.recent_corpus(session, until=day, days=corpus_days)]
    facts = [paper_facts_from(p) for p, _label in rows]
    themes = edition_themes(engine, day if since is None else None, facts, corpus)
    theme_ids = theme_of(themes)
    facts = [replace(f, theme=theme_ids.get(f.id)) for f in facts]
    cards = {p.id: PaperCard.of(p, label) for p, label in rows}
    return EditionData(day=day, facts=facts, cards=cards, corpus=corpus, themes=themes, period_start=since)


def edition_themes(engine: Engine, day: date | None, facts: list[PaperFacts], corpus: list[str]) -> list[Theme]:
    """The themes of a day's edition, found once and kept with the edition (the same papers give the
    same themes: a rerun, a web page, or a subscriber's view reuse them); a week's are found each time."""
    import hashlib

    key = hashlib.sha256("\n".join(sorted(f.id for f in facts)).encode()).hexdigest()
    if day is not None:
        with session_scope(engine) as session:
            stored = store.stored_themes(session, day, key)
        if stored is not None:
            return stored
    themes = find_themes(facts, corpus=corpus, cache=store.DbEmbeddingCache(engine, MODEL_NAME))
    if day is not None:
        with session_scope(engine) as session:
            store.save_themes(session, day, key, themes)
    return themes


def edition_kept(cache: dict, engine: Engine, day: date, corpus_days: int = 30, days: int = 1) -> EditionData | None:
    """``read_edition`` kept in ``cache`` (at most 14 entries) until the edition changes (a rerun adds
    papers); None when those days have no papers. The web app keeps one per app, deliver-due one per
    worker process."""
    from sqlalchemy import func
    from sqlmodel import select

    from academichub.models import EditionPaper

    since = day - timedelta(days=days - 1)
    with session_scope(engine) as session:
        count = session.exec(select(func.count()).select_from(EditionPaper)
                             .where(EditionPaper.edition_date >= since, EditionPaper.edition_date <= day)).one()
    if not count:
        return None
    key = (str(engine.url), day, days)
    hit = cache.get(key)
    if hit is None or hit[0] != count:
        if key not in cache and len(cache) >= 14:
            cache.pop(min(cache, key=lambda k: k[1]))
        hit = cache[key] = (count, read_edition(engine, day, corpus_days, days))
    return hit[1]


@task(name="load-edition", cache_policy=NO_CACHE)
def load_edition(engine: Engine, day: date, corpus_days: int = 30, days: int = 1) -> EditionData:
    return read_edition(engine, day, corpus_days, days)


def build_matcher(engine: Engine, edition: EditionData, representation: str) -> Matcher:
    """The edition's matcher (vectoriser fitted, papers encoded), built once per edition object:
    deliver-due's batches in one process share it."""
    with _MATCHER_LOCK:  # batches on threads of one process build it once
        matcher = edition.matchers.get(representation)
        if matcher is None:
            cache = store.DbEmbeddingCache(engine, MODEL_NAME)
            matcher = edition.matchers[representation] = Matcher(
                edition.facts, make_vectoriser(representation, edition.corpus + [f.text for f in edition.facts], cache))
    return matcher


_MATCHER_LOCK = threading.Lock()


def profile_spec(sub: Subscriber, profile: InterestProfile, feedback: dict[str, int], texts: dict[str, str]) -> ProfileSpec:
    return ProfileSpec(
        key=sub.email, interests=profile.interests, expanded=list(profile.expanded), keywords=list(profile.keywords),
        exclude=list(profile.exclude), categories=list(profile.categories), authors=list(profile.authors),
        liked=[texts[p] for p, v in feedback.items() if v > 0 and p in texts],
        disliked=[texts[p] for p, v in feedback.items() if v < 0 and p in texts],
        top_n=sub.papers_per_email,
    )


Readers = list[tuple[Subscriber, InterestProfile]]


def load_profiles(engine: Engine, subs: Readers) -> list[ProfileSpec]:
    with session_scope(engine) as session:
        feedback = feedback_for(session, [s.id for s, _ in subs])
        texts = store.paper_texts(session, sorted({p for f in feedback.values() for p in f}))
    return [profile_spec(s, p, feedback.get(s.id, {}), texts) for s, p in subs]


# Tasks below take the edition, every reader's matches and texts: callers pass them in Prefect's ``quote()`` (``unwalked``), or
# Prefect walks every element looking for futures (57 s for 100,000 readers' matches).
@task(name="match-subscribers", cache_policy=NO_CACHE)
def match_subscribers(engine: Engine, edition: EditionData, profiles: list[ProfileSpec], representation: str, min_score: float) -> dict[str, list[Match]]:
    return build_matcher(engine, edition, representation).match(profiles, min_score=min_score)


@task(name="write-briefings", cache_policy=NO_CACHE)
def write_pieces(settings: Settings, engine: Engine, edition: EditionData, matches: dict[str, list[Match]], subs: Readers,
                 openings: bool = True) -> tuple[dict[str, Pieces], LlmReport]:
    """The LLM levels: per paper and language (only papers someone receives), per theme, per reader
    (``openings=False``: the first two only, cached, as prepare-edition writes them for everyone; no
    per-reader pieces are returned then)."""
    llm = make_llm(settings)
    pieces = {sub.email: Pieces() for sub, _ in subs}
    report = LlmReport(model=settings.llm_model)
    if llm is None:
        report.fallbacks = {"no_llm": len(subs)} if subs else {}
        return pieces, report
    writer = BriefingWriter(llm, store.DbPieceCache(engine), batch=settings.llm_batch, concurrency=settings.llm_concurrency)
    need: dict[str, set[str]] = {}
    for sub, _ in subs:
        for lang in reader_languages(sub.language):
            need.setdefault(lang, set()).update(m.paper_id for m in matches.get(sub.email, []))
    cards = edition.cards
    summaries: dict[tuple[str, str], Piece] = {}
    for lang, ids in sorted(need.items()):
        got = writer.paper_summaries([(pid, cards[pid].title, cards[pid].abstract) for pid in sorted(ids)], lang)
        summaries.update({(pid, lang): piece for pid, piece in got.items()})
    theme_texts: dict[tuple[int, str], tuple[str, list[str]]] = {}
    keys = {t.id: theme_key(t.paper_ids) for t in edition.themes}
    for lang, ids in sorted(need.items()):
        members = {t.id: [(pid, cards[pid].title, summaries[(pid, lang)].text) for pid in t.paper_ids if pid in ids] for t in edition.themes}
        got = writer.theme_syntheses([(keys[t.id], t.label, t.fields, members[t.id]) for t in edition.themes if members[t.id]], lang)
        for t in edition.themes:
            if keys[t.id] in got:
                theme_texts[(t.id, lang)] = (got[keys[t.id]].text, got[keys[t.id]].citations)

    if not openings:
        return pieces, usage_report(report, llm, writer, settings)
    for lang in sorted(need):
        readers, owner = [], {}
        for sub, profile in subs:
            chosen = [m.paper_id for m in matches.get(sub.email, [])]
            if chosen and lang in reader_languages(sub.language):
                key = f"{sub.id}:{edition.day.isoformat()}:{theme_key(chosen)}"
                readers.append((key, profile.interests, [(pid, cards[pid].title, summaries[(pid, lang)].contribution) for pid in chosen]))
                owner[key] = sub.email
        for key, piece in writer.openings(readers, lang).items():
            pieces[owner[key]].openings[lang] = (piece.text, piece.citations)
    by_theme = {t.id: t for t in edition.themes}
    for sub, _ in subs:
        p = pieces[sub.email]
        for lang in reader_languages(sub.language):
            for m in matches.get(sub.email, []):
                piece = summaries.get((m.paper_id, lang))
                if piece:
                    p.summaries[(m.paper_id, lang)] = (piece.text, piece.source, piece.contribution)
            for (tid, tlang), (text, cites) in theme_texts.items():
                if tlang == lang:
                    t = by_theme[tid]
                    entry = p.themes.setdefault(tid, (t.label, t.fields, t.cross_domain, {}))
                    entry[3][lang] = (text, cites)
    return pieces, usage_report(report, llm, writer, settings)


def usage_report(report: LlmReport, llm, writer: BriefingWriter, settings: Settings) -> LlmReport:
    """``report`` filled with what the client and the writer counted."""
    u = llm.usage
    report.calls, report.prompt_tokens, report.completion_tokens = u.calls, u.prompt_tokens, u.completion_tokens
    report.cost_usd = u.cost(llm.model, settings.llm_prices)
    report.by_kind = {k: list(v) for k, v in u.by_kind.items()}
    report.fallbacks = dict(writer.fallbacks)
    report.cache_hits = dict(writer.cache_hits)
    report.calls_log = list(u.log)
    return report


@task(name="compose-render-deliver", cache_policy=NO_CACHE)
def deliver_all(settings: Settings, engine: Engine, edition: EditionData, matches: dict[str, list[Match]], dry_run: bool,
                pieces: dict[str, Pieces] | None, subscribers: Readers, suppressed: dict[str, str] | None = None) -> list[Delivery]:
    return deliver_readers(settings, engine, edition, matches, dry_run, pieces, subscribers, suppressed)


def deliver_readers(settings: Settings, engine: Engine, edition: EditionData, matches: dict[str, list[Match]], dry_run: bool,
                    pieces: dict[str, Pieces] | None, subscribers: Readers, suppressed: dict[str, str] | None = None) -> list[Delivery]:
    """compose -> render -> send for each reader, through the ledger. Sends go in chunks of
    ``settings.send_chunk``: the chunk's rows are moved to ``sending`` in one statement (committed
    before the provider is called) and their outcomes recorded in one; a crash mid-chunk leaves at most
    a chunk of rows ``sending`` (reported, never resent automatically)."""
    out: list[Delivery] = []
    mailer = None if dry_run else make_mailer(settings)
    tokens = tokens_from(settings)
    suppressed = suppressed or {}
    themes_of = {f.id: f.theme for f in edition.facts if f.theme is not None}
    with session_scope(engine) as session:
        rows = {} if dry_run else ledger.prepare(session, edition.day, [sub.id for sub, _ in subscribers])
    skips: dict[int, str] = {}
    pending: list[tuple] = []

    def flush() -> None:
        if not pending:
            return
        with session_scope(engine) as session:
            claimed = set(ledger.claim_many(session, [p[0].id for p in pending]))
        results = []
        for row, sub, briefing, rendered, msg in pending:
            n = len(briefing.items)
            if row.id not in claimed:
                out.append(Delivery(sub.email, sub.language, 0, None, rendered.subject, "skipped", "claimed elsewhere"))
                continue
            try:
                message_id = mailer.send(msg, edition=edition.day, tags={"edition": edition.day.isoformat(), "language": sub.language}, html=rendered.html)
            except PermanentSendError as exc:
                results.append({"id": row.id, "state": "failed", "reason": f"permanent: {exc}", "message_id": None})
                out.append(Delivery(sub.email, sub.language, n, None, rendered.subject, "failed", str(exc)))
                continue
            except TransientSendError as exc:
                results.append({"id": row.id, "state": "failed", "reason": f"{ledger.TRANSIENT}{exc}", "message_id": None})
                out.append(Delivery(sub.email, sub.language, n, None, rendered.subject, "failed", str(exc)))
                continue
            results.append({"id": row.id, "state": "sent", "reason": None, "message_id": message_id, "content": briefing_record(briefing)})
            path = message_id.removeprefix("outbox:") if message_id.startswith("outbox:") else None
            out.append(Delivery(sub.email, sub.language, n, path, rendered.subject, "sent", message_id if not path else None))
        with session_scope(engine) as session:
            ledger.finish_many(session, results)
        pending.clear()

    for sub, profile in subscribers:
        row = rows.get(sub.id)
        if sub.email in suppressed:
            if row is not None:
                skips[row.id] = suppressed[sub.email]
            out.append(Delivery(sub.email, sub.language, 0, None, "", "skipped", suppressed[sub.email]))
            continue
        if row is not None and row.state == "sent":
            out.append(Delivery(sub.email, sub.language, 0, None, "", "skipped", "already sent"))
            continue
        if row is not None and row.state == "skipped":
            out.append(Delivery(sub.email, sub.language, 0, None, "", "skipped", row.reason))
            continue
        if row is not None and row.state == "sending":
            out.append(Delivery(sub.email, sub.language, 0, None, "", "stuck", "outcome unknown: `academichub deliveries resend`"))
            continue
        if row is not None and row.state == "failed" and not (row.reason or "").startswith(ledger.TRANSIENT):
            out.append(Delivery(sub.email, sub.language, 0, None, "", "skipped", row.reason))
            continue
        briefing: Briefing = compose(
            email=sub.email, name=sub.name, language=sub.language, interests=profile.interests,
            edition_date=edition.day, edition_size=len(edition.facts), matches=matches.get(sub.email, []),
            cards=edition.cards, wanted=sub.papers_per_email, pieces=(pieces or {}).get(sub.email),
            themes_of=themes_of, period_start=edition.period_start,
        )
        if briefing.is_empty and sub.empty_day == "none":
            reason = "empty day: the reader chose no email" if not edition.period_start else "empty week: the reader chose no email"
            if row is not None:
                skips[row.id] = reason
            out.append(Delivery(sub.email, sub.language, 0, None, "", "skipped", reason))
            continue
        links = reader_links(settings, tokens, sub.id, edition.day, [it.paper.id for it in briefing.items])
        rendered = render_briefing(briefing, settings.templates_dir, links)
        if dry_run:
            out.append(Delivery(sub.email, sub.language, len(briefing.items), None, rendered.subject))
            continue
        msg = build_message(rendered, sender=settings.sender, to=sub.email, headers=list_headers(
            sender=settings.sender, unsubscribe_url=links.unsubscribe, unsubscribe_mailbox=settings.unsubscribe_mailbox))
        pending.append((row, sub, briefing, rendered, msg))
        if len(pending) >= settings.send_chunk:
            flush()
    flush()
    if skips:
        with session_scope(engine) as session:
            ledger.skip_many(session, skips)
    return out


def reader_links(settings: Settings, tokens, subscriber_id: int, day: date, paper_ids: list[str]) -> Links:
    """Signed, purpose-scoped links for one reader's email (the pages behind them: the preference center)."""
    base = settings.base_url.rstrip("/")

    def url(path: str, purpose: str, payload: dict, **extra: str) -> str:
        return f"{base}/{path}?{urlencode({'t': tokens.sign(purpose, payload), **extra})}"

    # One feedback token per email (who, which edition); the paper and the vote ride along unsigned:
    # the token already proves the reader, and the server only accepts papers of that edition.
    vote = f"{base}/feedback?{urlencode({'t': tokens.sign('feedback', {'s': subscriber_id, 'd': day.isoformat()})})}&p="
    feedback = {pid: (f"{vote}{quote(pid)}&v=1", f"{vote}{quote(pid)}&v=-1") for pid in paper_ids}
    return Links(
        preferences=url("preferences", "preferences", {"s": subscriber_id}),
        unsubscribe=url("unsubscribe", "unsubscribe", {"s": subscriber_id}),
        feedback=feedback,
        view=url("view", "view", {"s": subscriber_id, "d": day.isoformat()}),
        contact=settings.unsubscribe_mailbox or parseaddr(settings.sender)[1],
    )


def llm_lines(L: "LlmReport") -> list[str]:
    """The LLM part of a run report: calls, tokens by level, cost, cache reuse, fallbacks."""
    lines = []
    cost = f", estimated cost ${L.cost_usd:.4f}" if L.cost_usd is not None else ""
    lines.append(f"- LLM {L.model or 'not configured'}: {L.calls} calls, {L.prompt_tokens} prompt + {L.completion_tokens} completion tokens{cost}")
    if L.by_kind:
        lines.append("- tokens by level: " + ", ".join(f"{k}: {v[0]} calls, {v[1] + v[2]} tokens" for k, v in sorted(L.by_kind.items())))
    if L.cache_hits:
        lines.append("- reused from cache: " + ", ".join(f"{k}: {v}" for k, v in sorted(L.cache_hits.items())))
    lines.append("- fallbacks to extractive text: " + (", ".join(f"{k}: {v}" for k, v in sorted(L.fallbacks.items())) or "none"))
    return lines


def run_markdown(r: RunReport, title: str | None = None, deliveries: bool = True) -> str:
    title = title or f"Daily run {r.edition_date.isoformat()}{' (dry run)' if r.dry_run else ''}"
    lines = [f"# {title}", "", f"- edition: **{r.edition_size}** papers"]
    if deliveries:
        lines.append(f"- briefings: **{len(r.deliveries)}**")
    if r.outbox:
        lines.append(f"- outbox: `{r.outbox}`")
    if r.themes:
        cross = [t for t in r.themes if t.cross_domain]
        lines.append(f"- themes: **{len(r.themes)}**, of which **{len(cross)} cross-domain**: " + "; ".join(
            f"{', '.join(t.label)} ({' + '.join(t.fields)}, {len(t.paper_ids)} papers)" for t in cross) if cross else f"- themes: **{len(r.themes)}**")
        lines.append("- largest themes: " + "; ".join(f"{', '.join(t.label)} ({len(t.paper_ids)})" for t in sorted(r.themes, key=lambda t: -len(t.paper_ids))[:5]))
    if r.llm:
        lines += llm_lines(r.llm)
    if not deliveries:
        return "\n".join(lines) + "\n"
    states: dict[str, int] = {}
    for d in r.deliveries:
        states[d.state] = states.get(d.state, 0) + 1
    lines.append("- deliveries: " + (", ".join(f"{k} {v}" for k, v in sorted(states.items())) or "none"))
    lines += ["", "| subscriber | language | papers | state | subject |", "|---|---|---:|---|---|"]
    lines += [f"| {d.email} | {d.language} | {d.papers} | {d.state}{' (' + d.reason + ')' if d.reason else ''} | {d.subject.replace('|', '/')} |" for d in r.deliveries]
    return "\n".join(lines) + "\n"


def account_suppression(settings: Settings) -> dict[str, str]:
    """The provider's account-level suppression list; a failure to read it is not fatal (SES drops
    suppressed addresses itself) but is said in the run report."""
    try:
        return make_mailer(settings).suppressed()
    except Exception as exc:  # noqa: BLE001 - any provider error: report and go on
        print(f"WARNING: could not read the account suppression list: {exc.__class__.__name__}: {exc}")
        return {}


def deliver_group(settings: Settings, engine: Engine, edition: EditionData, readers: Readers, dry_run: bool,
                  suppressed: dict[str, str], *, as_tasks: bool = True) -> tuple[list[Delivery], "LlmReport"]:
    """match -> write -> compose, render and send, for readers of one edition (or one week's).
    ``as_tasks=False`` inside a task that is already the unit (deliver-due's batch)."""
    if not readers:
        return [], LlmReport(model=settings.llm_model)
    if as_tasks:
        run, big = (lambda t: t), unwalked
    else:
        run, big = (lambda t: t.fn), (lambda x: x)
    profiles = load_profiles(engine, readers)
    matches = run(match_subscribers)(engine, big(edition), big(profiles), settings.representation, settings.min_score)
    pieces, llm_report = run(write_pieces)(settings, engine, big(edition), big(matches), big(readers))
    return run(deliver_all)(settings, engine, big(edition), big(matches), dry_run, big(pieces), big(readers), suppressed), llm_report


def run_day(settings: Settings, engine: Engine, *, paths: list[str] | None, day: date, dry_run: bool, skip_ingest: bool = False) -> RunReport:
    ingest = None if skip_ingest else run_ingest(settings, engine, paths=paths, day=day)
    with session_scope(engine) as session:
        readers = audience(session, day)
    suppressed: dict[str, str] = {}
    if not dry_run and (readers.daily or readers.weekly):
        suppressed = account_suppression(settings)
    edition = load_edition(engine, day, settings.corpus_days)
    deliveries, llm_report = deliver_group(settings, engine, edition, readers.daily, dry_run, suppressed)
    if readers.weekly:
        week = load_edition(engine, day, settings.corpus_days, days=7)
        weekly, weekly_llm = deliver_group(settings, engine, week, readers.weekly, dry_run, suppressed)
        deliveries += weekly
        llm_report = llm_report.merge(weekly_llm)
    if readers.skipped:
        if not dry_run:
            with session_scope(engine) as session:
                ledger.record_skipped(session, day, {sub.id: why for sub, why in readers.skipped})
        deliveries += [Delivery(sub.email, sub.language, 0, None, "", "skipped", why) for sub, why in readers.skipped]
    report = RunReport(llm=llm_report, themes=edition.themes,
        edition_date=day, ingest=ingest, edition_size=len(edition.facts), deliveries=deliveries, dry_run=dry_run,
        outbox=None if dry_run else str(Path(settings.outbox_dir) / day.isoformat()),
    )
    create_markdown_artifact(key="daily-run", markdown=run_markdown(report), description=f"Daily run {day}")
    if llm_report.calls_log:
        create_table_artifact(key="llm-calls", description="Every LLM call of this run: level, prompt and completion tokens",
                              table=[{"call": i, "level": k, "prompt_tokens": p, "completion_tokens": c} for i, (k, p, c) in enumerate(llm_report.calls_log, 1)])
    if deliveries:
        create_table_artifact(key="briefings", table=[{"subscriber": d.email, "language": d.language, "papers": d.papers} for d in deliveries])
    return report


@flow(name="daily-run", log_prints=True)
def daily_flow(from_paths: list[str] | None = None, date_: str | None = None, dry_run: bool = False, skip_ingest: bool = False) -> RunReport:
    """The whole day on whatever settings the environment gives (embedded defaults with none)."""
    settings = load_settings()
    day = date.fromisoformat(date_) if date_ else settings.clock.today(settings.edition_timezone)
    engine = open_database(settings)
    return run_day(settings, engine, paths=from_paths, day=day, dry_run=dry_run, skip_ingest=skip_ingest)


__all__ = ["daily_flow", "run_day", "RunReport", "ingest_markdown"]
