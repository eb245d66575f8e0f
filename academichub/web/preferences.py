"""The preference center: sign-up with double opt-in, confirm, preferences, unsubscribe (page and
RFC 8058 one-click), feedback. Every page is reached from a signed link; nobody needs a password.

Token cases, the same on every route: invalid (tampered, truncated, wrong purpose) -> 400 page;
expired -> 410 page (preferences: with an offer to email a fresh link); unknown subscriber -> 400.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlmodel import select

from academichub.db import session_scope
from academichub.i18n import web_strings
from academichub.mail.message import build_message
from academichub.mail.render import Links, render_confirmation, render_fresh_link, render_saved
from academichub.models import EditionPaper, Paper
from academichub.papers.sources import known_facets, load_sources
from academichub.web.app import WebContext, rate_limit
from subscribers.expand import expand_if_needed
from subscribers.models import WEEKDAYS, InterestProfile, Subscriber
from subscribers.service import (
    ProfileInput,
    SubscriberError,
    apply_profile,
    feedback_for,
    normalise_email,
    record_change,
    set_feedback,
    set_status,
    split_list,
)
from subscribers.tokens import Verified

router = APIRouter()
CSRF_COOKIE = "ah_csrf"
FIELDS = (
    "interests",
    "keywords",
    "exclude",
    "categories",
    "authors",
    "name",
    "language",
    "timezone",
    "delivery_hour",
    "frequency",
    "weekly_day",
    "papers_per_email",
    "empty_day",
    "paused_until",
)


def _ctx(request: Request) -> WebContext:
    return request.app.state.ctx


def _bad_token(
    ctx: WebContext, request: Request, v: Verified, lang: str, *, renew: bool = False, token: str = ""
) -> HTMLResponse:
    s = web_strings(lang)
    if v.status == "expired":
        form = (
            {"action": "/preferences/renew", "hidden": {"t": token}, "label": s["send_fresh"]}
            if renew and v.payload
            else None
        )
        return ctx.message(
            request, lang=lang, title_key="expired_title", paragraphs=[s["expired"]], status=410, form=form
        )
    return ctx.message(request, lang=lang, title_key="bad_link_title", paragraphs=[s["bad_link"]], status=400)


def _subscriber(ctx: WebContext, session, payload: dict | None) -> Subscriber | None:
    sid = (payload or {}).get("s")
    return session.get(Subscriber, sid) if isinstance(sid, int) else None


def _reader(
    ctx: WebContext,
    request: Request,
    session,
    purpose: str,
    token: str,
    *,
    active_only: bool = False,
    renew: bool = False,
) -> tuple[Subscriber | None, str, HTMLResponse | None]:
    """The subscriber a signed link names, the page's language, and the 400/410 page when there is
    none (tampered, expired, wrong purpose, unknown; with ``active_only`` also unsubscribed)."""
    v = ctx.tokens.verify(purpose, token)
    sub = _subscriber(ctx, session, v.payload) if v.ok else None
    if sub is not None and active_only and sub.status == "unsubscribed":
        sub = None
    lang = ctx.lang(request, sub.language if sub else None)
    if sub is None:
        return (
            None,
            lang,
            _bad_token(ctx, request, v if not v.ok else Verified("invalid"), lang, renew=renew, token=token),
        )
    return sub, lang, None


def _send(ctx: WebContext, to: str, rendered, kind: str) -> None:
    """Transactional mail (confirmation, preferences saved, fresh link) through the configured mailer."""
    msg = build_message(rendered, sender=ctx.settings.sender, to=to)
    ctx.mailer.send(msg, edition=f"mail-{kind}", tags={"kind": kind}, html=rendered.html)


def _reader_links(ctx: WebContext, sub: Subscriber) -> Links:
    return ctx.links.account(sub.key, ctx.settings.unsubscribe_mailbox or ctx.settings.contact_email)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# ---------------------------------------------------------------- sign-up and confirmation


@router.get("/subscribe", response_class=HTMLResponse)
def signup_page(request: Request):
    ctx = _ctx(request)
    return ctx.page(
        request,
        "signup.html",
        lang=ctx.lang(request),
        title=web_strings(ctx.lang(request))["signup_title"],
        errors={},
        form={},
    )


@router.post("/subscribe", response_class=HTMLResponse)
async def signup(request: Request):
    ctx = _ctx(request)
    form = await request.form()
    lang = ctx.lang(request, str(form.get("lang") or ""))
    s = web_strings(lang)
    values = {k: str(form.get(k) or "").strip() for k in ("email", "interests", "language")}
    errors = {}
    try:
        address = normalise_email(values["email"])
    except SubscriberError as exc:
        errors["email"] = str(exc)
        address = ""
    if len(values["interests"]) < 3:
        errors["interests"] = s["interests_help"]
    if values["language"] not in ("en", "zh", "bilingual"):
        errors["language"] = s["language"]
    if errors:
        return ctx.page(
            request, "signup.html", lang=lang, title=s["signup_title"], errors=errors, form=values, status=422
        )
    if not (
        rate_limit(ctx, ctx.settings.signup_limit_per_client, "signup-client", _client(request))
        and rate_limit(ctx, ctx.settings.signup_limit_per_address, "signup-address", address)
    ):
        return ctx.message(request, lang=lang, title_key="signup_title", paragraphs=[s["rate_limited"]], status=429)
    with session_scope(ctx.engine) as session:
        sub = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
        if sub is None or sub.status in ("pending", "unsubscribed"):
            if sub is None:
                sub, profile, _created, _ = apply_profile(
                    session,
                    address,
                    ProfileInput(interests=values["interests"], language=values["language"]),
                    via="signup",
                    status="pending",
                )
            else:  # a pending or former reader asks again: update what they asked for, confirm again
                sub, profile, _created, _ = apply_profile(
                    session,
                    address,
                    ProfileInput(interests=values["interests"], language=values["language"]),
                    via="signup",
                )
            links = Links(confirm=ctx.link("confirm", "confirm", {"s": sub.id}), contact=ctx.settings.contact_email)
            _send(
                ctx,
                sub.email,
                render_confirmation(
                    sub.language, ctx.email_templates, interests=profile.interests, links=links, today=ctx.today()
                ),
                "confirm",
            )
        # An active (or bounced, complained) address gets nothing new, and the same answer: no enumeration.
    return ctx.message(request, lang=lang, title_key="signup_done_title", paragraphs=[s["signup_done"]])


@router.get("/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, t: str = ""):
    ctx = _ctx(request)
    with session_scope(ctx.engine) as session:
        sub, lang, bad = _reader(ctx, request, session, "confirm", t)
        if sub is None:
            return bad
        s = web_strings(lang)
        if sub.status == "active":
            return _confirmed(ctx, request, sub, lang)
        return ctx.message(
            request,
            lang=lang,
            title_key="confirm_title",
            paragraphs=[s["confirm_intro"].format(email=sub.email)],
            form={"action": f"/confirm?t={t}", "hidden": {}, "label": s["confirm_button"]},
        )


def _confirmed(ctx: WebContext, request: Request, sub: Subscriber, lang: str) -> HTMLResponse:
    s = web_strings(lang)
    return ctx.message(
        request,
        lang=lang,
        title_key="confirmed_title",
        paragraphs=[s["confirmed"]],
        link={"href": ctx.link("preferences", "preferences", {"s": sub.id}), "label": s["prefs_title"]},
    )


@router.post("/confirm", response_class=HTMLResponse)
def confirm(request: Request, t: str = ""):
    ctx = _ctx(request)
    with session_scope(ctx.engine) as session:
        sub, lang, bad = _reader(ctx, request, session, "confirm", t)
        if sub is None:
            return bad
        if sub.status in ("pending", "unsubscribed"):
            set_status(session, sub, "active", via="confirm-link")
        return _confirmed(ctx, request, sub, lang)


# ---------------------------------------------------------------- preferences


def _categories(ctx: WebContext) -> list[str]:
    """The configured sources' categories (read once per app: the sources file changes with a deploy)."""
    if ctx.categories is None:
        ctx.categories = sorted(known_facets(load_sources(ctx.settings.sources_file)))
    return ctx.categories


def _csrf_pair(ctx: WebContext, request: Request) -> tuple[str, str]:
    nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    return nonce, ctx.tokens.sign("csrf", {"n": nonce})


def _form_of(sub: Subscriber, profile: InterestProfile) -> dict:
    return {
        "interests": profile.interests,
        "keywords": ", ".join(profile.keywords),
        "exclude": ", ".join(profile.exclude),
        "categories": list(profile.categories),
        "authors": ", ".join(profile.authors),
        "name": sub.name,
        "language": sub.language,
        "timezone": sub.timezone,
        "delivery_hour": sub.delivery_hour,
        "frequency": sub.frequency,
        "weekly_day": sub.weekly_day or "mon",
        "papers_per_email": sub.papers_per_email,
        "empty_day": sub.empty_day,
        "paused_until": sub.paused_until.isoformat() if sub.status == "paused" and sub.paused_until else "",
    }


def _labels(s: dict) -> dict:
    return {
        "interests": s["interests"],
        "keywords": s["keywords"],
        "exclude": s["exclude"],
        "categories": s["categories"],
        "authors": s["authors"],
        "name": s["name"],
        "language": s["language"],
        "timezone": s["timezone"],
        "delivery_hour": s["hour"],
        "frequency": s["frequency"],
        "weekly_day": s["weekday"],
        "papers_per_email": s["papers"],
        "empty_day": s["empty_day"],
        "paused_until": s["pause"],
    }


def _preferences_page(
    ctx: WebContext,
    request: Request,
    sub: Subscriber,
    profile: InterestProfile,
    token: str,
    *,
    lang: str,
    form: dict | None = None,
    errors: dict | None = None,
    saved=None,
    status: int = 200,
) -> HTMLResponse:
    s = web_strings(lang)
    nonce, csrf = _csrf_pair(ctx, request)
    response = ctx.page(
        request,
        "preferences.html",
        lang=lang,
        status=status,
        title=s["prefs_title"],
        sub=sub,
        token=token,
        csrf=csrf,
        form=form or _form_of(sub, profile),
        errors=errors or {},
        saved=saved,
        labels=_labels(s),
        categories=_categories(ctx),
        weekdays=WEEKDAYS,
        feed_url=ctx.link("feed.xml", "feed", {"s": sub.id}),
        unsubscribe_url=ctx.link("unsubscribe", "unsubscribe", {"s": sub.id}),
    )
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=ctx.settings.base_url.startswith("https://"),
        max_age=86400,
        path="/preferences",
    )
    return response


@router.get("/preferences", response_class=HTMLResponse)
def preferences_page(request: Request, t: str = ""):
    ctx = _ctx(request)
    with session_scope(ctx.engine) as session:
        sub, lang, bad = _reader(ctx, request, session, "preferences", t, active_only=True, renew=True)
        if sub is None:
            return bad
        profile = session.get(InterestProfile, sub.id) or InterestProfile(subscriber_id=sub.key)
        return _preferences_page(ctx, request, sub, profile, t, lang=ctx.lang(request, sub.language))


def _field_errors(values: dict, known: frozenset[str], today: date) -> tuple[ProfileInput | None, dict[str, str]]:
    """Validate field by field, so each message sits next to its field."""
    errors: dict[str, str] = {}
    parsed: dict = {}

    def check(name: str, **kwargs) -> None:
        try:
            ProfileInput(**kwargs, known_categories=known).validate()
            parsed.update(kwargs)
        except SubscriberError as exc:
            errors[name] = str(exc)

    def as_int(name: str, raw: str, lo: int, hi: int):
        try:
            return int(raw)
        except ValueError:
            errors[name] = f"a whole number {lo}-{hi}, not {raw!r}"
            return None

    check("language", language=values["language"])
    check("timezone", timezone=values["timezone"])
    check("frequency", frequency=values["frequency"])
    if values["frequency"] == "weekly":
        check("weekly_day", weekly_day=values["weekly_day"] or "mon")
    check("empty_day", empty_day=values["empty_day"])
    check("categories", categories=values["categories"])
    hour = as_int("delivery_hour", values["delivery_hour"], 0, 23)
    if hour is not None:
        check("delivery_hour", delivery_hour=hour)
    papers = as_int("papers_per_email", values["papers_per_email"], 1, 30)
    if papers is not None:
        check("papers_per_email", papers_per_email=papers)
    if len(values["interests"]) > 2000:
        errors["interests"] = "at most 2,000 characters"
    paused_until = None
    if values["paused_until"]:
        try:
            paused_until = date.fromisoformat(values["paused_until"])
        except ValueError:
            errors["paused_until"] = f"a date in the form YYYY-MM-DD, not {values['paused_until']!r}"
        else:
            if paused_until <= today:
                errors["paused_until"] = "a date after today"
            elif paused_until > today + timedelta(days=366):
                errors["paused_until"] = "at most a year from today"
    if errors:
        return None, errors
    return ProfileInput(
        interests=values["interests"],
        keywords=split_list(values["keywords"]),
        exclude=split_list(values["exclude"]),
        authors=split_list(values["authors"]),
        name=values["name"][:120],
        paused_until=paused_until,
        resume=values["resume"],
        known_categories=known,
        **parsed,
    ), {}


@router.post("/preferences", response_class=HTMLResponse)
async def save_preferences(request: Request):
    ctx = _ctx(request)
    form = await request.form()
    token = str(form.get("t") or "")
    with session_scope(ctx.engine) as session:
        sub, lang, bad = _reader(ctx, request, session, "preferences", token, active_only=True, renew=True)
        if sub is None:
            return bad
        csrf = ctx.tokens.verify("csrf", str(form.get("csrf") or ""))
        cookie = request.cookies.get(CSRF_COOKIE)
        if not (csrf.ok and cookie and secrets.compare_digest(str((csrf.payload or {}).get("n", "")), cookie)):
            return ctx.message(
                request,
                lang=lang,
                title_key="forged_title",
                paragraphs=[web_strings(lang)["forged"]],
                status=403,
                link={"href": f"/preferences?t={token}", "label": web_strings(lang)["prefs_title"]},
            )
        values: dict[str, object] = {k: str(form.get(k) or "").strip() for k in FIELDS if k != "categories"}
        values["categories"] = [str(c) for c in form.getlist("categories")]
        values["resume"] = bool(form.get("resume"))
        profile = session.get(InterestProfile, sub.id) or InterestProfile(subscriber_id=sub.key)
        data, errors = _field_errors(values, frozenset(_categories(ctx)), ctx.today())
        if data is None:  # a field is invalid: errors says which
            return _preferences_page(
                ctx, request, sub, profile, token, lang=lang, form=values, errors=errors, status=422
            )
        sub, profile, _created, changes = apply_profile(session, sub.email, data, via="preferences-link")
        expand_if_needed(ctx.settings, session, profile)
        lang = ctx.lang(request, sub.language) if "language" in dict((c[0], c) for c in changes) else lang
        if changes:
            _send(
                ctx,
                sub.email,
                render_saved(
                    sub.language,
                    ctx.email_templates,
                    name=sub.name,
                    changes=changes,
                    interests=profile.interests,
                    links=_reader_links(ctx, sub),
                    today=ctx.today(),
                ),
                "saved",
            )
        return _preferences_page(ctx, request, sub, profile, token, lang=ctx.lang(request, sub.language), saved=changes)


@router.post("/preferences/renew", response_class=HTMLResponse)
async def renew(request: Request):
    """An expired preferences link (signature good, only old): email a fresh one to that reader."""
    ctx = _ctx(request)
    form = await request.form()
    v = ctx.tokens.verify("preferences", str(form.get("t") or ""))
    with session_scope(ctx.engine) as session:
        sub = _subscriber(ctx, session, v.payload) if v.status in ("ok", "expired") else None
        lang = ctx.lang(request, sub.language if sub else None)
        if sub is None:
            return _bad_token(ctx, request, Verified("invalid"), lang)
        s = web_strings(lang)
        if rate_limit(ctx, ctx.settings.signup_limit_per_address, "renew", sub.email) and sub.status not in (
            "unsubscribed",
            "bounced",
            "complained",
        ):
            _send(
                ctx,
                sub.email,
                render_fresh_link(
                    sub.language, ctx.email_templates, name=sub.name, links=_reader_links(ctx, sub), today=ctx.today()
                ),
                "fresh-link",
            )
        return ctx.message(request, lang=lang, title_key="fresh_sent_title", paragraphs=[s["fresh_sent"]])


# ---------------------------------------------------------------- unsubscribe


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, t: str = ""):
    ctx = _ctx(request)
    with session_scope(ctx.engine) as session:
        sub, lang, bad = _reader(ctx, request, session, "unsubscribe", t)
        if sub is None:
            return bad
        s = web_strings(lang)
        if sub.status == "unsubscribed":
            return _unsubscribed(ctx, request, sub, lang)
        return ctx.message(
            request,
            lang=lang,
            title_key="unsub_title",
            paragraphs=[s["unsub_intro"].format(email=sub.email)],
            form={"action": f"/unsubscribe?t={t}", "hidden": {}, "label": s["unsub_button"], "cls": "danger"},
        )


def _unsubscribed(ctx: WebContext, request: Request, sub: Subscriber, lang: str) -> HTMLResponse:
    s = web_strings(lang)
    return ctx.message(
        request,
        lang=lang,
        title_key="unsubscribed_title",
        paragraphs=[s["unsubscribed"].format(email=sub.email)],
        link={"href": "/subscribe" + ("?lang=en" if lang == "en" else ""), "label": s["resubscribe"]},
    )


@router.post("/unsubscribe")
async def unsubscribe(request: Request, t: str = ""):
    """The page's button and RFC 8058 one-click (body ``List-Unsubscribe=One-Click``, no cookie, no
    CSRF token: the signed link is the authority). Idempotent."""
    ctx = _ctx(request)
    body = (await request.body())[:200].decode("utf-8", "replace")
    one_click = "List-Unsubscribe=One-Click" in body
    with session_scope(ctx.engine) as session:
        sub, _lang, bad = _reader(ctx, request, session, "unsubscribe", t)
        if sub is None:
            return PlainTextResponse("invalid unsubscribe link\n", status_code=400) if one_click else bad
        if sub.status != "unsubscribed":
            set_status(session, sub, "unsubscribed", via="one-click" if one_click else "unsubscribe-link")
        if one_click:
            return PlainTextResponse("unsubscribed\n")
        return _unsubscribed(ctx, request, sub, ctx.lang(request, sub.language))


# ---------------------------------------------------------------- feedback


def _in_edition(session, paper_id: str, day: date) -> Paper | None:
    """The paper, if it was in the editions the email could have carried (a daily one, or a week's)."""
    hit = session.exec(
        select(EditionPaper.paper_id).where(
            EditionPaper.paper_id == paper_id,
            EditionPaper.edition_date <= day,
            EditionPaper.edition_date >= day - timedelta(days=6),
        )
    ).first()
    return session.get(Paper, paper_id) if hit else None


def _feedback(request: Request, t: str, p: str, v: str, *, undo: bool) -> Response:
    ctx = _ctx(request)
    verified = ctx.tokens.verify("feedback", t)
    with session_scope(ctx.engine) as session:
        sub = _subscriber(ctx, session, verified.payload) if verified.ok else None
        lang = ctx.lang(request, sub.language if sub else None)
        day, vote = None, 0
        try:
            day = date.fromisoformat(str((verified.payload or {}).get("d", "")))
            vote = int(v)
        except ValueError:
            sub = None
        paper = _in_edition(session, p, day) if sub is not None and day is not None else None
        if sub is None or paper is None or vote not in (1, -1):
            return _bad_token(ctx, request, verified if not verified.ok else Verified("invalid"), lang)
        s = web_strings(lang)
        before = feedback_for(session, [sub.key]).get(sub.key, {})
        set_feedback(session, sub.key, p, 0 if undo else vote)
        after = 0 if undo else vote
        if before.get(p, 0) != after:
            record_change(session, sub, "feedback-link", [("feedback " + p, str(before.get(p, "")), str(after or ""))])
            session.commit()
        if undo:
            return ctx.message(
                request,
                lang=lang,
                title_key="feedback_title",
                paragraphs=[s["feedback_undone"].format(title=paper.title)],
            )
        text = s["feedback_like" if vote > 0 else "feedback_dislike"].format(title=paper.title)
        return ctx.message(
            request,
            lang=lang,
            title_key="feedback_title",
            paragraphs=[text],
            form={"action": "/feedback/undo", "hidden": {"t": t, "p": p, "v": str(vote)}, "label": s["feedback_undo"]},
        )


@router.get("/feedback", response_class=HTMLResponse)
def feedback(request: Request, t: str = "", p: str = "", v: str = "1"):
    return _feedback(request, t, p, v, undo=False)


@router.post("/feedback/undo", response_class=HTMLResponse)
async def feedback_undo(request: Request):
    form = await request.form()
    return _feedback(request, str(form.get("t") or ""), str(form.get("p") or ""), str(form.get("v") or "1"), undo=True)
