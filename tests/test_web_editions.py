"""The edition pages, the JSON API, "view in browser" and the personal feed (TestClient, real app)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from academichub.briefing.compose import briefing_record, compose
from academichub.db import session_scope
from academichub.delivery import ledger
from academichub.editions.edition import read_edition
from academichub.matching.match import ProfileSpec
from academichub.matching.profiles import build_matcher
from academichub.models import Delivery, Edition
from academichub.papers.ingest import ingest_documents, read_document
from academichub.settings import SAMPLE_DAY_DIR
from academichub.web.app import create_app
from subscribers.models import Feedback
from subscribers.service import ProfileInput, upsert_subscriber
from tests.conftest import FIXTURES, ingest_paths, seeded_copy, web_settings

DAY = date(2026, 6, 22)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory) -> Path:
    """The sample day and, a day before, a real journal feed (items with no abstract), with their themes."""
    folder = tmp_path_factory.mktemp("web-editions")
    app = create_app(web_settings(folder))
    ingest_paths(app, [SAMPLE_DAY_DIR], DAY)
    ingest_paths(app, [FIXTURES / "nature-rss-dakesan.xml"], date(2026, 6, 19))
    for day in (DAY, date(2026, 6, 19)):  # the day's run finds the themes (the pages only read them)
        read_edition(app.state.ctx.engine, day)
    app.state.ctx.engine.dispose()
    return folder / "web.db"


@pytest.fixture
def web(tmp_path, seeded_db):
    seeded_copy(seeded_db, tmp_path)
    app = create_app(web_settings(tmp_path))
    return app, TestClient(app, raise_server_exceptions=False)


def test_latest_edition_as_on_the_seed_page_with_navigation(web):
    app, client = web
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert "Academic Intelligence · Curated Daily" in html and "探索全球前沿学术脉络" in html
    assert "AcademicHub 汇聚顶级期刊与预印本平台的实时文献" in html
    assert re.search(r'<span class="num">01\.</span> arXiv \((cs\.[A-Z]+|quant-ph)\) 2026-06-\d\d', html)
    assert "<h1>2026-06-22 精选 · 39 篇论文</h1>" in html
    assert 'href="/editions/2026-06-19" rel="prev"' in html and 'rel="next"' not in html
    en = client.get("/?lang=en").text
    assert "Exploring the frontiers of research worldwide" in en and "Edition of 2026-06-22" in en
    older = client.get("/editions/2026-06-19?lang=en")
    assert older.status_code == 200 and 'href="/editions/2026-06-22?lang=en" rel="next"' in older.text
    # journal items without an abstract or authors say so; no placeholder presented as a name
    assert "No abstract in the feed." in older.text and "未知作者" not in older.text


def test_filters_themes_and_pagination_work_without_javascript(web):
    app, client = web
    quant = client.get("/editions/2026-06-22?category=quant-ph&lang=en").text
    shown = re.findall(r'<li class="card paper" id="p-(\d+)">', quant)
    assert shown and f"Showing {len(shown)} of {len(shown)} papers" in quant
    api = client.get("/api/editions/2026-06-22").json()
    assert {p["id"] for p in api["papers"] if "quant-ph" in p["categories"]} == {
        api["papers"][int(n) - 1]["id"] for n in shown
    }
    theme = api["themes"][0]
    page = client.get(f"/editions/2026-06-22?theme={theme['id']}&lang=en").text
    assert len(re.findall(r'class="card paper"', page)) == len(theme["papers"]) and "Theme: " in page
    by_source = client.get("/editions/2026-06-22?source=Science&lang=en").text
    assert all(
        "Science" in m for m in re.findall(r'<p class="meta"><span class="num">\d+\.</span> ([^<]+)</p>', by_source)
    )
    assert (
        client.get("/editions/2026-06-22?theme=9999").status_code == 200
    )  # an unknown theme shows nothing, not an error


def test_api_and_unknown_dates(web):
    app, client = web
    api = client.get("/api/editions/2026-06-22")
    data = api.json()
    assert api.status_code == 200 and data["size"] == len(data["papers"]) == 39
    assert {"id", "title", "authors", "abstract", "source", "categories", "published", "url", "theme"} <= set(
        data["papers"][0]
    )
    assert any(t["cross_domain"] for t in data["themes"]) or all(len(t["fields"]) <= 1 for t in data["themes"])
    with session_scope(app.state.ctx.engine) as session:
        stored = session.get(Edition, DAY).themes
    assert data["themes"] == stored and stored  # the themes kept with the edition, in their one shape
    assert set(stored[0]) == {"id", "label", "papers", "categories", "fields", "cross_domain", "sources"}
    shown = {p["id"]: p["sources"] for p in data["papers"]}  # a theme's sources: its papers' labels as shown
    assert all(t["sources"] == sorted({s for pid in t["papers"] for s in shown[pid]}) for t in data["themes"])
    assert data["themes"] and all(t["sources"] for t in data["themes"])
    for path in ("/editions/2026-07-01", "/editions/not-a-date", "/editions/2026-02-30"):
        r = client.get(path)
        assert r.status_code == 404 and "<html" in r.text and "Traceback" not in r.text
    assert client.get("/api/editions/2026-07-01").status_code == 404


def test_feed_text_is_escaped(web):
    app, client = web
    from academichub.models import Paper

    with session_scope(app.state.ctx.engine) as s:
        p = s.exec(select(Paper).where(Paper.id == "2606.19444")).one()
        p.title = "<script>alert(1)</script> $\\alpha<\\beta$"
        s.add(p)
        s.commit()
    app.state.ctx.editions.clear()
    html = client.get("/editions/2026-06-22").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def sent_briefing(app, email="ada@example.org"):
    """A delivery as the daily run records it (compose's record stored with the ledger row)."""
    engine = app.state.ctx.engine
    with session_scope(engine) as s:
        sub, profile, _ = upsert_subscriber(s, email, ProfileInput(interests="quantum computing", keywords=["quantum"]))
        row = ledger.prepare(s, DAY, [sub.id])[sub.id]
    edition = read_edition(engine, DAY)
    matches = build_matcher(engine, edition, "tfidf").match(
        [ProfileSpec(key=email, interests=profile.interests, keywords=["quantum"])]
    )
    b = compose(
        email=email,
        name="Ada",
        language="en",
        interests=profile.interests,
        edition_date=DAY,
        edition_size=len(edition.facts),
        matches=matches[email],
        cards=edition.cards,
        wanted=8,
    )
    with session_scope(engine) as s:
        ledger.finish_many(
            s, [{"id": row.id, "state": "sent", "reason": None, "message_id": "m1", "content": briefing_record(b)}]
        )
    return sub, b


def test_view_in_browser_and_personal_feed(web):
    app, client = web
    sub, b = sent_briefing(app)
    tokens = app.state.ctx.tokens
    view = client.get(f"/view?t={tokens.sign('view', {'s': sub.id, 'k': sub.link_key, 'd': DAY.isoformat()})}")
    assert view.status_code == 200
    for item in b.items:
        assert item.paper.title.replace("&", "&amp;") in view.text
    assert view.text.count("👍") == len(b.items) and "Why this paper" in view.text
    # the 👍/👎 of the page are buttons that post (one click records, as the page is the reader's)
    form = re.search(r'<form method="post" action="/feedback">(.*?)</form>', view.text).group(1)
    fields = dict(re.findall(r'name="(\w)" value="([^"]*)"', form))
    assert fields["p"] == b.items[0].paper.id and fields["v"] == "1"
    assert client.post("/feedback", data=fields).status_code == 200
    with session_scope(app.state.ctx.engine) as s:
        assert [(f.paper_id, f.value) for f in s.exec(select(Feedback))] == [(b.items[0].paper.id, 1)]
    assert (
        client.get(f"/view?t={tokens.sign('view', {'s': sub.id, 'k': sub.link_key, 'd': '2026-06-19'})}").status_code
        == 404
    )  # nothing sent that day
    assert client.get(f"/view?t={tokens.sign('preferences', {'s': sub.id, 'k': sub.link_key})}").status_code == 400
    feed = client.get(f"/feed.xml?t={tokens.sign('feed', {'s': sub.id, 'k': sub.link_key})}")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/rss+xml")
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and parsed.version == "rss20"
    assert [e.title for e in parsed.entries] == [it.paper.title for it in b.items]
    assert all(e.link.startswith("https://") for e in parsed.entries)
    assert client.get("/feed.xml?t=forged").status_code == 400
    with session_scope(app.state.ctx.engine) as s:
        assert s.exec(select(Delivery)).one().content["items"][0]["id"] == b.items[0].paper.id


def test_a_day_without_an_announcement_says_so(web, fixtures_dir):
    app, client = web
    settings = app.state.ctx.settings
    ingest_documents(
        app.state.ctx.engine,
        [read_document(fixtures_dir / "arxiv-rss-cs-empty-sunday-xlr-aex.xml")],
        day=date(2026, 3, 29),
        settings=settings,
    )
    page = client.get("/editions/2026-03-29?lang=en")
    assert page.status_code == 200 and "no announcement today" in page.text and "Showing 0 of 0 papers" in page.text
    assert "SUSPECT" not in page.text and "looks wrong" not in page.text


def test_a_suspect_feed_is_shown_as_such(web, fixtures_dir):
    """An empty arXiv feed on an announcement day is suspect, not a quiet day."""
    app, client = web
    from academichub.models import FetchLog

    with session_scope(app.state.ctx.engine) as s:
        s.add(
            FetchLog(
                run_id="r1",
                edition_date=DAY,
                source_key="arxiv-cs.CV",
                url="https://rss.arxiv.org/rss/cs.CV",
                http_status=200,
                items=0,
                health="suspect",
                error="empty on an announcement day",
            )
        )
        s.commit()
    page = client.get("/editions/2026-06-22?lang=en").text
    assert (
        'class="status suspect"' in page
        and "arxiv-cs.CV: the feed looks wrong today (empty on an announcement day)" in page
    )


def test_the_api_and_papers_json_give_a_paper_the_same_shape(web, capsys, monkeypatch):
    from tests.conftest import run_cli

    app, client = web
    api = {p["id"]: p for p in client.get("/api/editions/2026-06-22").json()["papers"]}
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", app.state.ctx.settings.database_url)
    code, out, err = run_cli(capsys, monkeypatch, "papers", "--json", "--date", "2026-06-22")
    assert code == 0, err
    cli = {p["id"]: p for p in json.loads(out)}
    assert cli.keys() == api.keys()
    for pid, paper in cli.items():
        assert paper.keys() == api[pid].keys()
        assert {k: v for k, v in paper.items() if k != "theme"} == {k: v for k, v in api[pid].items() if k != "theme"}
    journal = api["doi:10.1126/sample.science.0001"]
    assert journal["url"] == journal["abs_url"] and journal["doi"] == "10.1126/sample.science.0001"
    assert journal["doi_url"] == "https://doi.org/10.1126/sample.science.0001"
    assert all(p["url"] == (p["abs_url"] or p["doi_url"]) for p in api.values())
