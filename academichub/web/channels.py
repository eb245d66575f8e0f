"""The preference page's chat channels: add one (checked by Apprise; no local or private address),
remove one, email on or off. Each is a POST with the preference link's token and the page's CSRF
token; the page shows channels only masked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from academichub.db import session_scope
from academichub.i18n import web_strings
from academichub.web.preferences import _preferences_page, form_reader
from academichub.web.readers import ctx_of, form_id
from subscribers.channels import add_channel, mask_channel, remove_channel, set_email_enabled
from subscribers.models import InterestProfile
from subscribers.service import SubscriberError

router = APIRouter()
VIA = "preferences-link"


@router.post("/preferences/channels/{action}", response_class=HTMLResponse)
async def channels(request: Request, action: str):
    ctx = ctx_of(request)
    form = await request.form()
    with session_scope(ctx.engine) as session:
        sub, lang, token = form_reader(ctx, request, session, form)
        if isinstance(sub, HTMLResponse):
            return sub
        s = web_strings(lang)
        notice = error = ""
        try:
            if action == "add":
                ch = add_channel(session, sub, str(form.get("url") or "")[:4000], via=VIA)
                notice = s["channel_added"].format(channel=mask_channel(ch.url))
            elif action == "remove":
                raw = str(form.get("channel") or "")
                ch = remove_channel(session, sub, form_id(raw), via=VIA)
                notice = s["channel_removed"].format(channel=mask_channel(ch.url))
            elif action == "email":
                on = bool(form.get("email"))
                if set_email_enabled(session, sub, on, via=VIA):
                    notice = s["email_on_done" if on else "email_off_done"]
            else:
                return ctx.message(request, lang=lang, title_key="not_found_title", paragraphs=[], status=404)
        except SubscriberError as exc:
            session.rollback()
            error = s["channel_error"].format(detail=exc)
        session.refresh(sub)
        profile = session.get(InterestProfile, sub.id) or InterestProfile(subscriber_id=sub.key)
        return _preferences_page(
            ctx,
            request,
            sub,
            profile,
            token,
            lang=lang,
            status=422 if error else 200,
            channel_notice=notice,
            channel_error=error,
        )
