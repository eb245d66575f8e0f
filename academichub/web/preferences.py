"""The preference center: the preferences page and form, and a fresh link for an expired one.
Every page is reached from a signed link; nobody needs a password."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from academichub.db import session_scope
from academichub.i18n import web_strings
from academichub.i18n.errors import explain
from academichub.mail.render import render_fresh_link, render_saved
from academichub.papers.library import MAX_ENTRIES, MAX_FILE_BYTES
from academichub.web.app import WebContext, rate_limit
from academichub.web.choices import choosable_categories, source_choices
from academichub.web.libsources import source_rows
from academichub.web.readers import bad_token, ctx_of, reader_links, reader_of, send_mail, subscriber_of
from subscribers.channels import channels_of, mask_channel
from subscribers.expand import expand_if_needed
from subscribers.library import library_summary
from subscribers.models import WEEKDAYS, InterestProfile, Subscriber
from subscribers.radars import first_radar, radars_of
from subscribers.service import INTERESTS_MAX, ProfileInput, SubscriberError, apply_profile, split_list
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


def csrf_pair(ctx: WebContext, request: Request) -> tuple[str, str]:
    """(the cookie's nonce, the form's signed token): this browser's nonce when it has one."""
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
    channel_notice: str = "",
    channel_error: str = "",
    radar_notice: str = "",
    radar_error: tuple[str, str, dict] | None = None,  # (which form: "new" or a radar id, message, values)
    library_report: dict | None = None,  # what an upload read (web/library.py)
    library_error: str = "",
    source_notice: str = "",
    source_error: str = "",
) -> HTMLResponse:
    s = web_strings(lang)
    nonce, csrf = csrf_pair(ctx, request)
    with session_scope(ctx.engine) as session:  # the radars and channels as they are now
        radars = radars_of(session, sub.key)
        channels = [{"id": c.id, "shown": mask_channel(c.url)} for c in channels_of(session, sub.key, active_only=True)]
        sources = source_rows(session, sub.key, radars, lang)
    libraries = [(r, library_summary(r)) for r in radars]
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
        choices=source_choices(ctx, lang),
        weekdays=WEEKDAYS,
        feed_url=ctx.link("feed.xml", "feed", sub),
        unsubscribe_url=ctx.link("unsubscribe", "unsubscribe", sub),
        channels=channels,
        channel_notice=channel_notice,
        channel_error=channel_error,
        radars=radars,
        radar_notice=radar_notice,
        radar_error=radar_error,
        libraries=libraries,
        library_report=library_report,
        library_error=library_error,
        library_limits={"mb": MAX_FILE_BYTES // (1024 * 1024), "entries": f"{MAX_ENTRIES:,}"},
        sources=sources,
        source_notice=source_notice,
        source_error=source_error,
        rate_url=ctx.link("preferences/rate", "preferences", sub),
    )
    return with_csrf_cookie(ctx, response, nonce)


def with_csrf_cookie(ctx: WebContext, response: HTMLResponse, nonce: str) -> HTMLResponse:
    """The browser's half of the CSRF pair, for every page under /preferences that has a form."""
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


def form_reader(ctx: WebContext, request: Request, session, form) -> tuple[Subscriber | HTMLResponse, str, str]:
    """Who a posted preference form acts for, checked once for every such form: their signed link
    (an active reader; an expired link offers a fresh one) and this browser's CSRF token. Returns
    (the reader or the page that refuses, the page's language, the link's token)."""
    token = str(form.get("t") or "")
    sub, lang, bad = reader_of(ctx, request, session, "preferences", token, active_only=True, renew=True)
    if sub is None or bad is not None:
        return (
            bad or ctx.message(request, lang=lang, title_key="bad_link_title", paragraphs=[], status=400),
            lang,
            token,
        )
    forged = forged_form(ctx, request, form, token, lang)
    return (forged if forged is not None else sub), lang, token


def forged_form(ctx: WebContext, request: Request, form, token: str, lang: str) -> HTMLResponse | None:
    """The 403 page when a posted form's CSRF token does not match this browser's cookie, else None."""
    csrf = ctx.tokens.verify("csrf", str(form.get("csrf") or ""))
    cookie = request.cookies.get(CSRF_COOKIE)
    if csrf.ok and cookie and secrets.compare_digest(str((csrf.payload or {}).get("n", "")), cookie):
        return None
    return ctx.message(
        request,
        lang=lang,
        title_key="forged_title",
        paragraphs=[web_strings(lang)["forged"]],
        status=403,
        link={"href": f"/preferences?t={token}", "label": web_strings(lang)["prefs_title"]},
    )


@router.get("/preferences", response_class=HTMLResponse)
def preferences_page(request: Request, t: str = ""):
    ctx = ctx_of(request)
    with session_scope(ctx.engine) as session:
        sub, lang, bad = reader_of(ctx, request, session, "preferences", t, active_only=True, renew=True)
        if sub is None:
            return bad
        profile = first_radar(session, sub.key) or InterestProfile(subscriber_id=sub.key)
        return _preferences_page(ctx, request, sub, profile, t, lang=ctx.lang(request, sub.language))


def _field_errors(
    values: dict, known: frozenset[str], today: date, lang: str = "en"
) -> tuple[ProfileInput | None, dict[str, str]]:
    """Validate field by field, so each message sits next to its field (in the page's language)."""
    errors: dict[str, str] = {}
    parsed: dict = {}

    def check(name: str, **kwargs) -> None:
        try:
            ProfileInput(**kwargs, known_categories=known).validate()
            parsed.update(kwargs)
        except SubscriberError as exc:
            errors[name] = explain(exc, lang)

    def as_int(name: str, raw: str, lo: int, hi: int):
        try:
            return int(raw)
        except ValueError:
            errors[name] = explain(SubscriberError.of("err_whole_number", lo=lo, hi=hi, value=repr(raw)), lang)
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
    if len(values["interests"]) > INTERESTS_MAX:
        length = f"{len(values['interests']):,}"
        errors["interests"] = explain(
            SubscriberError.of("err_too_long", limit=f"{INTERESTS_MAX:,}", length=length), lang
        )
    paused_until = None
    if values["paused_until"]:
        try:
            paused_until = date.fromisoformat(values["paused_until"])
        except ValueError:
            errors["paused_until"] = explain(
                SubscriberError.of("err_date_form", value=repr(values["paused_until"])), lang
            )
        else:
            if paused_until <= today:
                errors["paused_until"] = explain(SubscriberError.of("err_date_past"), lang)
            elif paused_until > today + timedelta(days=366):
                errors["paused_until"] = explain(SubscriberError.of("err_date_far"), lang)
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
    ctx = ctx_of(request)
    form = await request.form()
    with session_scope(ctx.engine) as session:
        sub, lang, token = form_reader(ctx, request, session, form)
        if isinstance(sub, HTMLResponse):
            return sub
        values: dict[str, object] = {k: str(form.get(k) or "").strip() for k in FIELDS if k != "categories"}
        chosen = [str(c) for c in form.getlist("categories")] + split_list(str(form.get("add_categories") or ""))
        values["categories"] = list(dict.fromkeys(c.strip() for c in chosen if c.strip()))
        values["resume"] = bool(form.get("resume"))
        profile = first_radar(session, sub.key) or InterestProfile(subscriber_id=sub.key)
        data, errors = _field_errors(values, frozenset(choosable_categories(ctx)), ctx.today(), lang)
        if data is None:  # a field is invalid: errors says which
            return _preferences_page(
                ctx, request, sub, profile, token, lang=lang, form=values, errors=errors, status=422
            )
        sub, profile, _created, changes = apply_profile(session, sub.email, data, via="preferences-link")
        expand_if_needed(ctx.settings, session, profile)
        lang = ctx.lang(request, sub.language) if "language" in dict((c[0], c) for c in changes) else lang
        if changes:
            send_mail(
                ctx,
                sub.email,
                render_saved(
                    sub.language,
                    ctx.email_templates,
                    name=sub.name,
                    changes=changes,
                    interests=profile.interests,
                    links=reader_links(ctx, sub),
                    today=ctx.today(),
                ),
                "saved",
            )
        return _preferences_page(ctx, request, sub, profile, token, lang=ctx.lang(request, sub.language), saved=changes)


@router.post("/preferences/renew", response_class=HTMLResponse)
async def renew(request: Request):
    """An expired preferences link (signature good, only old): email a fresh one to that reader."""
    ctx = ctx_of(request)
    form = await request.form()
    v = ctx.tokens.verify("preferences", str(form.get("t") or ""))
    with session_scope(ctx.engine) as session:
        sub = subscriber_of(ctx, session, v.payload) if v.status in ("ok", "expired") else None
        lang = ctx.lang(request, sub.language if sub else None)
        if sub is None:
            return bad_token(ctx, request, Verified("invalid"), lang)
        s = web_strings(lang)
        if rate_limit(ctx, ctx.settings.signup_limit_per_address, "renew", sub.email) and sub.status not in (
            "unsubscribed",
            "bounced",
            "complained",
        ):
            send_mail(
                ctx,
                sub.email,
                render_fresh_link(
                    sub.language, ctx.email_templates, name=sub.name, links=reader_links(ctx, sub), today=ctx.today()
                ),
                "fresh-link",
            )
        return ctx.message(request, lang=lang, title_key="fresh_sent_title", paragraphs=[s["fresh_sent"]])
