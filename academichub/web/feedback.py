"""👍/👎 from the emails. The link only opens a page; its button records the vote (a POST), so a mail
scanner that follows every link records nothing. A vote counts only for a paper that was in that
reader's email (the delivery ledger keeps what each email carried), and it trains the radar the paper
was shown under there."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from academichub.db import session_scope
from academichub.i18n import web_strings
from academichub.models import Delivery, Paper
from academichub.web.app import WebContext
from academichub.web.readers import bad_token, ctx_of, subscriber_of
from subscribers.models import Subscriber
from subscribers.radars import feedback_for, radars_of, set_feedback
from subscribers.service import record_change
from subscribers.tokens import Verified

router = APIRouter()


def in_email(session, sub: Subscriber, day: date, paper_id: str) -> Paper | None:
    """The paper, if it was in the email this reader was sent for ``day`` (daily, or a week's digest)."""
    return session.get(Paper, paper_id) if _item(session, sub, day, paper_id) is not None else None


def _item(session, sub: Subscriber, day: date, paper_id: str) -> dict | None:
    """What the email of ``day`` said about the paper (None: it was not in it)."""
    row = session.exec(select(Delivery).where(Delivery.subscriber_id == sub.key, Delivery.edition_date == day)).first()
    items = (row.content or {}).get("items", []) if row else []
    return next((i for i in items if isinstance(i, dict) and i.get("id") == paper_id), None)


def shown_under(session, sub: Subscriber, day: date, paper_id: str) -> int | None:
    """The radar the paper was shown under in that email, if the reader still has it (None: the
    first radar, which also takes the votes of emails from before radars)."""
    radar = (_item(session, sub, day, paper_id) or {}).get("radar_id")
    return radar if radar in {r.id for r in radars_of(session, sub.key)} else None


def _parse_vote(v: str) -> int | None:
    return {"1": 1, "-1": -1}.get(v.strip())


def _feedback(request: Request, t: str, p: str, v: str, *, action: str) -> Response:
    """``action``: ask (the GET: a page with a button, nothing recorded), vote, or undo."""
    ctx = ctx_of(request)
    verified = ctx.tokens.verify("feedback", t)
    with session_scope(ctx.engine) as session:
        sub = subscriber_of(ctx, session, verified.payload) if verified.ok else None
        lang = ctx.lang(request, sub.language if sub else None)
        try:
            day: date | None = date.fromisoformat(str((verified.payload or {}).get("d", "")))
        except ValueError:
            day = None
        vote = _parse_vote(v)
        if sub is None or day is None or vote is None:
            return bad_token(ctx, request, verified if not verified.ok else Verified("invalid"), lang)
        s = web_strings(lang)
        paper = in_email(session, sub, day, p)
        if paper is None:
            return ctx.message(
                request, lang=lang, title_key="bad_link_title", paragraphs=[s["feedback_not_in_email"]], status=400
            )
        hidden = {"t": t, "p": p, "v": str(vote)}
        if action == "ask":
            return _ask(ctx, request, lang, paper, vote, hidden)
        before = feedback_for(session, [sub.key]).get(sub.key, {})
        after = 0 if action == "undo" else vote
        set_feedback(session, sub.key, p, after, shown_under(session, sub, day, p))  # trains that radar
        if before.get(p, 0) != after:
            record_change(session, sub, "feedback-link", [("feedback " + p, str(before.get(p, "")), str(after or ""))])
            session.commit()
        if action == "undo":
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
            form={"action": "/feedback/undo", "hidden": hidden, "label": s["feedback_undo"]},
        )


def _ask(ctx: WebContext, request: Request, lang: str, paper: Paper, vote: int, hidden: dict) -> HTMLResponse:
    s = web_strings(lang)
    return ctx.message(
        request,
        lang=lang,
        title_key="feedback_ask_title",
        paragraphs=[s["feedback_ask_like" if vote > 0 else "feedback_ask_dislike"].format(title=paper.title)],
        form={"action": "/feedback", "hidden": hidden, "label": s["more_like" if vote > 0 else "less_like"]},
    )


@router.get("/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, t: str = "", p: str = "", v: str = "1"):
    """The link in the email: a page asking to confirm the vote (a GET records nothing)."""
    return _feedback(request, t, p, v, action="ask")


async def _form_feedback(request: Request, action: str) -> Response:
    form = await request.form()
    return _feedback(
        request, str(form.get("t") or ""), str(form.get("p") or ""), str(form.get("v") or ""), action=action
    )


@router.post("/feedback", response_class=HTMLResponse)
async def feedback(request: Request):
    return await _form_feedback(request, "vote")


@router.post("/feedback/undo", response_class=HTMLResponse)
async def feedback_undo(request: Request):
    return await _form_feedback(request, "undo")
