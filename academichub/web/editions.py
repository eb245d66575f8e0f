"""The daily edition on the web: the seed page served from AcademicHub's own data (``/``,
``/editions/YYYY-MM-DD``), its JSON (``/api/editions/YYYY-MM-DD``), a reader's email in a browser
(``/view?t=``) and a reader's personal feed (``/feed.xml?t=``).

Filters are query parameters (work without JavaScript); the page is paginated so a phone can load a
6,000-paper day. The edition with its themes is computed once per day and kept in memory.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import func
from sqlmodel import col, select

from academichub.briefing.compose import briefing_from_record
from academichub.db import session_scope
from academichub.editions.edition import EditionData
from academichub.i18n import web_strings
from academichub.i18n.names import feed_note
from academichub.models import Delivery, Edition, EditionPaper, FetchLog, Paper
from academichub.papers.urls import safe_url
from academichub.papers.views import PaperCard, paper_json
from academichub.web.app import WebContext
from academichub.web.choices import choosable_categories
from academichub.web.editionview import edition_view, filters_from
from subscribers.tokens import Verified, link_payload, named_reader

router = APIRouter()
SUMMARY_CHARS = 280  # the abstract shown before "read the full abstract"


def _ctx(request: Request) -> WebContext:
    return request.app.state.ctx


# ---------------------------------------------------------------- data (database at the edge, the rest pure)


def edition_cached(ctx: WebContext, day: date) -> EditionData | None:
    """The day's edition as stored, kept per app until it changes; None for a day without papers.
    A request never does the day's batch work: themes (and their embeddings) are found by the day's
    run; before it, the edition has none and says so (``themes_ready``)."""
    return ctx.editions.get(ctx.engine, day, ctx.settings.corpus_days, prepare=False)


def neighbours(ctx: WebContext, day: date) -> tuple[date | None, date | None]:
    with session_scope(ctx.engine) as session:
        has_papers = select(col(EditionPaper.edition_date)).distinct()
        prev_ = session.exec(
            select(func.max(Edition.date)).where(Edition.date < day, col(Edition.date).in_(has_papers))
        ).one()
        next_ = session.exec(
            select(func.min(Edition.date)).where(Edition.date > day, col(Edition.date).in_(has_papers))
        ).one()
    return prev_, next_


def latest_day(ctx: WebContext) -> date | None:
    """The front page's day: the latest edition with papers, or a later day that has none but whose
    run went wrong (held, sources failed or suspect): that day is shown as it is, failures listed."""
    with session_scope(ctx.engine) as session:
        with_papers = session.exec(select(func.max(EditionPaper.edition_date))).one()
        later = [
            session.exec(select(func.max(Edition.date))).one(),
            session.exec(select(func.max(FetchLog.edition_date))).one(),
        ]
    for day in sorted({d for d in later if d is not None and (with_papers is None or d > with_papers)}, reverse=True):
        if held_reason(ctx, day) or any(h in ("failed", "suspect") for _, h, _ in source_health(ctx, day)):
            return day  # (a day without an announcement is quiet, not wrong: the last edition stays in front)
    return with_papers


def source_health(ctx: WebContext, day: date) -> list[tuple[str, str, str]]:
    """(source, health, note) for the sources that were not fine on that day (latest run wins)."""
    with session_scope(ctx.engine) as session:
        rows = session.exec(
            select(FetchLog).where(FetchLog.edition_date == day).order_by(col(FetchLog.fetched_at))
        ).all()
    latest: dict[str, FetchLog] = {}
    for row in rows:
        latest[row.source_key] = row
    return [
        (k, r.health, r.error or "")
        for k, r in sorted(latest.items())
        if r.health in ("no_announcement", "suspect", "failed")
    ]


def held_reason(ctx: WebContext, day: date) -> str | None:
    """Why the day's edition is held (nobody was sent it), or None: the page and the API say so."""
    with session_scope(ctx.engine) as session:
        row = session.get(Edition, day)
        return row.held if row is not None else None


def split_abstract(text: str, limit: int = SUMMARY_CHARS) -> tuple[str, str]:
    """(shown, rest): the abstract collapsed after a few lines, cut at a word."""
    text = " ".join((text or "").split())
    if len(text) <= limit + 40:
        return text, ""
    cut = text.rfind(" ", 0, limit)
    cut = cut if cut > limit // 2 else limit
    return text[:cut], text[cut:]


# ---------------------------------------------------------------- pages


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _not_found(ctx: WebContext, request: Request, lang: str) -> HTMLResponse:
    s = web_strings(lang)
    return ctx.message(request, lang=lang, title_key="not_found_title", paragraphs=[s["not_found"]], status=404)


def _edition_page(ctx: WebContext, request: Request, day: date) -> HTMLResponse:
    lang = ctx.lang(request)
    s = web_strings(lang)
    edition = edition_cached(ctx, day)
    f = filters_from(request)
    if edition is None:
        if not source_health(ctx, day) and not held_reason(ctx, day):
            return _not_found(ctx, request, lang)
        # sources were read that day but nothing was new: say why (no announcement, a suspect feed)
        view = {
            "rows": [],
            "total": 0,
            "matching": 0,
            "page": 1,
            "pages": 1,
            "sources": [],
            "categories": [],
            "source": f.source,
            "category": f.category,
            "themes": [],
            "theme": None,
            "themes_ready": True,
        }
    else:
        view = edition_view(edition, f, choosable=frozenset(choosable_categories(ctx)))
    prev_, next_ = neighbours(ctx, day)
    keep = {k: v for k, v in (("lang", request.query_params.get("lang")),) if v}

    def url(**params) -> str:
        merged = {**keep, **{k: v for k, v in params.items() if v not in (None, "")}}
        return f"/editions/{day.isoformat()}" + (f"?{urlencode(merged)}" if merged else "")

    def page_url(n: int) -> str:
        return url(source=f.source, category=f.category, theme=f.theme, page=n if n > 1 else None)

    notes = []
    held = held_reason(ctx, day)
    if held:
        notes.append(("held", s["held"].format(reason=feed_note(held, lang))))
    for source, health, note in source_health(ctx, day):
        key = {"no_announcement": "no_announcement", "suspect": "suspect", "failed": "failed"}[health]
        notes.append((health, s[key].format(source=source, note=feed_note(note or health, lang))))
    return ctx.page(
        request,
        "edition.html",
        lang=lang,
        title=s["edition_of"].format(date=day.isoformat()),
        day=day,
        view=view,
        f=f,
        notes=notes,
        url=url,
        page_url=page_url,
        split=split_abstract,
        prev_url=f"/editions/{prev_.isoformat()}" + (f"?lang={keep['lang']}" if keep else "") if prev_ else None,
        next_url=f"/editions/{next_.isoformat()}" + (f"?lang={keep['lang']}" if keep else "") if next_ else None,
    )


@router.get("/", response_class=HTMLResponse)
def latest(request: Request):
    ctx = _ctx(request)
    day = latest_day(ctx)
    if day is None:
        lang = ctx.lang(request)
        return ctx.message(
            request, lang=lang, title_key="no_edition_title", paragraphs=[web_strings(lang)["no_edition"]]
        )
    return _edition_page(ctx, request, day)


@router.get("/editions/{day}", response_class=HTMLResponse)
def edition_page(request: Request, day: str):
    ctx = _ctx(request)
    parsed = _parse_day(day)
    if parsed is None:
        return _not_found(ctx, request, ctx.lang(request))
    return _edition_page(ctx, request, parsed)


@router.get("/api/editions/{day}")
def edition_api(request: Request, day: str):
    ctx = _ctx(request)
    parsed = _parse_day(day)
    edition = edition_cached(ctx, parsed) if parsed else None
    if parsed is None:
        return JSONResponse({"error": f"no edition for {day!r}"}, status_code=404)
    held = held_reason(ctx, parsed)
    sources = [{"source": k, "health": h, "note": n} for k, h, n in source_health(ctx, parsed)]
    if edition is None:  # no papers: a day whose run went wrong is shown as it is, as its page shows it
        if not held and not sources:
            return JSONResponse({"error": f"no edition for {day!r}"}, status_code=404)
        empty = {"date": parsed.isoformat(), "size": 0, "papers": [], "themes": [], "themes_ready": True}
        return JSONResponse({**empty, "held": held, "sources": sources})
    cached = ctx.editions_json.get(parsed)
    # Serialised once per edition and state (6,000 papers: ~6 MB); a rerun that clears a hold or
    # refetches a source changes the state, so the answer is never staler than the database.
    if cached is None or cached[0] is not edition or cached[2] != (held, sources):
        theme_of = {fact.id: fact.theme for fact in edition.facts}
        body = {
            "date": parsed.isoformat(),
            "size": len(edition.cards),
            "papers": [paper_json(card, theme=theme_of.get(pid)) for pid, card in edition.cards.items()],
            "themes": [t.as_dict() for t in edition.themes],
            "themes_ready": edition.themes_ready,  # false: the day's run has not found them yet
            "held": held,  # why nobody was sent this day's edition, or null
            "sources": sources,
        }
        encoded = json.dumps(body, ensure_ascii=False).encode()
        cached = ctx.editions_json[parsed] = (edition, encoded, (held, sources))
        if len(ctx.editions_json) > 14:
            ctx.editions_json.pop(min(ctx.editions_json))
    return Response(cached[1], media_type="application/json")


# ---------------------------------------------------------------- personal views


def _cards(session, ids: list[str]) -> dict[str, PaperCard]:
    rows = session.exec(select(Paper).where(col(Paper.id).in_(ids))).all() if ids else []
    return {p.id: PaperCard.of(p) for p in rows}


def _bad(ctx: WebContext, request: Request, v: Verified, lang: str) -> HTMLResponse:
    s = web_strings(lang)
    if v.status == "expired":
        return ctx.message(request, lang=lang, title_key="expired_title", paragraphs=[s["bad_link"]], status=410)
    return ctx.message(request, lang=lang, title_key="bad_link_title", paragraphs=[s["bad_link"]], status=400)


@router.get("/view", response_class=HTMLResponse)
def view(request: Request, t: str = ""):
    """The reader's email in a browser: what was sent (stored with the delivery), with 👍/👎."""
    ctx = _ctx(request)
    v = ctx.tokens.verify("view", t)
    payload = v.payload or {}
    day = _parse_day(str(payload.get("d", ""))) if v.ok else None
    with session_scope(ctx.engine) as session:
        sub = named_reader(session, payload) if day else None
        lang = ctx.lang(request, sub.language if sub else None)
        if sub is None or day is None:
            return _bad(ctx, request, v if not v.ok else Verified("invalid"), lang)
        row = session.exec(
            select(Delivery).where(Delivery.subscriber_id == sub.id, Delivery.edition_date == day)
        ).first()
        if row is None or not row.content:
            s = web_strings(lang)
            return ctx.message(request, lang=lang, title_key="not_found_title", paragraphs=[s["view_gone"]], status=404)
        cards = _cards(session, [i["id"] for i in row.content.get("items", [])])
        briefing = briefing_from_record(row.content, sub.email, cards)
    vote = ctx.tokens.sign("feedback", link_payload(sub, d=day.isoformat()))  # the 👍/👎 buttons post it
    s = web_strings(lang)
    return ctx.page(
        request,
        "view.html",
        lang=lang,
        title=s["view_title"].format(date=day.isoformat()),
        b=briefing,
        vote=vote,
        split=split_abstract,
        prefs=ctx.link("preferences", "preferences", sub),
    )


@router.get("/feed.xml")
def personal_feed(request: Request, t: str = ""):
    """A reader's radar as RSS 2.0: the papers of their last 20 emails, newest first."""
    from feedgen.feed import FeedGenerator

    ctx = _ctx(request)
    v = ctx.tokens.verify("feed", t)
    with session_scope(ctx.engine) as session:
        sub = named_reader(session, v.payload) if v.ok else None
        if sub is None:
            return Response("invalid feed link\n", status_code=400, media_type="text/plain")
        rows = session.exec(
            select(Delivery)
            .where(Delivery.subscriber_id == sub.id, Delivery.state == "sent", col(Delivery.content).is_not(None))
            .order_by(col(Delivery.edition_date).desc())
            .limit(20)
        ).all()
        cards = _cards(session, sorted({i["id"] for r in rows for i in (r.content or {}).get("items", [])}))
    s = web_strings(sub.language)
    base = ctx.settings.base_url.rstrip("/")
    fg = FeedGenerator()
    fg.title(s["feed_title"].format(email=sub.email))
    fg.link(href=f"{base}/", rel="alternate")
    fg.description(s["intro"])
    fg.language("zh-cn" if sub.language in ("zh", "bilingual") else "en")
    for row in reversed(rows):  # feedgen lists the last added first
        when = datetime.combine(row.edition_date, time(7), tzinfo=UTC)
        for item in reversed((row.content or {}).get("items", [])):  # sent rows have content (the query)
            card = cards.get(item["id"])
            if card is None:
                continue
            entry = fg.add_entry()
            entry.id(f"{base}/papers/{card.id}#{row.edition_date.isoformat()}")
            entry.guid(f"academichub:{sub.id}:{row.edition_date.isoformat()}:{card.id}", permalink=False)
            entry.title(card.title)
            href = safe_url(card.abs_url) or safe_url(card.doi_url)
            if href:
                entry.link(href=href)
            text = " ".join((item.get("summaries") or [card.abstract])[:1])
            reasons = "; ".join(item.get("reasons", []))
            entry.description(f"{text}\n\n{s['why']}: {reasons}" if reasons else text)
            entry.pubDate(when)
    return Response(fg.rss_str(pretty=False), media_type="application/rss+xml; charset=utf-8")
