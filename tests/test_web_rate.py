""" "Rate ten papers" (issue 16 part 5's onboarding): the papers offered sit around each radar's cut-off on
the recorded sample day (plus a few from other themes), the ratings are the 👍/👎 feedback rows that
train the radar they were offered under (and so reach the learned ranker), and the page refuses a
tampered link, a missing CSRF token and a changed offer. Real app, real database, FastAPI TestClient."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from academichub.db import session_scope
from academichub.editions.edition import read_edition
from academichub.matching import learned
from academichub.matching.onboarding import COUNT, DIVERSE, WINDOW, boundary_picks
from academichub.matching.profiles import build_matcher, load_profiles
from academichub.settings import SAMPLE_DAY_DIR
from academichub.web.app import create_app
from subscribers.models import Feedback, Subscriber
from subscribers.radars import add_radar, first_radar, radars_of
from subscribers.service import ProfileInput, changes_of, upsert_subscriber
from tests.conftest import ingest_paths, web_settings

DAY = date(2026, 6, 22)


@pytest.fixture
def web(tmp_path):
    app = create_app(web_settings(tmp_path))
    ingest_paths(app, [SAMPLE_DAY_DIR], DAY)
    return app, TestClient(app, raise_server_exceptions=False)


def reader(app, address="ada@example.org", **kw) -> Subscriber:
    with session_scope(app.state.ctx.engine) as s:
        sub, _, _ = upsert_subscriber(
            s, address, ProfileInput(interests="large language model safety, jailbreak, alignment", **kw)
        )
        return sub


def link(app, sub) -> str:
    return app.state.ctx.tokens.sign("preferences", {"s": sub.id, "k": sub.link_key})


def form_of(page) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))


def offered_ids(app, page) -> list[str]:
    found = app.state.ctx.tokens.verify("rate", form_of(page)["offer"])
    return [pid for pid, _radar in found.payload["o"]]


def votes(app, sub) -> dict[str, tuple[int, int | None]]:
    with session_scope(app.state.ctx.engine) as s:
        rows = s.exec(select(Feedback).where(Feedback.subscriber_id == sub.id)).all()
        return {f.paper_id: (f.value, f.radar_id) for f in rows}


def text_of(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def test_the_papers_offered_sit_around_the_radars_cut_off_and_a_few_come_from_other_themes(web):
    app, _client = web
    sub = reader(app, papers_per_email=5)
    engine = app.state.ctx.engine
    edition = read_edition(engine, DAY)
    matcher = build_matcher(engine, edition, "tfidf")
    with session_scope(engine) as s:
        main = first_radar(s, sub.key)
    assert main is not None
    specs = load_profiles(engine, [(sub, main)])
    picks = boundary_picks(matcher, specs, set(), seed=sub.email)
    assert len(picks) == COUNT and len({p.paper_id for p in picks}) == COUNT
    near = [p for p in picks if p.near_cutoff]
    assert len(near) == COUNT - DIVERSE
    ranked = sorted(matcher.match([replace(specs[0], top_n=5 + WINDOW)])[sub.email], key=lambda m: -m.score)
    cut = ranked[4].score  # the fifth paper's score: what the reader's email of 5 papers ends at
    gap = max(abs((p.score or 0) - cut) for p in near)
    left = [m for m in ranked if m.paper_id not in {p.paper_id for p in near}]
    assert all(abs(m.score - cut) >= gap for m in left)  # nothing unpicked is nearer the cut-off
    assert any((p.score or 0) >= cut for p in near) and any((p.score or 0) < cut for p in near)  # both sides
    near_ids = {p.paper_id for p in near}
    themes = {int(matcher.themes[i]) for i, paper in enumerate(matcher.papers) if paper.id in near_ids}
    others = [p for p in picks if not p.near_cutoff]
    index = {paper.id: i for i, paper in enumerate(matcher.papers)}
    assert all(int(matcher.themes[index[p.paper_id]]) not in themes for p in others)
    assert boundary_picks(matcher, specs, set(), seed=sub.email) == picks  # the same offer for the same reader
    later = boundary_picks(matcher, specs, {p.paper_id for p in picks[:4]}, seed=sub.email)
    assert not {p.paper_id for p in later} & {p.paper_id for p in picks[:4]}  # rated papers are not offered again


def test_ratings_are_the_feedback_rows_that_train_the_offered_radar_and_reach_the_learned_ranker(web):
    app, client = web
    sub = reader(app)
    with session_scope(app.state.ctx.engine) as s:
        quantum = add_radar(s, sub, "quantum", ProfileInput(interests="quantum information, qubits"), via="cli")
    t = link(app, sub)
    page = client.get(f"/preferences/rate?t={t}&lang=en")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Papers of the edition of 2026-06-22" in text_of(page)
    assert "Radar: main" in text_of(page) and "Radar: quantum" in text_of(page)  # several radars: each named
    offer = app.state.ctx.tokens.verify("rate", form_of(page)["offer"]).payload["o"]
    assert len(offer) == COUNT and {r for _p, r in offer} >= {quantum.id}
    chosen = {f"v{i}": ("1" if i < 6 else "-1") for i in range(8)}  # six 👍, two 👎, two left "not sure"
    done = client.post("/preferences/rate?lang=en", data={**form_of(page), **chosen, "v8": "0"})
    assert done.status_code == 200 and "8 ratings saved (👍 6, 👎 2)" in text_of(done)
    stored = votes(app, sub)
    assert stored == {pid: (1 if i < 6 else -1, radar) for i, (pid, radar) in enumerate(offer[:8])}
    with session_scope(app.state.ctx.engine) as s:
        vias = [c.via for c in changes_of(s, sub.id)]
        radars = radars_of(s, sub.key)
        main = radars[0]
    assert vias[-1] == "rate-page"
    specs = load_profiles(app.state.ctx.engine, [(sub, main)])
    liked = sum(1 for _p, (v, _r) in stored.items() if v > 0)
    assert sum(len(spec.liked) for spec in specs) == liked and sum(len(spec.disliked) for spec in specs) == 2
    for spec in specs:  # each radar learns from the ratings it was offered under
        expected = sum(1 for i, (_p, r) in enumerate(offer[:6]) if (r or main.id) == (spec.radar_id or main.id))
        assert len(spec.liked) == expected, spec.radar
    again = client.get(f"/preferences/rate?t={t}&lang=en")
    assert not set(offered_ids(app, again)) & set(stored)  # the next ten are new ones


def test_five_likes_on_one_radar_switch_the_learned_ranker_on(web):
    app, client = web
    sub = reader(app, papers_per_email=5)
    t = link(app, sub)
    page = client.get(f"/preferences/rate?t={t}&lang=en")
    chosen = {f"v{i}": "1" for i in range(learned.MIN_POSITIVES)}
    assert client.post("/preferences/rate", data={**form_of(page), **chosen}).status_code == 200
    with session_scope(app.state.ctx.engine) as s:
        main = first_radar(s, sub.key)
    assert main is not None
    (spec,) = load_profiles(app.state.ctx.engine, [(sub, main)])
    assert len(learned.positives(spec)) == learned.MIN_POSITIVES
    edition = read_edition(app.state.ctx.engine, DAY)
    on = build_matcher(app.state.ctx.engine, edition, "tfidf")
    plain = [m.score for m in on.match([spec], explain=False)[sub.email]]
    on.learn = False
    try:
        rocchio = [m.score for m in on.match([spec], explain=False)[sub.email]]
    finally:
        on.learn = True
    assert plain != rocchio  # the classifier blends in once the ratings give it enough positives


def test_the_page_refuses_tampered_links_forged_forms_and_changed_offers(web):
    app, client = web
    sub = reader(app)
    t = link(app, sub)
    page = client.get(f"/preferences/rate?t={t}&lang=en")
    form = form_of(page)
    bad = client.get(f"/preferences/rate?t={t[:-3]}xyz&lang=en")
    assert bad.status_code == 400 and "The link is incomplete or was changed" in text_of(bad)
    assert client.post("/preferences/rate", data={**form, "t": t[:-3] + "xyz", "v0": "1"}).status_code == 400
    assert client.post("/preferences/rate", data={**form, "csrf": "", "v0": "1"}).status_code == 403
    assert TestClient(app).post("/preferences/rate", data={**form, "v0": "1"}).status_code == 403  # no cookie
    other = reader(app, "bob@example.org")
    theirs = client.get(f"/preferences/rate?t={link(app, other)}&lang=en")
    stolen = client.post("/preferences/rate?lang=en", data={**form, "offer": form_of(theirs)["offer"], "v0": "1"})
    assert stolen.status_code == 400 and "This page is out of date" in text_of(stolen)
    forged = app.state.ctx.tokens.sign("preferences", {"s": sub.id, "o": [["2606.12020", None]]})  # wrong purpose
    assert client.post("/preferences/rate", data={**form, "offer": forged, "v0": "1"}).status_code == 400
    none = client.post("/preferences/rate?lang=en", data={**form, "v0": "0"})
    assert none.status_code == 422 and "Choose 👍 or 👎 for at least one paper." in text_of(none)
    assert votes(app, sub) == {} and votes(app, other) == {}


def test_confirming_and_the_preference_page_lead_to_it_and_a_day_without_papers_says_so(tmp_path):
    app = create_app(web_settings(tmp_path))
    client = TestClient(app, raise_server_exceptions=False)
    sub = reader(app, language="en")
    t = link(app, sub)
    prefs = client.get(f"/preferences?t={t}")
    rate_href = html.unescape(re.search(r'<a href="([^"]+)" id="rate-link">', prefs.text).group(1))
    assert rate_href.startswith("http://testserver/preferences/rate?t=")
    empty = client.get(rate_href.replace("http://testserver", ""))
    assert empty.status_code == 200 and "There are no new papers to rate yet" in text_of(empty)
    confirm = app.state.ctx.tokens.sign("confirm", {"s": sub.id, "k": sub.link_key})
    done = client.post(f"/confirm?t={confirm}")
    assert "Rate ten papers to train your radar" in text_of(done) and "/preferences/rate?t=" in done.text


def test_one_matcher_is_kept_for_the_latest_edition_only(web, tmp_path):
    from datetime import timedelta

    from tests.daygen import arxiv_feed, ids_for, write

    app, client = web
    sub = reader(app)
    t = link(app, sub)
    assert client.get(f"/preferences/rate?t={t}").status_code == 200
    edition, matcher = app.state.ctx.rate_matcher
    assert edition.day == DAY and edition.matchers == {}  # not also kept with the edition
    assert client.get(f"/preferences/rate?t={t}").status_code == 200
    assert app.state.ctx.rate_matcher[1] is matcher  # reused
    later = DAY + timedelta(days=1)
    ingest_paths(app, [write(tmp_path / "later", {"ai.xml": arxiv_feed("cs.AI", later, ids_for(later, 12))})], later)
    page = client.get(f"/preferences/rate?t={t}&lang=en")
    assert "Papers of the edition of 2026-06-23" in text_of(page)
    assert app.state.ctx.rate_matcher[0].day == later and app.state.ctx.rate_matcher[1] is not matcher


def welcome_mail(tmp_path, address: str):
    import email
    from email import policy

    path = tmp_path / "outbox" / "mail-welcome" / f"{address}.eml"
    return email.message_from_bytes(path.read_bytes(), policy=policy.default) if path.exists() else None


@pytest.mark.parametrize(
    ("language", "subject", "button", "invalid"),
    [
        ("en", "Welcome to AcademicHub: your subscription is confirmed", "Rate ten papers", "The link is incomplete"),
        ("zh", "欢迎使用 AcademicHub：您的订阅已确认", "为十篇论文打分", "链接不完整或已被修改"),
    ],
)
def test_confirming_sends_one_welcome_email_whose_signed_link_opens_that_readers_rate_page(
    tmp_path, language, subject, button, invalid
):
    app = create_app(web_settings(tmp_path))
    ingest_paths(app, [SAMPLE_DAY_DIR / "arxiv-rss-cs.AI.xml"], DAY)
    client = TestClient(app, raise_server_exceptions=False)
    address = f"new-{language}@example.org"
    signed = client.post(
        "/subscribe", data={"email": address, "interests": "LLM agents, reasoning", "language": language}
    )
    assert signed.status_code == 200 and welcome_mail(tmp_path, address) is None  # nothing before the confirmation
    with session_scope(app.state.ctx.engine) as s:
        sub = s.exec(select(Subscriber).where(Subscriber.email == address)).one()
    confirm = f"/confirm?t={app.state.ctx.tokens.sign('confirm', {'s': sub.id, 'k': sub.link_key})}"
    assert client.post(confirm).status_code == 200
    msg = welcome_mail(tmp_path, address)
    assert msg is not None and msg["Subject"] == subject and msg["To"] == address
    text = msg.get_body(("plain",)).get_content()
    page_html = msg.get_body(("html",)).get_content()
    in_text = re.findall(r"http://testserver/preferences/rate\?t=[\w.\-]+", text)
    in_html = [html.unescape(h) for h in re.findall(r'href="(http://testserver/preferences/rate\?t=[^"]+)"', page_html)]
    assert len(in_text) == 1 and in_html == in_text  # the same signed link in both parts
    assert f"{button}：" in text if language == "zh" else f"{button}: " in text
    assert button in page_html and "LLM agents, reasoning" in text  # the button, and the interests it starts from
    assert "http://testserver/unsubscribe?t=" in text and "http://testserver/preferences?t=" in text
    rate = client.get(in_text[0].replace("http://testserver", ""))
    assert rate.status_code == 200 and button in text_of(rate)  # the page's title
    offer = app.state.ctx.tokens.verify("rate", form_of(rate)["offer"]).payload
    assert offer["s"] == sub.id and offer["o"]  # the rate page of that reader, with papers to rate
    tampered = in_text[0][:-4] + ("AAAA" if not in_text[0].endswith("AAAA") else "BBBB")  # the signature changed
    bad = client.get(
        tampered.replace("http://testserver", "") + f"&lang={language}"
    )  # no reader: the visitor's language
    assert bad.status_code == 400 and invalid in text_of(bad)  # the clear invalid-link page, not a 500
    welcome_mail_path = tmp_path / "outbox" / "mail-welcome" / f"{address}.eml"
    welcome_mail_path.unlink()
    assert client.post(confirm).status_code == 200 and welcome_mail(tmp_path, address) is None  # one welcome only


def test_a_mail_server_refusing_the_welcome_email_still_confirms(tmp_path):
    from academichub.mail.backends import TransientSendError

    class Refusing:
        name = "refusing"

        def send(self, email):
            raise TransientSendError("421 try again later")

        def suppressed(self):
            return {}

        def close(self):
            pass

    app = create_app(web_settings(tmp_path), mailer=Refusing())
    client = TestClient(app, raise_server_exceptions=False)
    sub = reader(app, "late@example.org", language="en")
    with session_scope(app.state.ctx.engine) as s:
        row = s.get(Subscriber, sub.id)
        assert row is not None
        row.status = "pending"
        s.add(row)
        s.commit()
    done = client.post(f"/confirm?t={app.state.ctx.tokens.sign('confirm', {'s': sub.id, 'k': sub.link_key})}")
    assert done.status_code == 200 and "Rate ten papers to train your radar" in text_of(done)
    with session_scope(app.state.ctx.engine) as s:
        assert s.exec(select(Subscriber).where(Subscriber.id == sub.id)).one().status == "active"


def labels_of(page) -> list[str]:
    return [
        m.rsplit(" · ", 1)[-1] for m in re.findall(r'<p class="meta">([^<]* · [^<]*)</p>', html.unescape(page.text))
    ]


def test_each_card_says_whether_it_is_near_the_cut_off_or_exploration_in_zh_and_en(web):
    """Near-cut-off papers say so; only the exploratory ones say "from another theme", and the intro says
    what the page holds, also when the radar ranks few or none of the day's papers."""
    app, client = web
    typical = reader(app, papers_per_email=5)
    with session_scope(app.state.ctx.engine) as s:
        none, _, _ = upsert_subscriber(s, "none@example.org", ProfileInput(interests="zymurgy"))
    for lang, near, other, more in (
        ("en", "near your radar's cut-off", "from another theme", "from elsewhere in the edition"),
        ("zh", "接近雷达的推荐分界", "来自其他主题", "来自本期其他方向"),
    ):
        page = client.get(f"/preferences/rate?t={link(app, typical)}&lang={lang}")
        labels = labels_of(page)
        assert labels == [near] * (COUNT - DIVERSE) + [other] * DIVERSE, labels
        assert ("most sit near the line" if lang == "en" else "多数位于雷达推荐与不推荐的分界附近") in text_of(page)
        page = client.get(f"/preferences/rate?t={link(app, none)}&lang={lang}")
        labels = labels_of(page)
        assert labels == [more] * COUNT, labels  # no near ones: nothing to be "another theme" than
        assert ("ranks none of them yet" if lang == "en" else "还没有为您排到其中任何一篇") in text_of(page)
