"""All paper storage behind one small module: load what a batch needs, write what it produced."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from academichub.db import chunks, insert_for, insert_new
from academichub.models import Edition, EditionPaper, FetchLog, Listing, Paper, PaperAlias
from academichub.papers.dedupe import Batch, Known, Outcome, PaperState, surnames

PREPRINT_SERVERS = ("arxiv", "biorxiv", "medrxiv")


def to_state(p: Paper) -> PaperState:
    return PaperState(**{name: getattr(p, name) for name in PaperState.__slots__})


def load_known(session: Session, batches: list[Batch], *, preprints_since: date | None) -> Known:
    """Aliases and papers for every id in the batches, and recent preprints when journal
    articles need to be compared with them."""
    ids = {a for b in batches for r in b.records for a in (r.id, *r.aliases, *([f"doi:{r.doi}"] if r.doi else []))}
    known = Known()
    for chunk in chunks(sorted(ids)):
        for alias, pid in session.exec(
            select(PaperAlias.alias, PaperAlias.paper_id).where(col(PaperAlias.alias).in_(chunk))
        ):
            known.aliases[alias] = pid
    canonical = sorted(set(known.aliases.values()))
    for chunk in chunks(canonical):
        for paper in session.exec(select(Paper).where(col(Paper.id).in_(chunk))):
            known.papers[paper.id] = to_state(paper)
    needs_preprints = any(r.server == "journal" and r.kind == "article" for b in batches for r in b.records)
    if needs_preprints and preprints_since is not None:
        rows = session.exec(
            select(Paper.id, Paper.title_key, col(Paper.authors))
            .where(col(Paper.server).in_(PREPRINT_SERVERS))
            .where((col(Paper.published) >= preprints_since) | (col(Paper.published).is_(None)))
        )
        known.preprints = [(pid, key, surnames(authors or [])) for pid, key, authors in rows]
    return known


def apply_outcome(session: Session, outcome: Outcome, day: date, *, now: datetime) -> int:
    """Write a merge outcome at ``now`` (the run's clock); returns how many papers joined the day's edition."""
    created = set(outcome.created)
    new_rows = [dict(outcome.papers[pid].as_dict(), first_seen=now, updated_at=now) for pid in outcome.created]
    insert_new(session, Paper, new_rows)
    changed = [dict(outcome.papers[pid].as_dict(), updated_at=now) for pid in outcome.updated if pid not in created]
    for chunk in chunks(changed, 500):
        session.execute(update(Paper), chunk)
    alias_rows = [{"alias": a, "paper_id": p} for a, p in outcome.new_aliases.items()]
    insert_new(session, PaperAlias, alias_rows)
    listing_rows = [
        {"source_key": s, "paper_id": p, "announce_type": t or "", "edition_date": day, "seen_at": now}
        for s, p, t in sorted(outcome.listings, key=lambda x: (x[0], x[1], x[2] or ""))
    ]
    insert_new(session, Listing, listing_rows)
    added = add_to_edition(session, day, list(outcome.edition.items()), now=now)
    session.commit()
    return added


def add_to_edition(session: Session, day: date, entries: list[tuple[str, str]], *, now: datetime) -> int:
    """The day's edition (stamped ``now`` when it is first made: deliver-due schedules from it) with ``entries``."""
    session.execute(
        insert_for(session, Edition).values(date=day, created_at=now, updated_at=now).on_conflict_do_nothing()
    )
    if not entries:
        return 0
    present: set[str] = set()
    ids = [pid for pid, _ in entries]
    for chunk in chunks(ids):
        present.update(
            session.exec(
                select(EditionPaper.paper_id).where(
                    EditionPaper.edition_date == day, col(EditionPaper.paper_id).in_(chunk)
                )
            )
        )
    fresh = [(pid, label) for pid, label in entries if pid not in present]
    if not fresh:
        return 0
    start = session.exec(
        select(func.coalesce(func.max(EditionPaper.position), 0)).where(EditionPaper.edition_date == day)
    ).one()
    rows = [
        {"edition_date": day, "paper_id": pid, "position": start + i, "source_label": label}
        for i, (pid, label) in enumerate(fresh, 1)
    ]
    insert_new(session, EditionPaper, rows)
    session.execute(update(Edition).where(col(Edition.date) == day).values(updated_at=now))
    return len(fresh)


# --- fetch log -----------------------------------------------------------------------------


def last_validators(session: Session, source_key: str) -> tuple[str | None, str | None]:
    """ETag and Last-Modified of the newest successful fetch of a source."""
    row = session.exec(
        select(FetchLog.etag, FetchLog.last_modified)
        .where(FetchLog.source_key == source_key, col(FetchLog.error).is_(None), FetchLog.http_status == 200)
        .order_by(col(FetchLog.fetched_at).desc(), col(FetchLog.id).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def item_history(session: Session, source_key: str, *, limit: int = 10) -> list[int]:
    """Item counts of a source's recent healthy fetches (announcement days), oldest first."""
    rows = session.exec(
        select(FetchLog.items)
        .where(FetchLog.source_key == source_key, FetchLog.health == "ok", FetchLog.items > 0)
        .order_by(col(FetchLog.fetched_at).desc(), col(FetchLog.id).desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def usual_new_papers(session: Session, *, before: date, window: int = 21, min_days: int = 3) -> dict[str, float]:
    """Each source's usual new papers a day: the mean, over the days of the ``window`` before
    ``before`` on which it was healthy, of what it added that day (the best of that day's runs).
    Empty when fewer than ``min_days`` days have any healthy fetch (too little history to judge)."""
    rows = session.exec(
        select(col(FetchLog.edition_date), FetchLog.source_key, func.max(FetchLog.new_papers))
        .where(
            FetchLog.health == "ok",
            col(FetchLog.edition_date) < before,
            col(FetchLog.edition_date) >= before - timedelta(days=window),
        )
        .group_by(col(FetchLog.edition_date), col(FetchLog.source_key))
    ).all()
    if len({d for d, _k, _n in rows}) < min_days:
        return {}
    total: dict[str, float] = {}
    days: dict[str, int] = {}
    for _day, key, new in rows:
        total[key] = total.get(key, 0.0) + (new or 0)
        days[key] = days.get(key, 0) + 1
    return {k: total[k] / days[k] for k in total}


def edition_state(session: Session, day: date) -> tuple[bool, str | None]:
    """Whether the day's edition has papers and is not held (an earlier run of the day made it), and
    why it is held (None when it is not)."""
    held = session.exec(select(Edition.held).where(Edition.date == day)).first()
    has_papers = session.exec(select(EditionPaper.paper_id).where(EditionPaper.edition_date == day).limit(1)).first()
    return (has_papers is not None and held is None), held


def set_hold(session: Session, day: date, reason: str | None, *, now: datetime) -> None:
    """Hold the day's edition (``reason``: nobody is sent it) or lift the hold (None). Lifting restamps
    the edition ``now``: deliver-due schedules readers from the time it could be trusted."""
    if reason:
        session.execute(
            insert_for(session, Edition).values(date=day, created_at=now, updated_at=now).on_conflict_do_nothing()
        )
        session.execute(update(Edition).where(col(Edition.date) == day).values(held=reason[:500], updated_at=now))
    else:
        session.execute(
            update(Edition)
            .where(col(Edition.date) == day, col(Edition.held).is_not(None))
            .values(held=None, created_at=now, updated_at=now)
        )


def add_fetch_logs(session: Session, logs: Iterable[FetchLog]) -> None:
    session.add_all(list(logs))
    session.commit()


# --- reading editions ------------------------------------------------------------------------


def latest_edition_date(session: Session) -> date | None:
    return session.exec(
        select(col(Edition.date))
        .join(EditionPaper, col(EditionPaper.edition_date) == Edition.date)
        .order_by(col(Edition.date).desc())
        .limit(1)
    ).first()


def edition_papers(session: Session, day: date, since: date | None = None) -> list[tuple[Paper, str]]:
    """The papers of one edition (or of the editions ``since``..``day``, newest first, each paper
    once) with the label it is listed under, in edition order."""
    rows = session.exec(
        select(Paper, EditionPaper.source_label)
        .join(EditionPaper, col(EditionPaper.paper_id) == Paper.id)
        .where(
            EditionPaper.edition_date == day
            if since is None
            else (EditionPaper.edition_date >= since) & (EditionPaper.edition_date <= day)
        )
        .order_by(col(EditionPaper.edition_date).desc(), col(EditionPaper.position))
    ).all()
    seen: set[str] = set()
    out = []
    for paper, label in rows:
        if paper.id not in seen:
            seen.add(paper.id)
            out.append((paper, label))
    return out


def recent_corpus(session: Session, *, until: date, days: int = 30, limit: int = 20000) -> list[tuple[str, str, str]]:
    """(id, title, abstract) of papers first listed in the editions of the last ``days`` days:
    the rolling window that TF-IDF weights are fitted on."""
    since = until - timedelta(days=days)
    rows = session.exec(
        select(Paper.id, Paper.title, Paper.abstract)
        .join(EditionPaper, col(EditionPaper.paper_id) == Paper.id)
        .where(EditionPaper.edition_date > since, EditionPaper.edition_date <= until)
        .limit(limit)
    ).all()
    return [(pid, title, abstract) for pid, title, abstract in rows]


def paper_texts(session: Session, ids: list[str]) -> dict[str, str]:
    """Title-weighted text of papers (for feedback, which may name papers of earlier days)."""
    out: dict[str, str] = {}
    for chunk in chunks(ids):
        for pid, title, abstract in session.exec(
            select(Paper.id, Paper.title, Paper.abstract).where(col(Paper.id).in_(chunk))
        ):
            out[pid] = f"{title}. {title}. {abstract}"
    return out
