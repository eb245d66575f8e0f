"""Hostile feeds: one bad item never poisons a batch, and a hostile feed costs little.

Inputs are generated small where the attack was large, or large only where the old quadratic or
expanding behaviour would have been absurdly slow (minutes) and the fixed code is fast. Nothing here
is timed: the costs are measured in bench/hostile_feed_bench.py.
"""

from __future__ import annotations

import re
from datetime import date

import feedparser
import pytest

from academichub.papers.markup import html_to_text
from academichub.papers.normalise import clean_abstract, split_authors
from academichub.papers.parse import parse_document
from academichub.papers.records import FeedError
from academichub.papers.urls import safe_url
from tests.conftest import fixture_bytes, ingest_paths, web_settings

CS_AI = "arxiv-rss-csAI-jmamath-trimmed.xml"


def cs_ai(prolog: bytes = b"", *, in_description: bytes = b"") -> bytes:
    """The real cs.AI feed (3 items) with ``prolog`` before its root element and ``in_description``
    at the start of the first item's abstract."""
    body = fixture_bytes(CS_AI)
    if in_description:
        body = body.replace(b"Abstract: ", b"Abstract: " + in_description + b" ", 1)
    return prolog + body


def test_html_to_text_is_one_pass_over_deeply_nested_tags():
    # 50,000 nested <div>s took 609 s (BeautifulSoup's tree work is quadratic in the depth).
    deep = "<div>" * 50_000 + "deep <b>inside</b>" + "</div>" * 50_000
    assert html_to_text(deep) == "deep inside"
    # Unclosed and stray markup: each runs to the end of the text instead of being rescanned.
    assert html_to_text("x" + "<!--" * 20_000) == "x"
    assert html_to_text("<" * 50_000 + ">") == "<" * 50_000 + ">"
    assert html_to_text("a" + "<b" * 50_000) == "a" + "<b" * 50_000
    assert html_to_text("a<script>" + "<script>x" * 20_000) == "a"


def test_html_to_text_keeps_its_rules():
    assert html_to_text("S<sub>N</sub>2 and <i>trans</i>-splicing") == "SN2 and trans-splicing"
    assert html_to_text("<p>One.</p><p>Two &amp; three.</p>") == "One. Two & three."
    assert html_to_text("a<div>b</div>c<br/>d") == "a b c d"
    assert html_to_text("<script>alert(1)</script>Safe<style>p{}</style> <!-- hidden --> text") == "Safe text"
    assert html_to_text("x < y and 5<6, AT&amp;amp;T") == "x < y and 5<6, AT&T"
    assert html_to_text("<mml:math><mml:mi>x</mml:mi></mml:math> &lt;b&gt;shown&lt;/b&gt;") == "x <b>shown</b>"


def test_author_lists_cost_linear_time():
    # 22 initials without a closing comma took 3 s, doubling with each more; a list of 8,000 names
    # without commas took 29 s (the surname pattern was retried from every position).
    assert split_authors("Smith, " + " ".join(["A"] * 60) + "!", style="surname") == [
        "Smith",
        " ".join(["A"] * 60) + "!",
    ]
    assert split_authors("Abc " * 50_000, style="surname") == [("Abc " * 50_000).strip()]
    assert split_authors("LAPALU, N., Lu, A., Nicolis Di Robilant, J.-P.", style="surname") == [
        "N. LAPALU",
        "A. Lu",
        "J.-P. Nicolis Di Robilant",
    ]


def test_jats_debris_with_unclosed_markers_is_linear():
    # 8,000 unclosed small-caps openers took 20 s: each scanned to the end of the abstract.
    text = clean_abstract("O_SCPLOW x " * 50_000 + "end", jats=True)
    assert text == "x " * 50_000 + "end"
    assert clean_abstract("T O_SCPCAPcellsC_SCPCAP here", jats=True) == "T cells here"
    assert clean_abstract("O_ST_ABS " * 20_000 + "O_ST_ABSMethodsC_ST_ABSWe did.", jats=True).endswith(
        "Methods: We did."
    )


# Declarations one a line, as feedparser's fallback parser looks for them (and then expands them).
BIG_ENTITY = b'<!DOCTYPE rss [\n<!ENTITY big "' + b"A" * 100_000 + b'">\n]>\n'
LAUGHS = (
    b'<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    )
    + b"]>\n"
)


MINI = (
    b'<rss version="2.0"><channel><title>Journal</title><link>https://example.org/</link><item>'
    b"<title>A &big; B</title><link>https://example.org/a</link><guid>https://doi.org/10.1000/a1</guid></item>"
    b"</channel></rss>"
)


@pytest.fixture
def no_parser(monkeypatch):
    """Fail the test if feedparser is ever called: refusal must come before any parsing."""

    def refuse(*args, **kwargs):
        raise AssertionError("feedparser was called")

    monkeypatch.setattr(feedparser, "parse", refuse)


@pytest.mark.parametrize(
    "body",
    [
        # The finding: one 100,000-character entity referenced 20,000 times (157 KB; 2 GB expanded, 62 s, 6.1 GB).
        cs_ai(BIG_ENTITY, in_description=b"&big;" * 20_000),
        # The same in a feed that is not well-formed, so feedparser's fallback (loose) parser would read it.
        cs_ai(BIG_ENTITY, in_description=b"&big;" * 20_000).replace(b"</channel>", b"</chanel>"),
        cs_ai(LAUGHS, in_description=b"&lol9;"),  # billion laughs
        cs_ai(b'<?xml version="1.0"?>\n<!-- a comment first -->\n' + BIG_ENTITY, in_description=b"&big;"),
        # An external DOCTYPE with an entity hidden in a comment: the fallback parser would still find it.
        cs_ai(b'<!DOCTYPE rss SYSTEM "rss.dtd">\n<!--\n<!ENTITY big "' + b"A" * 1000 + b'">\n-->\n'),
        cs_ai(b'<!ENTITY big "AAAA">\n'),  # a declaration with no DOCTYPE at all
    ],
    ids=["big-entity", "big-entity-loose", "billion-laughs", "after-comment", "in-comment", "bare-entity"],
)
def test_entity_declarations_are_refused_before_any_parsing(body, no_parser):
    with pytest.raises(FeedError, match="refused before parsing"):
        parse_document(body)


def test_entity_declarations_are_found_whatever_the_encoding(monkeypatch):
    # UTF-16 without a BOM (feedparser sniffs it from "<?") and UTF-7, where "+ADw-" is "<": the check
    # reads the text as feedparser would decode it, not the raw bytes.
    xml_utf16 = b'<?xml version="1.0" encoding="utf-16"?>\n'
    utf16 = cs_ai(xml_utf16 + BIG_ENTITY, in_description=b"&big;").decode().encode("utf-16-le")
    utf7 = (
        b'<?xml version="1.0" encoding="utf-7"?>\n+ADw-!DOCTYPE rss +AFs-\n+ADw-!ENTITY big "AAAA"+AD4-\n+AF0-+AD4-\n'
    )
    assert feedparser.parse(utf7 + MINI).entries[0].title == "A AAAA B"  # what feedparser alone makes of it
    monkeypatch.setattr(feedparser, "parse", None)  # parse_document must not get as far
    with pytest.raises(FeedError, match="refused before parsing"):
        parse_document(utf7 + MINI)
    with pytest.raises(FeedError, match="refused before parsing"):
        parse_document(utf16)


def test_an_external_doctype_and_the_predefined_entities_still_parse():
    netscape = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
    )
    feed = parse_document(cs_ai(netscape, in_description=b"R&amp;D &lt;3"))
    assert len(feed.records) == 3 and feed.records[0].abstract.startswith("R&D <3 Although")


# --- one bad item never poisons a batch ------------------------------------------------------------


def arxiv_item(
    arxiv_id: str = "2606.91913",
    version: str = "1",
    *,
    announce: str = "new",
    guid: str | None = None,
    link: str | None = None,
    preamble: str | None = None,
    title: str = "A hostile item",
    extra: str = "",
) -> bytes:
    guid = f"oai:arXiv.org:{arxiv_id}v{version}" if guid is None else guid
    link = f"https://arxiv.org/abs/{arxiv_id}" if link is None else link
    preamble = f"arXiv:{arxiv_id}v{version}" if preamble is None else preamble
    return (
        f"<item><title>{title}</title><link>{link}</link>"
        f"<description>{preamble} Announce Type: {announce} \nAbstract: An abstract.</description>"
        f'<guid isPermaLink="false">{guid}</guid><category>cs.AI</category>'
        f"<arxiv:announce_type>{announce}</arxiv:announce_type><dc:creator>A. Author</dc:creator>{extra}</item>"
    ).encode()


def with_items(body: bytes, *items: bytes) -> bytes:
    """The feed ``body`` with ``items`` added after its real ones."""
    return body.replace(b"</channel>", b"".join(items) + b"</channel>", 1)


GOOD_IDS = ["2604.21935", "2604.21936", "2604.21937"]
HOSTILE_ARXIV = {
    "huge-version": (arxiv_item(version="99999999999999999999"), "version v99999999999999999999 is out of range"),
    "int32-version": (arxiv_item(version="3000000000"), "version v3000000000 is out of range"),
    "thousand-digits": (arxiv_item(version="9" * 5000), "is out of range"),
    "long-announce-type": (arxiv_item(announce="x" * 40), "announce type 'xxxxxxxx"),
    "long-old-style-id": (arxiv_item("a" * 250 + "/1234567"), "(258 characters) is neither an arXiv id"),
    "javascript-id": (
        arxiv_item(guid="urn:x", link="https://example.org/x", preamble="arXiv:javascript:alert(1)//"),
        "no arXiv id in its guid, link or abstract preamble",
    ),
}


@pytest.mark.parametrize("name", HOSTILE_ARXIV)
def test_a_bad_arxiv_item_is_skipped_with_its_reason_and_the_rest_kept(name):
    item, reason = HOSTILE_ARXIV[name]
    feed = parse_document(with_items(fixture_bytes(CS_AI), item))
    assert [r.id for r in feed.records] == GOOD_IDS
    assert len(feed.rejected) == 1 and reason in feed.rejected[0].text, feed.rejected
    assert feed.rejected[0].item  # names the item (its guid or link), shortened
    assert len(str(feed.rejected[0])) < 400


def test_secondary_fields_are_bounded_and_the_item_kept():
    long_doi = "10.1234/" + "x" * 292  # 300 characters: overflowed paper.doi on PostgreSQL
    item = arxiv_item(
        title="T" * 50 + " " + "word " * 200_000,  # a 1 MB title made a 2.9 MB email
        extra=f"<arxiv:DOI>{long_doi}</arxiv:DOI>"
        + "<category>c</category>" * 80
        + "<category>"
        + "k" * 150
        + "</category>",
    )
    feed = parse_document(with_items(fixture_bytes(CS_AI), item))
    rec = feed.records[-1]
    assert rec.id == "2606.91913" and rec.doi is None and rec.aliases == []
    assert len(rec.title) <= 500 and rec.title.endswith("…") and len(rec.title_key) <= 400
    assert len(rec.categories) <= 50 and all(len(c) <= 100 for c in rec.categories)
    notes = " | ".join(n.text for n in feed.bounded if n.item == "2606.91913")
    assert "DOI" in notes and "title cut" in notes and "categories cut" in notes


def test_a_journal_item_with_an_overlong_doi_or_a_script_link():
    nature = fixture_bytes("nature-rss-dakesan.xml")
    long_doi = "10.1038/" + "y" * 292
    bad = (
        f'<item rdf:about="x"><title>Overlong</title><link>https://www.nature.com/articles/z</link>'
        f"<prism:doi>{long_doi}</prism:doi></item>"
        '<item rdf:about="y"><title>Scripted</title><link>javascript:alert(document.cookie)</link>'
        "<prism:doi>10.1038/scripted-1</prism:doi></item>"
    ).encode()
    feed = parse_document(nature.replace(b"</rdf:RDF>", bad + b"</rdf:RDF>"))
    assert len(feed.records) == 76  # the 75 real items and the scripted one, without its link
    scripted = next(r for r in feed.records if r.id == "doi:10.1038/scripted-1")
    assert scripted.abs_url == "https://doi.org/10.1038/scripted-1"
    assert len(feed.rejected) == 1 and "neither an arXiv id nor doi:<DOI>" in feed.rejected[0].text


MEDRXIV = "medrxiv-api-details-fabianofilho-trimmed.json"


@pytest.mark.parametrize(
    "field, value",
    [("title", ["a", "list"]), ("authors", {"a": 1}), ("doi", ["10.1/x"]), ("version", {"v": 2}), ("abstract", None)],
)
def test_a_biorxiv_json_item_of_the_wrong_type_keeps_the_others(field, value):
    import json

    data = json.loads(fixture_bytes(MEDRXIV))
    good = [f"doi:{item['doi']}" for item in data["collection"]]
    bad = dict(data["collection"][0], doi="10.1101/2026.01.01.000001")
    bad[field] = value
    data["collection"] += [bad, "not an object", 17]
    feed = parse_document(json.dumps(data).encode())
    if field == "abstract":  # no abstract is an item without one, not a bad item
        assert len(feed.records) == 4 and len(feed.rejected) == 2
        return
    assert [r.id for r in feed.records] == good
    assert len(feed.rejected) == 3
    assert feed.rejected[1].text == "an item is str, not an object" and feed.rejected[2].item == "item 6"


# --- on a real database: the hostile items cost nothing but themselves ---------------------------------


def test_a_hostile_day_stores_every_good_paper_on_both_databases(db_url, tmp_path):
    import json

    from sqlmodel import select

    from academichub.db import open_database, session_scope
    from academichub.models import FetchLog, Listing, Paper, PaperAlias
    from academichub.papers.ingest import ingest_documents, read_document
    from academichub.settings import Settings

    settings = Settings(database_url=db_url, _env_file=None)
    engine = open_database(settings)
    long_doi = "10.1234/" + "d" * 292
    ai = with_items(
        fixture_bytes(CS_AI),
        *(item for item, _ in HOSTILE_ARXIV.values()),
        arxiv_item("2606.00001", extra=f"<arxiv:DOI>{long_doi}</arxiv:DOI>"),  # kept, its DOI dropped
    )
    forty = "+".join(f"cs.X{i:02d}" for i in range(40))  # a feed link naming 40 categories
    lg = fixture_bytes("arxiv-rss-csLG-jmamath-trimmed.xml").replace(b"rss/cs.LG", f"rss/{forty}".encode())
    data = json.loads(fixture_bytes(MEDRXIV))
    data["collection"].append(dict(data["collection"][0], doi="10.1101/2026.01.01.000001", title=["a list"]))
    nature = fixture_bytes("nature-rss-dakesan.xml").replace(
        b"<link>https://www.nature.com/articles/s41586-024-07811-4</link>", b"<link>javascript:alert(1)</link>", 1
    )
    files = {"ai.xml": ai, "lg.xml": lg, "medrxiv.json": json.dumps(data).encode(), "nature.xml": nature}
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    report = ingest_documents(
        engine, [read_document(tmp_path / n) for n in files], day=date(2026, 4, 27), settings=settings
    )
    assert report.new_papers == 4 + 3 + 3 + 75  # every good paper of the day
    by_origin = {s.origin.rsplit("/", 1)[-1]: s for s in report.sources}
    assert len(by_origin["ai.xml"].rejected) == len(HOSTILE_ARXIV) and all(s.health == "ok" for s in report.sources)
    assert any("v99999999999999999999 is out of range" in line for line in by_origin["ai.xml"].rejected)
    assert any("DOI" in line for line in by_origin["ai.xml"].bounded)
    assert len(by_origin["medrxiv.json"].rejected) == 1 and "list, not text" in by_origin["medrxiv.json"].rejected[0]
    assert len(by_origin["lg.xml"].key) <= 100
    with session_scope(engine) as s:
        papers = s.exec(select(Paper)).all()
        assert len(papers) == 85 and not any(p.id.startswith("javascript") for p in papers)
        urls = [u for p in papers for u in (p.abs_url, p.pdf_url, p.doi_url) if u]
        assert urls and all(u.startswith(("https://", "http://")) for u in urls)
        assert s.get(Paper, "doi:10.1038/s41586-024-07811-4").abs_url == "https://doi.org/10.1038/s41586-024-07811-4"
        assert s.get(Paper, "2606.00001").doi is None and s.get(PaperAlias, f"doi:{long_doi}") is None
        assert {row.source_key for row in s.exec(select(Listing))} >= {by_origin["lg.xml"].key}
        assert len(s.exec(select(FetchLog)).all()) == 4
    from academichub.papers.report import ingest_markdown

    md = ingest_markdown(report)
    assert "## Items skipped" in md and "v99999999999999999999" in md


# --- only http(s) links, stored or shown ------------------------------------------------------------

HOSTILE_LINKS = {
    "abs_url": "javascript:alert(document.cookie)",
    "pdf_url": "data:text/html,<script>alert(1)</script>",
    "doi_url": "vbscript:msgbox(1)",
}
SCHEMES = re.compile(r"javascript:|data:text|vbscript:", re.IGNORECASE)


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://arxiv.org/abs/2604.21935", True),
        ("http://example.org/a?b=c#d", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("vbscript:msgbox(1)", False),
        ("//evil.example/x", False),
        ("https:evil.example", False),
        ("https:\\\\evil.example", False),
        ("https://", False),
        ('https://a.example/"onmouseover="x', False),
        ("https://[::1", False),
        ("https://a.example/" + "x" * 3000, False),
        (None, False),
        (["https://a.example"], False),
    ],
)
def test_safe_url_accepts_only_absolute_http_links(url, ok):
    assert safe_url(url) == (url if ok else None)


def test_cards_and_emails_never_link_another_scheme(tmp_path):
    from types import SimpleNamespace

    from academichub.briefing.compose import Briefing, BriefingItem
    from academichub.mail.render import Links, render_briefing
    from academichub.papers.views import PaperCard
    from academichub.settings import Settings

    row = SimpleNamespace(
        id="2604.21935",
        title="T",
        source_labels=["arXiv (CS.AI)"],
        published=None,
        authors=[],
        abstract="A",
        doi=None,
        journal_ref=None,
        kind="article",
        announce_type="new",
        arxiv_version=1,
        categories=["cs.AI"],
    )
    card = PaperCard.of(SimpleNamespace(**vars(row), **HOSTILE_LINKS))  # a row stored before links were checked
    assert (card.abs_url, card.pdf_url, card.doi_url) == (None, None, None)
    # Cards made some other way still pass the templates' safe_url filter.
    raw_card = PaperCard("2604.21936", "Hostile links", "arXiv", None, [], "", *HOSTILE_LINKS.values())
    good = PaperCard("2604.21937", "Good links", "arXiv", None, [], "", "https://arxiv.org/abs/2604.21937", None, None)
    b = Briefing(
        email="a@example.org",
        name="A",
        language="en",
        edition_date=date(2026, 4, 27),
        edition_size=2,
        opening="Two papers.",
        items=[BriefingItem(n, c, "S.", [], 1.0, summaries=["S."]) for n, c in ((1, raw_card), (2, good))],
    )
    mail = render_briefing(b, Settings(_env_file=None).templates_dir, Links())
    assert not SCHEMES.search(mail.html) and not SCHEMES.search(mail.text)
    assert 'href="https://arxiv.org/abs/2604.21937"' in mail.html and "https://arxiv.org/abs/2604.21937" in mail.text
    assert "Hostile links" in mail.html  # the paper is shown, without a link


def test_pages_and_the_rss_feed_never_link_another_scheme(tmp_path):
    from fastapi.testclient import TestClient
    from sqlalchemy import update

    from academichub.briefing.compose import briefing_record, compose
    from academichub.db import session_scope
    from academichub.delivery import ledger
    from academichub.editions.edition import read_edition
    from academichub.matching.match import ProfileSpec
    from academichub.matching.profiles import build_matcher
    from academichub.models import Paper
    from academichub.settings import SAMPLE_DAY_DIR
    from academichub.web.app import create_app
    from subscribers.service import ProfileInput, upsert_subscriber

    day = date(2026, 6, 22)
    app = create_app(web_settings(tmp_path))
    engine = app.state.ctx.engine
    ingest_paths(app, [SAMPLE_DAY_DIR], day)
    with session_scope(engine) as s:  # rows stored before links were checked
        s.execute(update(Paper).values(**HOSTILE_LINKS))
        s.commit()
        sub, profile, _ = upsert_subscriber(s, "ada@example.org", ProfileInput(interests="quantum computing"))
        row = ledger.prepare(s, day, [sub.id])[sub.id]
    edition = read_edition(engine, day)
    matches = build_matcher(engine, edition, "tfidf").match([ProfileSpec(key="ada", interests=profile.interests)])
    b = compose(
        email="ada@example.org",
        name="Ada",
        language="en",
        interests=profile.interests,
        edition_date=day,
        edition_size=len(edition.facts),
        matches=matches["ada"],
        cards=edition.cards,
        wanted=5,
    )
    assert b.items
    with session_scope(engine) as s:
        ledger.finish_many(
            s, [{"id": row.id, "state": "sent", "reason": None, "message_id": "m", "content": briefing_record(b)}]
        )
    client = TestClient(app, raise_server_exceptions=False)
    tokens = app.state.ctx.tokens
    pages = {
        "edition": client.get("/?lang=en"),
        "view": client.get(f"/view?t={tokens.sign('view', {'s': sub.id, 'k': sub.link_key, 'd': day.isoformat()})}"),
        "feed": client.get(f"/feed.xml?t={tokens.sign('feed', {'s': sub.id, 'k': sub.link_key})}"),
        "api": client.get(f"/api/editions/{day.isoformat()}"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert not SCHEMES.search(page.text), name
    assert b.items[0].paper.title.replace("&", "&amp;") in pages["view"].text
    entries = feedparser.parse(pages["feed"].content).entries
    assert entries and all("link" not in e for e in entries)


# --- fetching: a hostile server costs little too ---------------------------------------------------------


def _fetcher(**kw):
    from academichub.papers.fetch import Fetcher
    from academichub.settings import Settings

    settings = Settings(http_retries=0, http_backoff=0.0, arxiv_min_interval=0.0, _env_file=None)
    return Fetcher(settings, sleep=lambda s: None, **kw)


def test_a_huge_or_compression_bomb_response_is_abandoned_not_held(httpserver):
    import gzip

    httpserver.expect_request("/big").respond_with_data(b"<rss>" + b" " * 3_000_000)
    bomb = gzip.compress(b"\0" * 20_000_000)  # 20 KB on the wire, 20 MB decoded
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    httpserver.expect_request("/ok").respond_with_data(fixture_bytes(CS_AI))
    with _fetcher(max_bytes=1_000_000) as f:
        big, boom, ok = (f.get(httpserver.url_for(p)) for p in ("/big", "/bomb", "/ok"))
    for r in (big, boom):
        assert r.body is None and "larger than 1000000 bytes" in r.error
    assert ok.error is None and ok.body == fixture_bytes(CS_AI)


def test_a_details_page_that_is_not_a_list_fails_the_source_cleanly(httpserver):
    from academichub.papers.fetch import fetch_rxiv_pages

    base = "/details/medrxiv/2026-09-14/2026-09-15"
    first = {"messages": [{"status": "ok", "count": 1, "total": 3}], "collection": [{"doi": "10.1101/x"}]}
    httpserver.expect_request(f"{base}/0").respond_with_json(first)
    httpserver.expect_request(f"{base}/1").respond_with_json({"collection": 17})
    with _fetcher() as f:
        r = fetch_rxiv_pages(f, httpserver.url_for(f"{base}/0"))
    assert r.body is None and "page at cursor 1 of 3 is not a details response" in r.error


def test_a_cards_links_are_checked_once_and_only_checked_links_skip_the_check():
    """``PaperCard.of`` marks the links it checked, and the templates' filter passes those on without
    parsing them again; a plain string, whatever it holds, is still checked by the filter."""
    from types import SimpleNamespace

    from academichub.papers.urls import CheckedUrl, checked_url, safe_href
    from academichub.papers.views import PaperCard

    row = SimpleNamespace(
        id="2604.21937",
        title="T",
        source_labels=["arXiv"],
        published=None,
        authors=[],
        abstract="",
        abs_url="https://arxiv.org/abs/2604.21937",
        pdf_url="javascript:alert(1)",
        doi_url=None,
        doi=None,
        journal_ref=None,
        kind="article",
        announce_type="new",
        arxiv_version=1,
        categories=["cs.AI"],
    )
    card = PaperCard.of(row)
    assert type(card.abs_url) is CheckedUrl and card.abs_url == "https://arxiv.org/abs/2604.21937"
    assert card.pdf_url is None and card.doi_url is None
    assert safe_href(card.abs_url) is card.abs_url
    for hostile in HOSTILE_LINKS.values():
        assert checked_url(hostile) is None and safe_href(hostile) == ""
