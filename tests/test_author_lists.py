"""A long author list ends in "et al." in English and in "等" in Chinese: in the email (HTML and text)
and on the edition page (issue 14)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from academichub.briefing.compose import compose
from academichub.editions.edition import read_edition
from academichub.mail.render import render_briefing
from academichub.matching.match import ProfileSpec
from academichub.matching.profiles import build_matcher
from academichub.settings import SAMPLE_DAY_DIR
from academichub.web.app import create_app
from tests.conftest import ingest_paths, web_settings

DAY = date(2026, 6, 22)
AUTHORS = [f"Author{n} Surname{n}" for n in range(1, 13)]  # twelve: more than the page (10) and email (6) show


def test_author_line() -> None:
    from academichub.i18n.names import author_line

    names = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert author_line(names, 2, "en") == "Ada Lovelace, Alan Turing et al."
    assert author_line(names, 2, "zh") == "Ada Lovelace, Alan Turing 等"
    assert author_line(names, 2, "bilingual") == "Ada Lovelace, Alan Turing 等"
    assert author_line(names, 3, "zh") == "Ada Lovelace, Alan Turing, Grace Hopper"


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    settings = web_settings(tmp_path_factory.mktemp("authors"))
    app = create_app(settings)
    # The sample day's cs.AI feed, each paper given twelve authors (the sample lists none).
    feed = (SAMPLE_DAY_DIR / "arxiv-rss-cs.AI.xml").read_text(encoding="utf-8")
    feed = re.sub(r"(<item>\s*<title>.*?</title>)", rf"\1<dc:creator>{', '.join(AUTHORS)}</dc:creator>", feed)
    path = tmp_path_factory.mktemp("feed") / "arxiv-rss-cs.AI.xml"
    path.write_text(feed, encoding="utf-8")
    ingest_paths(app, [path], DAY)
    edition = read_edition(app.state.ctx.engine, DAY, prepare=False)  # no themes needed: no embedding model
    long = max(edition.cards.values(), key=lambda c: len(c.authors))
    assert list(long.authors) == AUTHORS
    return app, edition, long


@pytest.mark.parametrize(("language", "tail", "wrong"), [("zh", " 等", "et al."), ("en", " et al.", "等")])
def test_the_email_says_it_in_the_readers_language(day, language, tail, wrong) -> None:
    app, edition, long = day
    matches = build_matcher(app.state.ctx.engine, edition, "tfidf").match(
        [ProfileSpec(key="r@example.org", interests=long.title)]
    )["r@example.org"]
    b = compose(
        email="r@example.org",
        name="R",
        language=language,
        interests=long.title,
        edition_date=DAY,
        edition_size=len(edition.facts),
        matches=matches,
        cards=edition.cards,
        wanted=3,
    )
    assert long.id in [it.paper.id for it in b.items]
    email = render_briefing(b, app.state.ctx.settings.templates_dir)
    line = ", ".join(long.authors[:6]) + tail
    assert line in email.html and line in " ".join(email.text.split())
    assert wrong not in email.html and wrong not in email.text


@pytest.mark.parametrize(("language", "tail", "wrong"), [("zh", " 等", "et al."), ("en", " et al.", "等")])
def test_the_edition_page_says_it_in_the_readers_language(day, language, tail, wrong) -> None:
    app, _edition, long = day
    page = TestClient(app).get(f"/editions/{DAY.isoformat()}?lang={language}&per_page=200").text
    assert ", ".join(long.authors[:10]) + tail in page
    assert wrong not in re.sub(r"<[^>]+>", " ", page)
