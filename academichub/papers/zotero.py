"""A reader's Zotero library through Zotero's web API v3: the top-level items of a user or group
library (``/items/top``, or ``/collections/<key>/items/top`` for some collections) become library
entries (title, ``abstractNote``, ``date``, ``DOI``, arXiv ids from ``archiveID``/``url``/``extra``);
notes, attachments and annotations are skipped.

- Requests carry ``Zotero-API-Key`` and ``Zotero-API-Version: 3`` and never follow a redirect (the
  key goes to Zotero's host only); the key is never put in a URL, a message or a log line.
- Pages of 100 (``start``), until ``Total-Results`` or a ``Link`` without ``rel="next"``; at most
  ``MAX_ITEMS`` items and ``PAGE_BYTES`` a page, so a huge answer is refused, not held.
- Incremental: the library's ``Last-Modified-Version`` is kept; the next refresh sends it as
  ``If-Modified-Since-Version`` (304: nothing changed), then reads only ``?since=`` that version
  (trashed items too, to drop them) and ``/deleted?since=`` for the keys removed since.
- A ``Backoff`` header is honoured between pages (``MAX_BACKOFF`` seconds in all for one refresh,
  past which it fails and waits until the next); a 429/503 is retried by the fetcher (Retry-After),
  and if it persists the refresh fails with the wait Zotero asked for.
- Every failure is a ``SyncError`` with a specific message: the caller keeps the previous library.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from academichub.papers.fetch import Fetcher, FetchResult, retry_after_seconds
from academichub.papers.library import LibraryEntry, LibraryParse, make_entry
from academichub.settings import Settings

PAGE = 100  # Zotero's largest page
MAX_ITEMS = 2000  # as for a library file
MAX_PAGES = 40  # items of all kinds (notes, attachments) count towards pages
PAGE_BYTES = 16 * 1024 * 1024  # a page of an API's answer (100 Zotero items are well under 1 MB)
# "{" and "[" in one page: json.loads makes an object of each (5.5 million empty ones, 16 MB, peaked at
# 399 MiB); 100 Zotero items hold a few thousand, 200 OpenAlex works some tens of thousands
MAX_PAGE_CONTAINERS = 400_000
MAX_BACKOFF = 120.0  # seconds one refresh may wait between pages in all (a Backoff on every page)
SKIPPED_TYPES = frozenset({"note", "attachment", "annotation"})
_HEADERS = ("Total-Results", "Link", "Last-Modified-Version", "Backoff", "Retry-After")
_NEXT = re.compile(r'<[^>]*>\s*;\s*rel="?next"?')


class SyncError(Exception):
    """A refresh that failed as a whole; ``retry_after``: seconds the service asked us to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(slots=True)
class ZoteroChanges:
    """What a refresh read: ``entries`` by item key (None: the item left the library or the chosen
    collections, or is no paper), ``deleted`` keys, whether it was the whole library (``full``)."""

    version: int | None
    full: bool
    not_modified: bool = False
    entries: dict[str, LibraryEntry | None] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    skipped: int = 0  # notes, attachments, annotations
    problems: list[str] = field(default_factory=list)
    backoff: float | None = None  # seconds Zotero asked clients to wait (the Backoff header)
    truncated: bool = False
    waited: float = 0.0  # seconds slept between pages for Backoff


def fetch_zotero(
    ref: str,
    key: str,
    collections: list[str],
    fetcher: Fetcher,
    settings: Settings,
    *,
    since: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ZoteroChanges:
    """Read a library (``ref`` ``users/ID`` or ``groups/ID``): all of it, or what changed since ``since``."""
    base = settings.library_zotero_api.rstrip("/") + "/" + ref
    headers = {"Zotero-API-Key": key, "Zotero-API-Version": "3"}
    if since is None:
        out = ZoteroChanges(version=None, full=True)
        paths = [f"/collections/{c}/items/top" for c in collections] or ["/items/top"]
        for path in paths:
            _read_items(base + path, {}, headers, out, fetcher, sleep, wanted=None)
        return out
    out = ZoteroChanges(version=None, full=False)
    changed = _read_items(
        base + "/items/top",
        {"since": str(since), "includeTrashed": "1"},
        {**headers, "If-Modified-Since-Version": str(since)},
        out,
        fetcher,
        sleep,
        wanted=set(collections) or None,
    )
    if not changed:
        out.not_modified = True
        out.version = out.version or since
        return out
    result = fetcher.get(
        f"{base}/deleted?{urlencode({'since': since})}", headers=headers, keep=_HEADERS, redirects=False
    )
    data = _json(_checked(result, "the deleted items"), "the deleted items")
    keys = data.get("items") if isinstance(data, dict) else None
    if not isinstance(keys, list):
        raise SyncError("Zotero's list of deleted items is not the expected JSON object")
    out.deleted = [k for k in keys[:10_000] if isinstance(k, str) and len(k) <= 16]
    return out


def _read_items(
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    out: ZoteroChanges,
    fetcher: Fetcher,
    sleep: Callable[[float], None],
    *,
    wanted: set[str] | None,
) -> bool:
    """Page through one item list into ``out``; False when Zotero answered 304 (nothing changed)."""
    start = 0
    for page in range(MAX_PAGES):
        query = urlencode({**params, "format": "json", "include": "data", "limit": PAGE, "start": start})
        result = fetcher.get(f"{url}?{query}", headers=headers, keep=_HEADERS, redirects=False)
        if result.status == 304 and page == 0:
            return False
        items = _json(_checked(result, f"the items from {start}"), f"the items from {start}")
        if not isinstance(items, list):
            raise SyncError(f"Zotero's answer (items from {start}) is not a JSON list of items")
        version = _int(result.headers.get("last-modified-version"))
        if page == 0 and version is not None:
            out.version = version if out.version is None else min(out.version, version)
        total = _int(result.headers.get("total-results"))
        parse = LibraryParse(format="zotero")
        for number, item in enumerate(items, start + 1):
            _add_item(item, number, out, parse, wanted)
        out.problems.extend(parse.problem_lines())
        start += len(items)
        backoff = _float(result.headers.get("backoff"))
        if backoff:
            out.backoff = max(out.backoff or 0.0, backoff)
        more = bool(items) and (total is None or start < total) and bool(_NEXT.search(result.headers.get("link", "")))
        if not more:
            return True
        if sum(1 for e in out.entries.values() if e is not None) >= MAX_ITEMS:
            out.truncated = True
            return True
        if backoff:
            wait = min(backoff, MAX_BACKOFF)
            if out.waited + wait > MAX_BACKOFF:
                raise SyncError(
                    f"Zotero asked to wait {backoff:.0f} s between pages ({out.waited:.0f} s waited already): "
                    "not refreshed this time, tried again after that wait",
                    retry_after=backoff,
                )
            out.waited += wait
            sleep(wait)
    out.truncated = True
    return True


def _add_item(item: object, number: int, out: ZoteroChanges, parse: LibraryParse, wanted: set[str] | None) -> None:
    """One item of a page: a paper becomes an entry under its key; anything else is counted or said."""
    data = item.get("data") if isinstance(item, dict) else None
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(key, str) or not 1 <= len(key) <= 16:
        parse.problem(f"item {number}", "not a Zotero item (no data.key)")
        return
    kind = data.get("itemType")
    gone = bool(data.get("deleted")) or (wanted is not None and not wanted & _strings(data.get("collections")))
    if kind in SKIPPED_TYPES or gone:
        out.skipped += kind in SKIPPED_TYPES
        if not out.full:
            out.entries[key] = None  # an update that made it no paper of ours: drop it if we had it
        return
    if len(out.entries) >= MAX_ITEMS and key not in out.entries:
        out.truncated = True
        return
    before = len(parse.entries)
    meta = item.get("meta") if isinstance(item, dict) else None
    make_entry(
        parse,
        f"item {number} ({key})",
        ids=[data.get("archiveID"), data.get("url"), data.get("DOI"), data.get("extra")],
        title=data.get("title") if isinstance(data.get("title"), str) else "",
        abstract=data.get("abstractNote") if isinstance(data.get("abstractNote"), str) else "",
        year=[data.get("date"), meta.get("parsedDate") if isinstance(meta, dict) else None],
    )
    out.entries[key] = parse.entries[-1] if len(parse.entries) > before else None


def _checked(result: FetchResult, what: str) -> bytes:
    """The body of a good answer, or the specific reason it is not one."""
    if result.status == 200 and result.body is not None:
        return result.body
    wait = retry_after_seconds(result.headers.get("retry-after")) or _float(result.headers.get("backoff"))
    status = result.status
    if status in (401, 403):
        raise SyncError(
            f"Zotero refused the API key (HTTP {status}): it is wrong, revoked, or may not read this library "
            "(check it on zotero.org/settings/keys: it needs read access to the library)"
        )
    if status == 404:
        raise SyncError(f"Zotero has no such library or collection (HTTP 404 for {what}): check the id and keys")
    if status in (429, 503):
        asked = f"; it asked to wait {wait:.0f} s" if wait else ""
        raise SyncError(
            f"Zotero is limiting requests (HTTP {status}{asked}): not refreshed this time, tried again later",
            retry_after=wait,
        )
    if status is not None and 300 <= status < 400:
        raise SyncError(f"Zotero answered with a redirect (HTTP {status}) for {what}: not followed with the key")
    if status == 412:
        raise SyncError("Zotero's library changed while it was read (HTTP 412): tried again at the next refresh")
    if result.error and "larger than" in result.error:
        raise SyncError(f"Zotero's answer for {what} is larger than {PAGE_BYTES:,} bytes: not read")
    raise SyncError(f"Zotero could not be read ({result.error or f'HTTP {status}'}) for {what}")


def too_many_containers(body: bytes) -> bool:
    """Whether an API's answer holds more objects and lists than any real page (counted, not built)."""
    return body.count(b"{") + body.count(b"[") > MAX_PAGE_CONTAINERS


def _json(body: bytes, what: str) -> object:
    if too_many_containers(body):
        raise SyncError(
            f"Zotero's answer for {what} holds more than {MAX_PAGE_CONTAINERS:,} objects and lists: not read"
        )
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise SyncError(f"Zotero's answer for {what} is not valid JSON (a broken or cut answer)") from None


def _strings(value: object) -> set[str]:
    return {v for v in value[:100] if isinstance(v, str)} if isinstance(value, list) else set()


def _int(value: str | None) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if 0 <= number < 2**62 else None


def _float(value: str | None) -> float | None:
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return number if 0 < number < 86_400 else None
