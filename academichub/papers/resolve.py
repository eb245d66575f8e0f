"""Filling in a library's bare ids (a line ``2401.01234`` or ``10.1038/…`` with no title): first from
the stored papers (``paper`` and ``paper_alias``), then, unless offline, from the arXiv API (one
request per 50 ids) and Crossref (one request per DOI), through the project's polite fetcher with a
short connect timeout and no connect retries, so a machine without network fails fast with a note.
What cannot be resolved is kept as an id and listed; it counts for nothing in matching until it is."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote

import feedparser
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from academichub.db import session_scope
from academichub.models import Paper, PaperAlias
from academichub.papers.fetch import Fetcher, is_too_slow, is_unreachable
from academichub.papers.library import ABSTRACT_MAX, TITLE_MAX, LibraryEntry, clean_text, year_of
from academichub.papers.normalise import find_arxiv_id
from academichub.papers.records import FeedError
from academichub.papers.xmlguard import as_checked_utf8
from academichub.papers.zotero import MAX_PAGE_CONTAINERS, too_many_containers
from academichub.settings import Settings

ONLINE_MAX = 200  # ids looked up online in one go; the rest are left as ids (and said so)
ARXIV_BATCH = 50
RESPONSE_MAX = 4 * 1024 * 1024


@dataclass(slots=True)
class Resolution:
    corpus: int = 0
    arxiv: int = 0
    crossref: int = 0
    unresolved: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{n} from {where}" for n, where in ((self.corpus, "the stored papers"), (self.arxiv, "arXiv"))]
        parts.append(f"{self.crossref} from Crossref")
        text = "resolved " + ", ".join(parts)
        if self.unresolved:
            shown = ", ".join(self.unresolved[:5]) + (" …" if len(self.unresolved) > 5 else "")
            text += f"; {len(self.unresolved)} id(s) not resolved ({shown})"
        return text


def resolve_entries(
    entries: list[LibraryEntry],
    engine: Engine,
    settings: Settings,
    *,
    offline: bool | None = None,
    fetcher: Fetcher | None = None,
) -> Resolution:
    """Fill titles (and missing abstracts) of entries that have an id, in place."""
    out = Resolution()
    from_corpus(entries, engine, out)
    missing = [e for e in entries if e.id and not e.title]
    if missing and not (settings.library_offline if offline is None else offline):
        own = fetcher is None
        fetcher = fetcher or Fetcher(_quick(settings), max_bytes=RESPONSE_MAX)
        try:
            online = missing[:ONLINE_MAX]
            if len(missing) > ONLINE_MAX:
                out.notes.append(f"only the first {ONLINE_MAX} ids were looked up online")
            from_arxiv([e for e in online if not (e.id or "").startswith("doi:")], fetcher, settings, out)
            from_crossref([e for e in online if (e.id or "").startswith("doi:")], fetcher, settings, out)
        finally:
            if own:
                fetcher.close()
    elif missing:
        out.notes.append("offline: ids not in the stored papers were not looked up on arXiv or Crossref")
    out.unresolved = [e.id for e in entries if e.id and not e.title]
    return out


def _quick(settings: Settings) -> Settings:
    """The fetcher's settings for look-ups a person waits for: fail fast when there is no network."""
    return settings.model_copy(
        update={
            "http_connect_timeout": min(settings.http_connect_timeout, 5.0),
            "http_timeout": min(settings.http_timeout, 20.0),
            "http_deadline": min(settings.http_deadline, 20.0),
            "http_connect_retries": 0,
            "http_retries": min(settings.http_retries, 1),
        }
    )


def from_corpus(entries: list[LibraryEntry], engine: Engine, out: Resolution) -> None:
    ids = sorted({e.id for e in entries if e.id and (not e.title or not e.abstract)})
    if not ids:
        return
    found: dict[str, Paper] = {}
    with session_scope(engine) as session:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            aliases = dict(
                session.exec(
                    select(PaperAlias.alias, PaperAlias.paper_id).where(col(PaperAlias.alias).in_(chunk))
                ).all()
            )
            wanted = set(chunk) | set(aliases.values())
            papers = {p.id: p for p in session.exec(select(Paper).where(col(Paper.id).in_(sorted(wanted))))}
            for pid in chunk:
                paper = papers.get(pid) or papers.get(aliases.get(pid, ""))
                if paper is not None:
                    found[pid] = paper
    for e in entries:
        paper = found.get(e.id or "")
        if paper is None:
            continue
        if not e.title:
            e.title, e.source = clean_text(paper.title, TITLE_MAX), "corpus"
            out.corpus += 1
        e.abstract = e.abstract or clean_text(paper.abstract, ABSTRACT_MAX)
        e.year = e.year or (paper.published.year if paper.published else None)


def _failed(fetcher: Fetcher, what: str, error: str | None, left: int, out: Resolution) -> bool:
    """Note a failed look-up; True when the host cannot be reached or trickles its answers (stop
    asking it: a person is waiting, and each look-up would cost the whole deadline again)."""
    out.notes.append(f"{what} look-up failed ({error}): {left} id(s) left unresolved")
    return is_unreachable(error) or is_too_slow(error) or fetcher.offline


def from_arxiv(entries: list[LibraryEntry], fetcher: Fetcher, settings: Settings, out: Resolution) -> None:
    """arXiv API Atom: one ``<entry>`` per id (``<id>`` the abs URL with version, ``<title>``,
    ``<summary>``, ``<published>``); an unknown id comes back as an entry titled ``Error``."""
    by_id = {e.id: e for e in entries if e.id}
    ids = sorted(by_id)
    for start in range(0, len(ids), ARXIV_BATCH):
        chunk = ids[start : start + ARXIV_BATCH]
        url = f"{settings.library_arxiv_api}?id_list={','.join(quote(i, safe='/.') for i in chunk)}"
        result = fetcher.get(url + f"&max_results={len(chunk)}")
        if result.body is None:
            if _failed(fetcher, "arXiv", result.error, len(ids) - start, out):
                return
            continue
        try:
            feed = feedparser.parse(as_checked_utf8(result.body))
        except FeedError as exc:
            out.notes.append(f"arXiv answered with something that is not its feed: {exc}")
            continue
        for item in feed.entries[: len(chunk)]:
            found = find_arxiv_id(str(item.get("id", "")), str(item.get("link", "")))
            entry = by_id.get(found[0]) if found else None
            title = clean_text(item.get("title"), TITLE_MAX)
            if entry is None or not title or title.casefold() == "error":
                continue
            entry.title, entry.source = title, "arxiv"
            entry.abstract = entry.abstract or clean_text(item.get("summary"), ABSTRACT_MAX)
            entry.year = entry.year or year_of(str(item.get("published", "")))
            out.arxiv += 1


def from_crossref(entries: list[LibraryEntry], fetcher: Fetcher, settings: Settings, out: Resolution) -> None:
    """Crossref ``/works/{DOI}``: ``{"status": "ok", "message": {"title": [..], "abstract": "<jats:p>…",
    "issued": {"date-parts": [[2020, 9, 16]]}}}``; an unknown DOI is a 404."""
    for number, entry in enumerate(entries):
        doi = (entry.id or "")[4:]
        result = fetcher.get(f"{settings.library_crossref_api}/{quote(doi, safe='/()')}")
        if result.body is None:
            if result.status == 404:
                out.notes.append(f"Crossref does not know {entry.id}")
                continue
            if _failed(fetcher, "Crossref", result.error, len(entries) - number, out):
                return
            continue
        if too_many_containers(result.body):  # json.loads would make an object of each
            out.notes.append(
                f"Crossref's answer for {entry.id} holds more than {MAX_PAGE_CONTAINERS:,} objects and lists"
            )
            continue
        try:
            message = json.loads(result.body).get("message")
        except (ValueError, AttributeError):
            message = None
        if not isinstance(message, dict):
            out.notes.append(f"Crossref's answer for {entry.id} is not a work record")
            continue
        titles = message.get("title")
        title = clean_text(titles[0] if isinstance(titles, list) and titles else titles, TITLE_MAX)
        if not title:
            continue
        issued = message.get("issued")
        parts = issued.get("date-parts") if isinstance(issued, dict) else None
        first = parts[0][0] if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0] else None
        entry.title, entry.source = title, "crossref"
        abstract = message.get("abstract")
        entry.abstract = entry.abstract or (clean_text(abstract, ABSTRACT_MAX) if isinstance(abstract, str) else "")
        entry.year = entry.year or year_of(first)
        out.crossref += 1
