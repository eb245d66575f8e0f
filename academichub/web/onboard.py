""" "Rate ten papers": a page, reached after confirming a subscription and from the preference page
(the preferences link), that offers about ten papers of the latest edition chosen near the reader's
decision boundary (``academichub.matching.onboarding``), each with 👍 / 👎 / not sure.

The ratings are the same feedback rows as the email's 👍/👎 (``subscribers.radars.set_feedback``),
each training the radar it was offered under, so Rocchio and the learned ranker
(``matching/learned.py``) use them from the next email on; each one is recorded as a change, as a
vote from an email is. The page signs what it offered (``rate`` tokens: the reader and the papers
with their radars), so a posted form can rate only those papers; the link and the CSRF token are
checked as on every posted preference form (``form_reader``). The edition is the web app's kept
copy (no batch work in a request); its matcher is built once and kept for the latest edition only.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func
from sqlmodel import select

from academichub.db import session_scope
from academichub.editions.edition import EditionData
from academichub.i18n import web_strings
from academichub.matching.match import Matcher
from academichub.matching.onboarding import Pick, boundary_picks
from academichub.matching.profiles import build_matcher, load_profiles
from academichub.models import EditionPaper
from academichub.web.app import WebContext
from academichub.web.editions import split_abstract
from academichub.web.preferences import csrf_pair, form_reader, with_csrf_cookie
from academichub.web.readers import ctx_of, reader_of
from subscribers.models import Subscriber
from subscribers.radars import feedback_for, first_radar, radars_of, set_feedback
from subscribers.service import record_change

router = APIRouter()
VIA = "rate-page"


def _latest_day(ctx: WebContext) -> date | None:
    with session_scope(ctx.engine) as session:
        return session.exec(select(func.max(EditionPaper.edition_date))).one()


def _matcher(ctx: WebContext, edition: EditionData) -> Matcher:
    """The edition's matcher, kept for the latest edition only (on the context, not with every kept
    edition: a matcher holds the day's paper-paper similarities, up to 256 MB on an 8,000-paper day)."""
    with ctx.rate_matcher_lock:
        kept = ctx.rate_matcher
        if kept is None or kept[0] is not edition:
            representation = ctx.settings.representation
            matcher = build_matcher(ctx.engine, edition, representation)
            edition.matchers.pop(representation, None)
            ctx.rate_matcher = kept = (edition, matcher)
        return kept[1]


def _picks(ctx: WebContext, sub: Subscriber) -> tuple[date | None, list[tuple[Pick, object]]]:
    """The latest edition's day and the papers to offer (with their cards), none already rated."""
    day = _latest_day(ctx)
    edition = ctx.editions.get(ctx.engine, day, ctx.settings.corpus_days, prepare=False) if day else None
    if edition is None:
        return day, []
    with session_scope(ctx.engine) as session:
        main = first_radar(session, sub.key)
        rated = set(feedback_for(session, [sub.key]).get(sub.key, {}))
    if main is None:
        return day, []
    specs = load_profiles(ctx.engine, [(sub, main)])
    picks = boundary_picks(_matcher(ctx, edition), specs, rated, seed=sub.email)
    return day, [(p, edition.cards[p.paper_id]) for p in picks if p.paper_id in edition.cards]


def _rate_page(
    ctx: WebContext,
    request: Request,
    sub: Subscriber,
    token: str,
    lang: str,
    *,
    error: str = "",
    votes: dict[str, str] | None = None,
) -> HTMLResponse:
    s = web_strings(lang)
    day, picks = _picks(ctx, sub)
    prefs = ctx.link("preferences", "preferences", sub)
    if not picks or day is None:
        return ctx.message(
            request,
            lang=lang,
            title_key="rate_title",
            paragraphs=[s["rate_empty"]],
            link={"href": prefs, "label": s["prefs_title"]},
        )
    offer = ctx.tokens.sign("rate", {"s": sub.key, "o": [[p.paper_id, p.radar_id] for p, _card in picks]})
    nonce, csrf = csrf_pair(ctx, request)
    with session_scope(ctx.engine) as session:
        several = len(radars_of(session, sub.key)) > 1
    response = ctx.page(
        request,
        "rate.html",
        lang=lang,
        status=422 if error else 200,
        title=s["rate_title"],
        day=day,
        picks=picks,
        several=several,
        token=token,
        csrf=csrf,
        offer=offer,
        error=error,
        votes=votes or {},
        split=split_abstract,
        prefs=prefs,
    )
    return with_csrf_cookie(ctx, response, nonce)


@router.get("/preferences/rate", response_class=HTMLResponse)
def rate_page(request: Request, t: str = ""):
    ctx = ctx_of(request)
    with session_scope(ctx.engine) as session:
        sub, lang, bad = reader_of(ctx, request, session, "preferences", t, active_only=True, renew=True)
    if sub is None:
        return bad
    return _rate_page(ctx, request, sub, t, ctx.lang(request, sub.language))


def _offered(ctx: WebContext, sub: Subscriber, raw: str) -> list[tuple[str, int | None]] | None:
    """The (paper, radar) pairs the page signed for this reader, or None (tampered, old, another's)."""
    v = ctx.tokens.verify("rate", raw)
    payload = v.payload or {}
    pairs = payload.get("o")
    if not v.ok or payload.get("s") != sub.key or not isinstance(pairs, list):
        return None
    out: list[tuple[str, int | None]] = []
    for pair in pairs[:50]:
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
            out.append((pair[0], pair[1] if isinstance(pair[1], int) else None))
    return out


@router.post("/preferences/rate", response_class=HTMLResponse)
async def rate(request: Request):
    ctx = ctx_of(request)
    form = await request.form(max_files=0, max_fields=80)
    with session_scope(ctx.engine) as session:
        sub, lang, token = form_reader(ctx, request, session, form)
        if isinstance(sub, HTMLResponse):
            return sub
        s = web_strings(lang)
        offered = _offered(ctx, sub, str(form.get("offer") or ""))
        if offered is None:
            return ctx.message(
                request,
                lang=lang,
                title_key="bad_link_title",
                paragraphs=[s["rate_stale"]],
                status=400,
                link={"href": ctx.link("preferences/rate", "preferences", sub), "label": s["rate_title"]},
            )
        votes = {str(i): str(form.get(f"v{i}") or "") for i in range(len(offered))}
        chosen = [
            (pid, radar, int(votes[str(i)])) for i, (pid, radar) in enumerate(offered) if votes[str(i)] in ("1", "-1")
        ]
        if not chosen:
            reader = sub
        else:
            radar_ids = {r.id for r in radars_of(session, sub.key)}
            before = feedback_for(session, [sub.key]).get(sub.key, {})
            changes = []
            for pid, radar, value in chosen:  # a radar removed since the page was made: the first one learns
                set_feedback(session, sub.key, pid, value, radar if radar in radar_ids else None)
                if before.get(pid, 0) != value:
                    changes.append(("feedback " + pid, str(before.get(pid, "")), str(value)))
            if changes:
                record_change(session, sub, VIA, changes)
                session.commit()
            likes = sum(1 for *_x, v in chosen if v > 0)
            return ctx.message(
                request,
                lang=lang,
                title_key="rate_saved_title",
                paragraphs=[s["rate_saved"].format(count=len(chosen), likes=likes, dislikes=len(chosen) - likes)],
                links=[
                    {"href": ctx.link("preferences/rate", "preferences", sub), "label": s["rate_again"]},
                    {"href": ctx.link("preferences", "preferences", sub), "label": s["prefs_title"]},
                ],
            )
    return _rate_page(ctx, request, reader, token, lang, error=s["rate_none_chosen"], votes=votes)
