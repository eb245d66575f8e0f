"""Where a radar's library is synced from: a Zotero library (user or group id, API key, optionally
collections) or an ORCID iD (its works in OpenAlex). Every value is checked before it is stored; the
Zotero key is a secret, stored as given (the sync needs it) and only ever shown through ``mask_key``
(lists, exports, the change record, logs and errors never hold it whole).

A radar's library is then the rows of its file (``--library FILE``) plus the papers of its sources:
a sync replaces only the rows whose ``source`` is ``zotero`` or ``openalex`` (``SYNCED``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from subscribers.library import clean_rows, library_of, set_library
from subscribers.models import InterestProfile, LibrarySource, Subscriber
from subscribers.service import SubscriberError, record_change

SOURCES_MAX = 5  # per radar
COLLECTIONS_MAX = 20
SYNCED = ("zotero", "openalex")  # the ``source`` of library rows a sync owns
_LIBRARY = re.compile(r"(?:(users?|groups?)\s*[/:]\s*)?(\d{1,12})", re.IGNORECASE)
# Zotero's API keys are 24 letters and digits; its object keys 8 of "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ".
_KEY = re.compile(r"[A-Za-z0-9]{24}")
_COLLECTION = re.compile(r"[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}")
_ORCID = re.compile(r"(?:https?://(?:www\.)?orcid\.org/|orcid:\s*)?(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])", re.I)


def mask_key(key: str | None) -> str:
    """A Zotero API key as it may be shown anywhere: its last four characters only."""
    return "****" + key[-4:] if key and len(key) >= 12 else "****"


def zotero_library(value: str) -> str:
    """``123``, ``users/123`` or ``user:123`` -> ``users/123``; ``groups/456`` or ``group:456`` -> ``groups/456``."""
    m = _LIBRARY.fullmatch((value or "").strip())
    if not m or int(m.group(2)) == 0:
        raise SubscriberError(
            f"{_shown(value)} is not a Zotero library id: give your userID (a number, on "
            "zotero.org/settings/keys) or groups/GROUP_ID for a group library"
        )
    kind = "groups" if (m.group(1) or "").lower().startswith("group") else "users"
    return f"{kind}/{int(m.group(2))}"


def zotero_key(value: str | None) -> str:
    key = (value or "").strip()
    if not _KEY.fullmatch(key):
        raise SubscriberError(
            "a Zotero API key is 24 letters and digits (create a read-only one on zotero.org/settings/keys/new)"
        )
    return key


def zotero_collections(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        key = value.strip().upper()
        if not _COLLECTION.fullmatch(key):
            raise SubscriberError(
                f"{_shown(value)} is not a Zotero collection key (8 characters, the part after "
                "/collections/ in the collection's web address)"
            )
        if key not in out:
            out.append(key)
    if len(out) > COLLECTIONS_MAX:
        raise SubscriberError(f"at most {COLLECTIONS_MAX} collections per library")
    return out


def orcid_check_digit(base: str) -> str:
    """ISO 7064 MOD 11-2 over the first 15 digits, as ORCID defines it ("X" stands for 10)."""
    total = 0
    for digit in base:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def orcid_id(value: str) -> str:
    """An ORCID iD (bare or as an orcid.org link) in its ``0000-0002-1825-0097`` form, its checksum checked."""
    m = _ORCID.fullmatch((value or "").strip())
    if not m:
        raise SubscriberError(f"{_shown(value)} is not an ORCID iD (16 digits as 0000-0002-1825-0097)")
    digits = "".join(m.groups()).upper()
    if orcid_check_digit(digits[:15]) != digits[15]:
        raise SubscriberError(
            f"{_shown(value)} is not a valid ORCID iD: its last character should be "
            f"{orcid_check_digit(digits[:15])} (ISO 7064 MOD 11-2 checksum); check for a mistyped digit"
        )
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True, slots=True)
class SourceInput:
    """A checked source: ``kind`` zotero (``ref`` users/ID or groups/ID, ``secret``, ``collections``) or orcid."""

    kind: str
    ref: str
    secret: str | None = None
    collections: tuple[str, ...] = ()

    def __repr__(self) -> str:  # never the key, even in a traceback's locals
        return f"SourceInput({self.kind}, {self.ref}, key {mask_key(self.secret)}, {list(self.collections)})"

    @classmethod
    def zotero(cls, library: str, key: str | None, collections: list[str] | None = None) -> SourceInput:
        return cls("zotero", zotero_library(library), zotero_key(key), tuple(zotero_collections(collections)))

    @classmethod
    def orcid(cls, value: str) -> SourceInput:
        return cls("orcid", orcid_id(value))


def describe(source: LibrarySource | SourceInput) -> str:
    """How a source is shown: ``Zotero users/475425 (key ****AB12; collections 9KH9TNSJ)``, ``ORCID 0000-…``."""
    if source.kind == "orcid":
        return f"ORCID {source.ref}"
    colls = f"; collections {', '.join(source.collections)}" if source.collections else ""
    return f"Zotero {source.ref} (key {mask_key(source.secret)}{colls})"


def sources_of(session: Session, subscriber_id: int, profile_id: int | None = None) -> list[LibrarySource]:
    query = select(LibrarySource).where(LibrarySource.subscriber_id == subscriber_id)
    if profile_id is not None:
        query = query.where(LibrarySource.profile_id == profile_id)
    return list(session.exec(query.order_by(col(LibrarySource.id))))


def add_source(
    session: Session, sub: Subscriber, profile: InterestProfile, data: SourceInput, *, via: str
) -> LibrarySource:
    """Add a source to a radar, or update the one with the same kind and id (a new key or other
    collections start its sync afresh: the version and items are dropped)."""
    if profile.id is None:
        raise SubscriberError(f"the radar of {sub.email} is not stored yet")
    existing = [s for s in sources_of(session, sub.key, profile.id) if (s.kind, s.ref) == (data.kind, data.ref)]
    source = existing[0] if existing else None
    if source is None:
        if len(sources_of(session, sub.key, profile.id)) >= SOURCES_MAX:
            raise SubscriberError(f"a radar may have at most {SOURCES_MAX} library sources")
        source = LibrarySource(subscriber_id=sub.key, profile_id=profile.id, kind=data.kind, ref=data.ref)
        record_change(session, sub, via, [(f"library source ({profile.name})", "", describe(data))])
    elif (source.secret, list(source.collections)) != (data.secret, list(data.collections)):
        record_change(session, sub, via, [(f"library source ({profile.name})", describe(source), describe(data))])
        source.version, source.items, source.status, source.error = None, {}, "new", None
        source.synced_at = source.attempted_at = source.not_before = None
    source.secret, source.collections = data.secret, list(data.collections)
    session.add(source)
    session.commit()
    session.refresh(source)
    return source


def remove_source(session: Session, sub: Subscriber, source_id: int, *, via: str) -> LibrarySource:
    """Remove a source; the papers it brought leave its radar's library."""
    source = session.get(LibrarySource, source_id) if 0 < source_id < 2**63 else None  # no row has another
    if source is None or source.subscriber_id != sub.key:
        raise SubscriberError(f"{sub.email} has no library source {source_id} (see `subscribers library list`)")
    profile = session.get(InterestProfile, source.profile_id)
    record_change(session, sub, via, [("library source", describe(source), "removed")])
    session.delete(source)
    session.commit()
    if profile is not None:
        rebuild_library(session, sub, profile, via=via)
    return source


def delete_sources(session: Session, *, subscriber_id: int | None = None, profile_id: int | None = None) -> None:
    """Forget the sources (and their keys) of a reader or of one radar (no commit)."""
    query = delete(LibrarySource)
    if subscriber_id is not None:
        query = query.where(col(LibrarySource.subscriber_id) == subscriber_id)
    if profile_id is not None:
        query = query.where(col(LibrarySource.profile_id) == profile_id)
    session.execute(query)


def rebuild_library(session: Session, sub: Subscriber, profile: InterestProfile, *, via: str) -> int:
    """The radar's library as its file's rows plus every source's papers (one row per paper)."""
    own = [r for r in library_of(profile) if r.get("source") not in SYNCED]
    seen = {r["id"] or "title:" + r["title"].casefold() for r in own}
    synced: list[dict] = []
    for source in sources_of(session, sub.key, profile.id):
        for row in clean_rows(list((source.items or {}).values())):
            key = row["id"] or "title:" + row["title"].casefold()
            if key not in seen:
                seen.add(key)
                synced.append(row)
    return set_library(session, sub, profile, own + synced, via=via)


def source_record(source: LibrarySource, radar: str) -> dict:
    """A source as lists and ``--json`` show it: never the key, only its last four characters."""
    return {
        "id": source.id,
        "radar": radar,
        "kind": source.kind,
        "library": source.ref,
        "key": mask_key(source.secret) if source.kind == "zotero" else None,
        "collections": list(source.collections),
        "papers": len(source.items or {}),
        "version": source.version,
        "status": source.status,
        "error": source.error,
        "synced_at": source.synced_at.isoformat() if source.synced_at else None,
    }


def _shown(value: object, limit: int = 60) -> str:
    text = re.sub(r"[\x00-\x1f\x7f]", "?", str(value or ""))
    return repr(text if len(text) <= limit else text[:limit] + "…")
