"""The preference page's radars: add, edit (name and interests) and remove a reader's other radars
(POST forms with the preferences link's token and the page's CSRF token; the first radar is the
interests of the main form). Every answer is the preference page again, with a notice or the error
next to its form, in the reader's language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from academichub.db import session_scope
from academichub.i18n import web_strings
from academichub.web.choices import choosable_categories
from academichub.web.preferences import _preferences_page, form_reader
from academichub.web.readers import ctx_of
from subscribers.expand import expand_if_needed
from subscribers.models import InterestProfile
from subscribers.radars import (
    RADARS_MAX,
    add_radar,
    check_radar_name,
    first_radar,
    radars_of,
    remove_radar,
    update_radar,
)
from subscribers.service import ProfileInput, SubscriberError, split_list

router = APIRouter()
TEXT_FIELDS = ("name", "interests", "keywords", "exclude", "authors")


def _values(form) -> dict:
    values: dict = {k: str(form.get(k) or "").strip() for k in TEXT_FIELDS}
    values["categories"] = [str(c) for c in form.getlist("categories")][:100]
    return values


def _data(values: dict, known: frozenset[str]) -> ProfileInput:
    return ProfileInput(
        interests=values["interests"],
        keywords=split_list(values["keywords"]),
        exclude=split_list(values["exclude"]),
        categories=[c for c in values["categories"] if c in known],
        authors=split_list(values["authors"]),
    )


def _problem(s: dict, values: dict, data: ProfileInput, taken: list[str], count: int | None) -> str | None:
    """What is wrong with a radar form, in the reader's language (None: nothing)."""
    try:
        name = check_radar_name(values["name"])
    except SubscriberError:
        return s["radar_err_name"]
    if name.casefold() in (t.casefold() for t in taken):
        return s["radar_err_taken"].format(name=name)
    try:
        data.validate()
    except SubscriberError:
        return s["radar_err_field"]
    if not data.interests and not data.keywords and not data.authors:
        return s["radar_err_empty"]
    if count is not None and count >= RADARS_MAX:
        return s["radar_err_many"].format(count=RADARS_MAX)
    return None


async def _radar_action(request: Request, action: str) -> HTMLResponse:
    ctx = ctx_of(request)
    form = await request.form()
    with session_scope(ctx.engine) as session:
        sub, lang, token = form_reader(ctx, request, session, form)
        if isinstance(sub, HTMLResponse):
            return sub
        s = web_strings(lang)
        profile = first_radar(session, sub.key) or InterestProfile(subscriber_id=sub.key)
        radars = radars_of(session, sub.key)
        values = _values(form)
        wanted = str(form.get("radar") or "")
        radar = next((r for r in radars if str(r.id) == wanted), None)

        def page(notice: str = "", error: tuple[str, str, dict] | None = None) -> HTMLResponse:
            status = 422 if error else 200
            return _preferences_page(
                ctx, request, sub, profile, token, lang=lang, status=status, radar_notice=notice, radar_error=error
            )

        if action != "add" and (radar is None or radar.id == radars[0].id):  # the first radar is the main form's
            return page(error=("new", s["radar_err_unknown"], {}))
        if action == "remove" and radar is not None:
            if len(radars) <= 1:
                return page(error=(str(radar.id), s["radar_err_last"], {}))
            remove_radar(session, sub, radar.name, via="preferences-link")
            return page(notice=s["radar_removed"].format(name=radar.name))
        data = _data(values, frozenset(choosable_categories(ctx)))
        others = [r.name for r in radars if radar is None or r.id != radar.id]
        problem = _problem(s, values, data, others, len(radars) if action == "add" else None)
        where = "new" if radar is None else str(radar.id)
        if problem:
            return page(error=(where, problem, values))
        try:
            if radar is None:
                saved = add_radar(session, sub, values["name"], data, via="preferences-link")
                notice = s["radar_added"]
            else:
                saved, _changes = update_radar(
                    session, sub, radar.name, data, via="preferences-link", new_name=values["name"]
                )
                notice = s["radar_saved"]
        except SubscriberError:  # a race with another tab: the checks above passed a moment ago
            session.rollback()
            return page(error=(where, s["radar_err_field"], values))
        expand_if_needed(ctx.settings, session, saved)  # non-English interests, when an LLM is configured
        return page(notice=notice.format(name=saved.name))


@router.post("/preferences/radars/add", response_class=HTMLResponse)
async def radar_add(request: Request):
    return await _radar_action(request, "add")


@router.post("/preferences/radars/edit", response_class=HTMLResponse)
async def radar_edit(request: Request):
    return await _radar_action(request, "edit")


@router.post("/preferences/radars/remove", response_class=HTMLResponse)
async def radar_remove(request: Request):
    return await _radar_action(request, "remove")
