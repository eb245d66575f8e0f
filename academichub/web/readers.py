"""What every page reached from a signed link shares: the reader a token names, the 400/410 pages,
and sending the transactional mails.

Token cases, the same on every route: invalid (tampered, truncated, wrong purpose) -> 400 page;
expired -> 410 page (preferences: with an offer to email a fresh link); unknown subscriber -> 400.
A reader who unsubscribed and opens a page for active readers (preferences, "rate ten papers") is
told so in their own language, with the way back (``left_page``), not shown a broken link.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from academichub.i18n import web_strings
from academichub.mail.backends import OutgoingEmail
from academichub.mail.message import build_message
from academichub.mail.render import Links
from academichub.web.app import WebContext
from subscribers.models import Subscriber
from subscribers.tokens import Verified, named_reader


def ctx_of(request: Request) -> WebContext:
    return request.app.state.ctx


def bad_token(
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


def subscriber_of(ctx: WebContext, session, payload: dict | None) -> Subscriber | None:
    """The reader a link was made for (id and link key match), or None."""
    return named_reader(session, payload)


def reader_of(
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
    sub = subscriber_of(ctx, session, v.payload) if v.ok else None
    lang = ctx.lang(request, sub.language if sub else None)
    if sub is not None and active_only and sub.status == "unsubscribed":
        return None, lang, left_page(ctx, request, sub, lang)
    if sub is None:
        return (
            None,
            lang,
            bad_token(ctx, request, v if not v.ok else Verified("invalid"), lang, renew=renew, token=token),
        )
    return sub, lang, None


def left_page(ctx: WebContext, request: Request, sub: Subscriber, lang: str) -> HTMLResponse:
    """A reader who unsubscribed: that no more emails go to them, and the way back (sign up again)."""
    s = web_strings(lang)
    return ctx.message(
        request,
        lang=lang,
        title_key="unsubscribed_title",
        paragraphs=[s["unsubscribed"].format(email=sub.email)],
        link={"href": "/subscribe" + ("?lang=en" if lang == "en" else ""), "label": s["resubscribe"]},
    )


def send_mail(ctx: WebContext, to: str, rendered, kind: str) -> None:
    """Transactional mail (confirmation, preferences saved, fresh link) through the configured mailer."""
    msg = build_message(rendered, sender=ctx.settings.sender, to=to)
    ctx.mailer.send(OutgoingEmail(msg, folder=f"mail-{kind}", html=rendered.html, tags={"kind": kind}))


def reader_links(ctx: WebContext, sub: Subscriber) -> Links:
    return ctx.links.account(sub, ctx.settings.contact)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def form_id(raw: object) -> int:
    """A row id from a posted form, or -1 (no row has it): ASCII digits only (``"²".isdigit()`` is
    true and ``int("²")`` fails) and few of them (400 nines are no database integer)."""
    text = str(raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else -1
