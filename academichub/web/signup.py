"""Sign-up with double opt-in, the confirmation link (a page, then a POST), and the welcome email that
the confirmation sends (its button opens "rate ten papers")."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import select

from academichub.db import session_scope
from academichub.i18n import web_strings
from academichub.i18n.errors import explain
from academichub.mail.backends import OutcomeUnknown, PermanentSendError, TransientSendError
from academichub.mail.render import Links, render_confirmation, render_welcome
from academichub.web.app import WebContext, rate_limit
from academichub.web.readers import client_of, ctx_of, reader_of, send_mail
from subscribers.expand import expand_if_needed
from subscribers.models import Subscriber
from subscribers.radars import first_radar
from subscribers.service import INTERESTS_MAX, ProfileInput, SubscriberError, apply_profile, normalise_email, set_status

router = APIRouter()
log = logging.getLogger("academichub.web")


@router.get("/subscribe", response_class=HTMLResponse)
def signup_page(request: Request):
    ctx = ctx_of(request)
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
    ctx = ctx_of(request)
    form = await request.form()
    lang = ctx.lang(request, str(form.get("lang") or ""))
    s = web_strings(lang)
    values = {k: str(form.get(k) or "").strip() for k in ("email", "interests", "language")}
    errors = {}
    try:
        address = normalise_email(values["email"])
    except SubscriberError as exc:
        errors["email"] = explain(exc, lang)
        address = ""
    if len(values["interests"]) < 3:
        errors["interests"] = s["interests_help"]
    elif len(values["interests"]) > INTERESTS_MAX:
        errors["interests"] = s["too_long"].format(limit=f"{INTERESTS_MAX:,}", length=f"{len(values['interests']):,}")
        values["interests"] = values["interests"][:INTERESTS_MAX]  # shown back cut to what fits
    if values["language"] not in ("en", "zh", "bilingual"):
        errors["language"] = s["language"]
    elif "interests" not in errors:
        try:
            ProfileInput(interests=values["interests"], language=values["language"]).validate()
        except SubscriberError as exc:
            errors["interests"] = explain(exc, lang)
    if errors:
        return ctx.page(
            request, "signup.html", lang=lang, title=s["signup_title"], errors=errors, form=values, status=422
        )
    if not (
        rate_limit(ctx, ctx.settings.signup_limit_per_client, "signup-client", client_of(request))
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
            links = Links(confirm=ctx.link("confirm", "confirm", sub), contact=ctx.settings.contact)
            send_mail(
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
    ctx = ctx_of(request)
    with session_scope(ctx.engine) as session:
        sub, lang, bad = reader_of(ctx, request, session, "confirm", t)
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
        links=[  # the first thing a new reader can do: rate papers near their radar's boundary (web/onboard.py)
            {"href": ctx.link("preferences/rate", "preferences", sub), "label": s["rate_link"]},
            {"href": ctx.link("preferences", "preferences", sub), "label": s["prefs_title"]},
        ],
    )


@router.post("/confirm", response_class=HTMLResponse)
def confirm(request: Request, t: str = ""):
    ctx = ctx_of(request)
    with session_scope(ctx.engine) as session:
        sub, lang, bad = reader_of(ctx, request, session, "confirm", t)
        if sub is None:
            return bad
        if sub.status in ("pending", "unsubscribed") and set_status(session, sub, "active", via="confirm-link"):
            # Interests in a language the offline matcher does not read get English key phrases now,
            # once the address is confirmed (never for an unconfirmed sign-up), when an LLM is configured.
            profile = first_radar(session, sub.key)
            if profile is not None:
                expand_if_needed(ctx.settings, session, profile)
            _welcome(ctx, session, sub)  # once, when the link turns the subscription on (a second press sends none)
        return _confirmed(ctx, request, sub, lang)


def _welcome(ctx: WebContext, session, sub: Subscriber) -> None:
    """The welcome email: the subscription is on; its button opens "rate ten papers" (web/onboard.py)."""
    main = first_radar(session, sub.key)
    rendered = render_welcome(
        sub.language,
        ctx.email_templates,
        name=sub.name or "",
        interests=main.interests if main is not None else "",
        links=ctx.links.welcome(sub, ctx.settings.contact),
        today=ctx.today(),
    )
    try:  # the subscription is on either way: a mail server's refusal must not turn the answer into a 500
        send_mail(ctx, sub.email, rendered, "welcome")
    except (TransientSendError, PermanentSendError, OutcomeUnknown) as exc:
        log.warning("welcome email to subscriber %s not sent: %s", sub.id, exc)
