"""A researcher's own publications from an ORCID iD, through OpenAlex's works API
(``/works?filter=author.orcid:<iD>&per-page=200``, cursor paging). Each work becomes a library entry:
``title`` (or ``display_name``), the abstract rebuilt from ``abstract_inverted_index``, the
``publication_year``, the DOI, and an arXiv id when a location is arXiv's (an arXiv DOI or abs link).

The answer is untrusted like any other: at most ``MAX_WORKS`` works in ``MAX_PAGES`` pages of at most
``PAGE_BYTES`` (200 full work records are a few MB), an inverted index of at most ``MAX_WORDS``
positions; a failure is a ``SyncError`` and the caller keeps the previous library."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from academichub.papers.fetch import Fetcher, retry_after_seconds
from academichub.papers.library import ABSTRACT_MAX, LibraryEntry, LibraryParse, make_entry
from academichub.papers.zotero import MAX_PAGE_CONTAINERS, PAGE_BYTES, SyncError, too_many_containers
from academichub.settings import Settings

PER_PAGE = 200  # OpenAlex's largest page
MAX_WORKS = 2000
MAX_PAGES = 10
MAX_WORDS = 5000  # positions of an abstract read from its inverted index


@dataclass(slots=True)
class OrcidWorks:
    entries: list[LibraryEntry] = field(default_factory=list)
    total: int | None = None  # what OpenAlex counts for the iD
    problems: list[str] = field(default_factory=list)
    truncated: bool = False


def abstract_from_index(index: object, limit: int = ABSTRACT_MAX) -> str:
    """The abstract OpenAlex stores as ``{word: [positions]}``: the words put back in position order.
    Anything that is not a word with integer positions is ignored; positions past ``MAX_WORDS`` too,
    and past ``MAX_WORDS`` positions in all."""
    if not isinstance(index, dict):
        return ""
    at: dict[int, str] = {}
    budget = MAX_WORDS  # positions looked at in all (5,000 of each of 5,000 words were 25 million steps)
    for word, positions in list(index.items())[:MAX_WORDS]:
        if not isinstance(word, str) or not isinstance(positions, list) or len(word) > 200:
            continue
        if budget <= 0:
            break
        taken = positions[:budget]
        budget -= len(taken)
        for pos in taken:
            if isinstance(pos, int) and not isinstance(pos, bool) and 0 <= pos < MAX_WORDS:
                at.setdefault(pos, word)
    text = " ".join(at[p] for p in sorted(at))
    return text[: limit * 2]


def _arxiv_locations(work: dict) -> list[str]:
    locations = work.get("locations")
    out = []
    for loc in locations[:50] if isinstance(locations, list) else []:
        if isinstance(loc, dict):
            for key in ("landing_page_url", "pdf_url"):
                value = loc.get(key)
                if isinstance(value, str) and "arxiv.org" in value:
                    out.append(value)
    return out


def fetch_orcid_works(orcid: str, fetcher: Fetcher, settings: Settings) -> OrcidWorks:
    """Every work OpenAlex attributes to the iD (already checked by ``subscribers.libsources.orcid_id``)."""
    out = OrcidWorks()
    parse = LibraryParse(format="openalex")
    cursor = "*"
    base = settings.library_openalex_api.rstrip("/") + "/works"
    for page in range(MAX_PAGES):
        query = {"filter": f"author.orcid:{orcid}", "per-page": PER_PAGE, "cursor": cursor}
        if settings.contact:
            query["mailto"] = settings.contact  # OpenAlex's polite pool
        result = fetcher.get(f"{base}?{urlencode(query, safe=':*@')}", keep=("Retry-After",))
        if result.status != 200 or result.body is None:
            raise _failure(result.status, result.error, result.headers.get("retry-after"), orcid)
        if too_many_containers(result.body):
            raise SyncError(f"OpenAlex's answer holds more than {MAX_PAGE_CONTAINERS:,} objects and lists: not read")
        try:
            data = json.loads(result.body)
        except (ValueError, RecursionError):
            raise SyncError("OpenAlex's answer is not valid JSON (a broken or cut answer)") from None
        works = data.get("results") if isinstance(data, dict) else None
        meta = data.get("meta") if isinstance(data, dict) else None
        if not isinstance(works, list) or not isinstance(meta, dict):
            raise SyncError("OpenAlex's answer is not a list of works (no results and meta)")
        if page == 0 and isinstance(meta.get("count"), int):
            out.total = meta["count"]
        for number, work in enumerate(works, len(parse.entries) + len(parse.problems) + 1):
            if len(parse.entries) >= MAX_WORKS:
                out.truncated = True
                break
            if not isinstance(work, dict):
                parse.problem(f"work {number}", "not an object")
                continue
            ids = work["ids"] if isinstance(work.get("ids"), dict) else {}
            title = work.get("title") if isinstance(work.get("title"), str) else work.get("display_name")
            make_entry(
                parse,
                f"work {number} ({str(work.get('id', ''))[-20:]})",
                ids=[*_arxiv_locations(work), work.get("doi"), ids.get("doi")],
                title=title if isinstance(title, str) else "",
                abstract=abstract_from_index(work.get("abstract_inverted_index")),
                year=[work.get("publication_year"), work.get("publication_date")],
            )
        after = meta.get("next_cursor")
        if not works or not isinstance(after, str) or not after or len(after) > 2000 or out.truncated:
            break
        cursor = after
    else:
        out.truncated = True
    for e in parse.entries:
        e.source = "openalex"
    out.entries, out.problems = parse.entries, parse.problem_lines()
    return out


def _failure(status: int | None, error: str | None, retry_after: str | None, orcid: str) -> SyncError:
    wait = retry_after_seconds(retry_after)
    if status in (429, 503):
        asked = f"; it asked to wait {wait:.0f} s" if wait else ""
        return SyncError(f"OpenAlex is limiting requests (HTTP {status}{asked}): tried again later", retry_after=wait)
    if status in (400, 404):
        return SyncError(f"OpenAlex did not accept the query for ORCID {orcid} (HTTP {status})")
    if error and "larger than" in error:
        return SyncError(f"OpenAlex's answer is larger than {PAGE_BYTES:,} bytes: not read")
    return SyncError(f"OpenAlex could not be read ({error or f'HTTP {status}'})")
