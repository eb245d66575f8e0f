"""The preference page's library upload: a reader's BibTeX, RIS, CSL-JSON or id-list export becomes the
library of their main radar or of the one they choose (the parsers of the CLI's ``--library``); and the
removal of a synced source (Zotero, ORCID; listed by ``web/libsources.py``).

Bounded at every step: the request body by the guard (``settings.web_max_upload``, a 413 page past
it), the file by the parser's own limits (5 MB, 2,000 entries, each field), and the look-ups: bare
ids are resolved from the stored papers, and only the first ``ONLINE_MAX`` of the rest on arXiv and
Crossref (a person is waiting). The link and the CSRF token are checked (``form_reader``) before the
file is parsed, and parsing runs on a worker thread, not the event loop. The answer is the
preference page with what was read, the entries that could not be read and why (escaped, in the
reader's language: ``academichub.i18n.libproblems``), and the radar's library afterwards; nothing is
stored from a file with no usable paper.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from academichub.db import session_scope
from academichub.i18n import web_strings
from academichub.i18n.libproblems import format_name, library_error, library_problem
from academichub.papers.library import MAX_FILE_BYTES, LibraryEntry, LibraryError, LibraryParse, parse_library
from academichub.papers.resolve import resolve_entries
from academichub.web.app import WebContext
from academichub.web.libsources import shown
from academichub.web.preferences import _preferences_page, form_reader
from academichub.web.readers import ctx_of, form_id
from subscribers.library import library_summary, set_library
from subscribers.libsources import remove_source
from subscribers.models import InterestProfile, Subscriber
from subscribers.radars import first_radar, radars_of
from subscribers.service import SubscriberError

router = APIRouter()
ONLINE_MAX = 20  # bare ids looked up on arXiv/Crossref during an upload; the rest stay ids (said so)
PROBLEMS_SHOWN = 20
NAME_MAX = 120


def _resolve(ctx: WebContext, entries: list[LibraryEntry]) -> dict:
    """Titles for bare ids: all from the stored papers, then at most ``ONLINE_MAX`` online."""
    bare = sum(1 for e in entries if e.id and not e.title)
    corpus = resolve_entries(entries, ctx.engine, ctx.settings, offline=True).corpus if bare else 0
    missing = [e for e in entries if e.id and not e.title]
    online = 0
    if missing and not ctx.settings.library_offline:
        found = resolve_entries(missing[:ONLINE_MAX], ctx.engine, ctx.settings, offline=False)
        online = found.arxiv + found.crossref
    return {
        "bare": bare,
        "corpus": corpus,
        "online": online,
        "left": sum(1 for e in entries if e.id and not e.title),
        "capped": ONLINE_MAX if len(missing) > ONLINE_MAX and not ctx.settings.library_offline else 0,
    }


def _read(ctx: WebContext, data: bytes, filename: str) -> tuple[LibraryParse, dict]:
    parsed = parse_library(data, filename)
    return parsed, _resolve(ctx, parsed.entries)


@router.post("/preferences/library", response_class=HTMLResponse)
async def upload_library(request: Request):
    ctx = ctx_of(request)
    form = await request.form(max_files=1, max_fields=20)
    with session_scope(ctx.engine) as session:
        sub, lang, token = form_reader(ctx, request, session, form)
        if isinstance(sub, HTMLResponse):
            return sub
        s = web_strings(lang)
        radars = radars_of(session, sub.key)
        wanted = str(form.get("radar") or "").strip()
        radar = radars[0] if radars and not wanted else next((r for r in radars if str(r.id) == wanted), None)

        def page(error: str = "", report: dict | None = None, reader: Subscriber = sub) -> HTMLResponse:
            main = radars[0] if radars else InterestProfile(subscriber_id=reader.key)
            return _preferences_page(
                ctx,
                request,
                reader,
                main,
                token,
                lang=lang,
                status=422 if error else 200,
                library_error=error,
                library_report=report,
            )

        if radar is None:
            return page(s["radar_err_unknown"])
        upload = form.get("library")
        if not isinstance(upload, UploadFile) or not (upload.filename or "").strip():
            return page(s["library_err_file"])
        data = await upload.read(MAX_FILE_BYTES + 1)
        if not data:
            return page(s["library_err_file"])
        if len(data) > MAX_FILE_BYTES:  # (what the guard let through: a file a little over the parser's limit)
            size = max(upload.size or 0, len(data))
            return page(s["library_err_big"].format(size=f"{size:,}", limit=f"{MAX_FILE_BYTES:,}"))
        filename = " ".join((upload.filename or "").split())[:NAME_MAX]
        radar_id = radar.id
    try:  # parsing and look-ups on a worker thread: a 5 MB export takes a moment, and so may arXiv
        parsed, resolution = await anyio.to_thread.run_sync(_read, ctx, data, filename)
    except LibraryError as exc:
        return page(s["library_err_read"].format(detail=library_error(str(exc), lang)))
    rows = [e.as_row() for e in parsed.entries]
    if not any(r["title"] for r in rows):
        return page(s["library_err_ids"].format(count=f"{len(rows):,}"))
    with session_scope(ctx.engine) as session:
        reader = session.get(Subscriber, sub.key)
        profile = session.get(InterestProfile, radar_id)
        if reader is None or profile is None:  # removed in another tab while the file was read
            return page(s["radar_err_unknown"])
        held = set_library(session, reader, profile, rows, via="preferences-link")
        problems = [library_problem(line, lang) for line in parsed.problem_lines()]
        report = {
            "read": s["library_read"].format(
                count=f"{len(rows):,}",
                file=filename,
                format=format_name(parsed.format, lang),
                name=profile.name,
                held=f"{held:,}",
            ),
            "problems": problems[:PROBLEMS_SHOWN],
            "problems_title": s["library_problems"].format(count=f"{len(parsed.problems) + parsed.skipped:,}"),
            "more": s["library_more_problems"].format(count=len(problems) - PROBLEMS_SHOWN)
            if len(problems) > PROBLEMS_SHOWN
            else "",
            "resolved": s["library_resolved"].format(**{k: f"{resolution[k]:,}" for k in ("corpus", "online", "left")})
            if resolution["bare"]
            else "",
            "capped": s["library_online_cap"].format(count=resolution["capped"]) if resolution["capped"] else "",
        }
        return page(report=report, reader=reader)


@router.post("/preferences/library/sources/remove", response_class=HTMLResponse)
async def remove_library_source(request: Request):
    """Remove one of the reader's synced sources (a signed form, checked as every preference form);
    the papers it brought leave its radar's library."""
    ctx = ctx_of(request)
    form = await request.form(max_files=0, max_fields=10)
    with session_scope(ctx.engine) as session:
        sub, lang, token = form_reader(ctx, request, session, form)
        if isinstance(sub, HTMLResponse):
            return sub
        s = web_strings(lang)
        raw = str(form.get("source") or "")
        notice = error = ""
        try:  # remove_source refuses another reader's source: the id alone proves nothing
            source = remove_source(session, sub, form_id(raw), via="preferences-link")
        except SubscriberError:
            session.rollback()
            error = s["source_gone"]
        else:
            profile = session.get(InterestProfile, source.profile_id)
            held = library_summary(profile)["count"] if profile is not None else 0
            name = profile.name if profile is not None else "?"
            papers = s["source_paper"] if held == 1 else s["source_papers"].format(count=f"{held:,}")
            notice = s["source_removed"].format(source=shown(source, lang), name=name, papers=papers)
        session.refresh(sub)
        main = first_radar(session, sub.key) or InterestProfile(subscriber_id=sub.key)
        return _preferences_page(
            ctx,
            request,
            sub,
            main,
            token,
            lang=lang,
            status=422 if error else 200,
            source_notice=notice,
            source_error=error,
        )
