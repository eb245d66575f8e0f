"""Unsubscribe: the page and its button, and RFC 8058 one-click."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from academichub.db import session_scope
from academichub.i18n import web_strings
from academichub.web.readers import ctx_of, left_page, reader_of
from subscribers.service import set_status

router = APIRouter()


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, t: str = ""):
    ctx = ctx_of(request)
    with session_scope(ctx.engine) as session:
        sub, lang, bad = reader_of(ctx, request, session, "unsubscribe", t)
        if sub is None:
            return bad
        s = web_strings(lang)
        if sub.status == "unsubscribed":
            return left_page(ctx, request, sub, lang)
        return ctx.message(
            request,
            lang=lang,
            title_key="unsub_title",
            paragraphs=[s["unsub_intro"].format(email=sub.email)],
            form={"action": f"/unsubscribe?t={t}", "hidden": {}, "label": s["unsub_button"], "cls": "danger"},
        )


async def _start_of_body(request: Request, limit: int = 256) -> str:
    """The first ``limit`` bytes of the body (all one-click needs); the rest is never read."""
    head = b""
    async for chunk in request.stream():
        head += chunk
        if len(head) >= limit:
            break
    return head[:limit].decode("utf-8", "replace")


@router.post("/unsubscribe")
async def unsubscribe(request: Request, t: str = ""):
    """The page's button and RFC 8058 one-click (body ``List-Unsubscribe=One-Click``, no cookie, no
    CSRF token: the signed link is the authority). Idempotent."""
    ctx = ctx_of(request)
    one_click = "List-Unsubscribe=One-Click" in await _start_of_body(request)
    with session_scope(ctx.engine) as session:
        sub, _lang, bad = reader_of(ctx, request, session, "unsubscribe", t)
        if sub is None:
            return PlainTextResponse("invalid unsubscribe link\n", status_code=400) if one_click else bad
        if sub.status != "unsubscribed":
            set_status(session, sub, "unsubscribed", via="one-click" if one_click else "unsubscribe-link")
        if one_click:
            return PlainTextResponse("unsubscribed\n")
        return left_page(ctx, request, sub, ctx.lang(request, sub.language))
