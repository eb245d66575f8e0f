"""What the preference page shows of a reader's synced library sources (``subscribers/libsources.py``):
each Zotero library (its id, collections and only the key's last four characters) or ORCID iD, the
radar it feeds, how many papers it brought, when it last synced and why the last attempt failed, in
the page's language. The remove form is in ``web/library.py``."""

from __future__ import annotations

from datetime import datetime

from academichub.clock import as_utc
from academichub.i18n import web_strings
from academichub.i18n.syncerrors import sync_error
from subscribers.libsources import mask_key, sources_of
from subscribers.models import InterestProfile, LibrarySource


def _when(at: datetime) -> str:
    return f"{as_utc(at):%Y-%m-%d %H:%M} UTC"


def shown(source: LibrarySource, lang: str) -> str:
    """A source in words: ``Zotero library users/475425 (key ****AB12) · collections 9KH9TNSJ`` or ``ORCID iD …``."""
    s = web_strings(lang)
    if source.kind == "orcid":
        return s["source_orcid"].format(orcid=source.ref)
    text = s["source_zotero"].format(library=source.ref, key=mask_key(source.secret))
    if source.collections:
        text += " · " + s["source_collections"].format(collections=", ".join(source.collections))
    return text


def source_rows(session, subscriber_id: int, radars: list[InterestProfile], lang: str) -> list[dict]:
    """The reader's sources as the page lists them, in the order they were added."""
    s = web_strings(lang)
    names = {r.id: r.name for r in radars}
    rows = []
    for source in sources_of(session, subscriber_id):
        count = len(source.items or {})
        state = [s["source_paper"] if count == 1 else s["source_papers"].format(count=f"{count:,}")]
        state.append(s["source_synced"].format(when=_when(source.synced_at)) if source.synced_at else s["source_never"])
        failed = ""
        if source.status == "failed" and source.error:
            when = _when(source.attempted_at) if source.attempted_at else "—"
            failed = s["source_failed"].format(when=when, error=sync_error(source.error, lang))
        rows.append(
            {
                "id": source.id,
                "shown": shown(source, lang),
                "radar": s["source_radar"].format(name=names.get(source.profile_id, "?")),
                "state": s["semicolon"].join(state),
                "failed": failed,
            }
        )
    return rows
