"""👍/👎 from the emails: a vote on a paper of that reader's email, and its undo."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from academichub.db import session_scope
from academichub.i18n import web_strings
from academichub.models import EditionPaper, Paper
from academichub.web.readers import bad_token, ctx_of, subscriber_of
from subscribers.service import feedback_for, record_change, set_feedback
from subscribers.tokens import Verified

router = APIRouter()


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
    ctx = ctx_of(request)
    verified = ctx.tokens.verify("feedback", t)
    with session_scope(ctx.engine) as session:
        sub = subscriber_of(ctx, session, verified.payload) if verified.ok else None
        lang = ctx.lang(request, sub.language if sub else None)
        day, vote = None, 0
        try:
            day = date.fromisoformat(str((verified.payload or {}).get("d", "")))
            vote = int(v)
        except ValueError:
            sub = None
        paper = _in_edition(session, p, day) if sub is not None and day is not None else None
        if sub is None or paper is None or vote not in (1, -1):
            return bad_token(ctx, request, verified if not verified.ok else Verified("invalid"), lang)
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
