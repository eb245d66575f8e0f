"""Ingest, the library part: fetch (or read) every source, parse, normalise, deduplicate, store.

A broken source is recorded and the others carry on. ``ingest_documents`` is the core (used by the
benchmark and by the ``ingest`` flow's tasks); ``run_ingest`` is a whole run without Prefect.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from academichub.db import session_scope
from academichub.models import FetchLog
from academichub.papers import store
from academichub.papers.catalogue import bundled_catalogue, slug
from academichub.papers.dedupe import Batch, merge_batches
from academichub.papers.fetch import Fetcher, FetchResult, fetch_rxiv_pages, is_unreachable
from academichub.papers.health import BAD, EditionHeld, Health, SourceState, assess, judge_day, own_date
from academichub.papers.parse import parse_document
from academichub.papers.plan import FetchPlan, build_plan, reader_wants
from academichub.papers.records import FeedError, ParsedFeed
from academichub.papers.report import IngestReport, SourceReport
from academichub.papers.sources import Source, SourceConfig, load_sources
from academichub.papers.validate import SOURCE_KEY_CHARS
from academichub.settings import Settings

MAX_FILE_BYTES = 200 * 1024 * 1024
OPTIONAL_NOTE = "chosen by readers, not a default source: it does not hold the day"
IGNORED_SUFFIXES = {".md", ".txt~", ".swp"}


class InputError(ValueError):
    """A --from path that does not exist or cannot be read."""


@dataclass(slots=True)
class Document:
    origin: str  # URL or file path
    body: bytes | None = None
    source_key: str | None = None  # None: derived from the content
    label: str | None = None
    include_replacements: bool = False
    error: str | None = None
    fetch: FetchResult | None = None
    optional: bool = False  # read because readers chose it: its failure never holds the day
    subjects: frozenset[str] | None = None  # bioRxiv/medRxiv: keep only items of these subject slugs


# --- inputs ------------------------------------------------------------------------------------


def collect_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Expand files and folders (sorted, hidden files skipped). A missing path is an error."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if not p.exists():
            raise InputError(f"no such file or folder: {p}")
        if p.is_dir():
            files = sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            files = [f for f in files if f.suffix.lower() not in IGNORED_SUFFIXES]
            if not files:
                raise InputError(f"folder has no files to read: {p}")
            out.extend(files)
        else:
            out.append(p)
    return out


def read_document(path: Path) -> Document:
    doc = Document(origin=str(path))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            doc.error = f"file is too large to be a feed ({size} bytes)"
        else:
            doc.body = path.read_bytes()
    except OSError as exc:
        doc.error = f"cannot read file: {exc.strerror or exc}"
    return doc


def derive_source_key(parsed: ParsedFeed) -> str:
    """A stable key from the content, so saved files share history with configured sources; at most
    SOURCE_KEY_CHARS (a long one, such as a feed of 40 arXiv categories, ends in a hash of the whole)."""
    key = _content_key(parsed)
    if len(key) <= SOURCE_KEY_CHARS:
        return key
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return f"{key[: SOURCE_KEY_CHARS - 13]}-{digest}"


def _content_key(parsed: ParsedFeed) -> str:
    meta = parsed.meta
    if meta.format.startswith("arxiv"):
        return "arxiv-" + "+".join(meta.categories) if meta.categories else "arxiv-api"
    if meta.format == "rxiv-json":
        servers = {r.server for r in parsed.records} or {"biorxiv"}
        return "+".join(sorted(servers))
    if meta.format == "rxiv-rss":
        server = parsed.records[0].server if parsed.records else "biorxiv"
        m = re.search(r"Collection:\s*(.+)$", meta.title)
        return f"{server}-{_slug(m.group(1))}" if m else server
    return _slug(meta.title) or "journal"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


# --- the core ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    doc: Document
    feed: ParsedFeed | None
    key: str
    error: str | None
    parse_ms: int = 0


def _parse(doc: Document) -> _Parsed:
    started = time.perf_counter()
    if doc.error or doc.body is None and not (doc.fetch and doc.fetch.not_modified):
        return _Parsed(doc, None, doc.source_key or _file_key(doc.origin), doc.error or "no body")
    if doc.body is None:  # 304 Not Modified
        return _Parsed(doc, None, doc.source_key or _file_key(doc.origin), None)
    try:
        feed = parse_document(doc.body, label=doc.label)
    except FeedError as exc:
        return _Parsed(doc, None, doc.source_key or _file_key(doc.origin), str(exc))
    except Exception as exc:  # a parser bug on odd input must not cost the other sources
        return _Parsed(
            doc, None, doc.source_key or _file_key(doc.origin), f"could not parse: {exc.__class__.__name__}: {exc}"
        )
    key = doc.source_key or derive_source_key(feed)
    if doc.subjects is not None:
        feed.records = [r for r in feed.records if any(slug(c) in doc.subjects for c in r.categories)]
    return _Parsed(doc, feed, key, None, int((time.perf_counter() - started) * 1000))


def _file_key(origin: str) -> str:
    return "file-" + _slug(Path(origin).stem)


def ingest_documents(
    engine: Engine,
    docs: list[Document],
    *,
    day: date,
    settings: Settings,
    holidays: frozenset[date] = frozenset(),
    run_id: str | None = None,
) -> IngestReport:
    run_id = run_id or uuid.uuid4().hex[:12]
    parsed = [_parse(d) for d in docs]
    batches = [
        Batch(source_key=p.key, records=p.feed.records, include_replacements=p.doc.include_replacements)
        for p in parsed
        if p.feed is not None
    ]
    now = settings.clock.now()
    with session_scope(engine) as session:
        healths = [
            assess(
                meta=p.feed.meta if p.feed else None,
                items=len(p.feed.records) if p.feed else 0,
                day=day,
                error=p.error,
                not_modified=bool(p.doc.fetch and p.doc.fetch.not_modified),
                history=store.item_history(session, p.key),
                holidays=holidays,
                suspect_ratio=settings.suspect_ratio,
            )
            for p in parsed
        ]
        held, kept = _verdict(session, parsed, healths, day, settings)
        store.set_hold(session, day, held, now=now)  # committed with the papers: never a moment unheld
        known = store.load_known(session, batches, preprints_since=day - timedelta(days=settings.preprint_match_days))
        outcome = merge_batches(batches, known)
        added = store.apply_outcome(session, outcome, day, now=now)
        logs, sources = [], []
        for p, health in zip(parsed, healths, strict=True):
            items = len(p.feed.records) if p.feed else 0
            f = p.doc.fetch
            note = health.note
            if p.feed and p.feed.warnings:
                note = "; ".join(filter(None, [note, *p.feed.warnings]))
            if p.feed and p.feed.rejected:
                note = "; ".join(filter(None, [note, f"{len(p.feed.rejected)} item(s) skipped, each with its reason"]))
            if p.feed and p.feed.bounded:
                cut = len({n.item for n in p.feed.bounded})
                note = "; ".join(filter(None, [note, f"{cut} item(s) kept with a field cut or a link dropped"]))
            if p.doc.optional and health.status in BAD:
                note = "; ".join(filter(None, [note, OPTIONAL_NOTE]))
            log = FetchLog(
                run_id=run_id,
                edition_date=day,
                source_key=p.key,
                url=p.doc.origin,
                http_status=f.status if f else None,
                items=items,
                new_papers=outcome.new_by_source.get(p.key, 0),
                bytes=len(p.doc.body or b""),
                duration_ms=(f.duration_ms if f else 0) + p.parse_ms,
                etag=f.etag if f else None,
                last_modified=f.last_modified if f else None,
                health=health.status,
                error=p.error,
            )
            logs.append(log)
            sources.append(
                SourceReport(
                    key=p.key,
                    origin=p.doc.origin,
                    format=p.feed.meta.format if p.feed else "",
                    status=log.http_status,
                    items=items,
                    new=log.new_papers,
                    bytes=log.bytes,
                    duration_ms=log.duration_ms,
                    health=health.status,
                    note=note,
                    error=p.error,
                    rejected=[str(n) for n in p.feed.rejected] if p.feed else [],
                    bounded=[str(n) for n in p.feed.bounded] if p.feed else [],
                )
            )
        store.add_fetch_logs(session, logs)
    merges: dict[str, int] = {}
    for m in outcome.merges:
        merges[m.reason] = merges.get(m.reason, 0) + 1
    return IngestReport(
        run_id=run_id,
        edition_date=day,
        sources=sources,
        new_papers=len(outcome.created),
        updated_papers=len(outcome.updated),
        merges=merges,
        edition_added=added,
        held=held,
        kept=kept,
        feeds_dated=own_date([p.feed for p in parsed if p.feed is not None]),
    )


def _verdict(session, parsed: list[_Parsed], healths: list[Health], day: date, settings: Settings):
    """(why the day is held, or None; why this run failed although the day's edition, made by an earlier
    run of the day, is kept, or None). See ``health.judge_day`` for the policy."""
    states = [
        SourceState(p.key, h.status, is_unreachable(p.error))
        for p, h in zip(parsed, healths, strict=True)
        if not p.doc.optional  # a feed only readers chose is reported, never holds the day
    ]
    held = judge_day(states, store.usual_new_papers(session, before=day), hold_share=settings.hold_share)
    trusted_before, _ = store.edition_state(session, day)
    if held and trusted_before:  # a refetch that failed does not spoil a day that was complete
        return None, held
    return held, None


def ensure_trusted(report: IngestReport) -> IngestReport:
    """The report, or ``EditionHeld`` when its day cannot be trusted (what every run that sends checks)."""
    if report.held:
        raise EditionHeld(report.edition_date, report.held, report)
    return report


def ensure_not_held(engine: Engine, day: date) -> None:
    """``EditionHeld`` when an earlier ingest held the day (for runs that do not ingest it again)."""
    with session_scope(engine) as session:
        _, held = store.edition_state(session, day)
    if held:
        raise EditionHeld(day, f"{held} (found by an earlier ingest of the day: ingest it again)")


# --- one source, one file, one run ------------------------------------------------------------------


def fetch_document(source: Source, fetcher: Fetcher, engine: Engine, day: date) -> Document:
    """Conditional GET of one source. Retries live in the Fetcher (Retry-After aware)."""
    with session_scope(engine) as session:
        etag, modified = store.last_validators(session, source.key)
    result = fetch_rxiv_pages(fetcher, source.url_for(day), etag=etag, last_modified=modified)
    return Document(
        origin=result.url,
        body=result.body,
        source_key=source.key,
        label=source.label,
        include_replacements=source.include_replacements,
        error=result.error,
        fetch=result,
        optional=source.optional,
        subjects=source.subjects,
    )


def source_config(
    settings: Settings,
    *,
    paths: list[str] | None,
    config: SourceConfig | None = None,
    engine: Engine | None = None,
) -> SourceConfig:
    """The run's sources and arXiv holidays: ``config`` if given; else, when reading ``paths``, the
    sources file's holidays (a missing or bad file means none); else the day's fetch plan: the sources
    file's feeds and, with ``engine``, what the readers chose from the catalogue (``papers.plan``)."""
    if config is not None:
        return config
    if paths:
        return _maybe_sources(settings)
    defaults = load_sources(settings.sources_file)
    if engine is None:
        return defaults
    return day_plan(defaults, engine).config


def day_plan(defaults: SourceConfig, engine: Engine) -> FetchPlan:
    """The fetch plan for ``defaults`` and the readers in the database now."""
    with session_scope(engine) as session:
        wants = reader_wants(session)
    return build_plan(defaults, bundled_catalogue(), wants)


def _maybe_sources(settings: Settings) -> SourceConfig:
    try:
        return load_sources(settings.sources_file)
    except Exception:
        return SourceConfig(sources=())


def run_ingest(
    settings: Settings,
    engine: Engine,
    *,
    paths: list[str] | None,
    day: date,
    config: SourceConfig | None = None,
    fetcher: Fetcher | None = None,
) -> IngestReport:
    """A whole ingest run: read ``paths`` (files and folders) or fetch the configured sources, then
    parse, deduplicate and store. The ``ingest`` flow does the same through tasks, with an artifact."""
    if paths:
        docs = [read_document(p) for p in collect_paths(paths)]
        holidays = source_config(settings, paths=paths, config=config).arxiv_holidays
    else:
        config = source_config(settings, paths=paths, config=config, engine=engine)
        holidays = config.arxiv_holidays
        with fetcher or Fetcher(settings) as client:
            docs = [fetch_document(s, client, engine, day) for s in config.sources]
    return ingest_documents(engine, docs, day=day, settings=settings, holidays=holidays)
