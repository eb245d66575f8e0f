"""The preference page's library upload (issue 16 part 3, the web half): a reader's export becomes the
library of their main radar or a chosen one, through the signed preference link and the page's CSRF
token; bounded (a 413 page past the upload's body cap, a clear 422 past the parser's file limit),
broken entries named and escaped, and nothing stored on any refusal. Real app, real database, the
recorded sample day; bare ids resolved from the stored papers and a local Crossref (pytest-httpserver)."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from academichub.db import session_scope
from academichub.models import Paper
from academichub.papers.library import MAX_FILE_BYTES
from academichub.settings import SAMPLE_DAY_DIR
from academichub.web.app import create_app
from subscribers.library import library_of
from subscribers.models import InterestProfile, Subscriber
from subscribers.radars import add_radar, radars_of
from subscribers.service import ProfileInput, changes_of, upsert_subscriber
from tests.conftest import ingest_paths, web_settings
from tests.test_library import BIBTEX, CROSSREF_WORK

DAY = date(2026, 6, 22)
HOSTILE = BIBTEX + b"@article{<script>alert(1)</script>, author={Nobody}}\n"


def make_app(tmp_path, **settings):
    app = create_app(web_settings(tmp_path).model_copy(update={"library_offline": True, **settings}))
    return app, TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def web(tmp_path):
    app, client = make_app(tmp_path)
    ingest_paths(app, [SAMPLE_DAY_DIR], DAY)
    return app, client


def reader(app, address="ada@example.org", language="en") -> Subscriber:
    with session_scope(app.state.ctx.engine) as s:
        sub, _, _ = upsert_subscriber(s, address, ProfileInput(interests="quantum error correction", language=language))
        return sub


def opened(app, client, sub) -> tuple[str, str]:
    """The reader's preferences link opened in this client: (link token, the page's CSRF token)."""
    t = app.state.ctx.tokens.sign("preferences", {"s": sub.id, "k": sub.link_key})
    page = client.get(f"/preferences?t={t}")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return t, found.group(1)


def upload(client, t, csrf, data: bytes, name="mine.bib", **fields):
    return client.post(
        "/preferences/library?lang=en",
        data={"t": t, "csrf": csrf, **fields},
        files={"library": (name, data, "application/octet-stream")},
    )


def libraries(app, sub) -> dict[str, list[dict]]:
    with session_scope(app.state.ctx.engine) as s:
        return {r.name: library_of(r) for r in radars_of(s, sub.key)}


def text_of(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def test_an_upload_seeds_the_main_radar_names_broken_entries_escaped_and_shows_the_library(web):
    app, client = web
    sub = reader(app)
    t, csrf = opened(app, client, sub)
    page = upload(client, t, csrf, HOSTILE)
    text = text_of(page)
    assert page.status_code == 200
    assert "Read 3 papers from mine.bib (BibTeX) for the radar “main”; it now holds 3." in text
    assert "3 entries could not be read" in text
    assert "entry 5 ('nothing', line 13): no title and no arXiv id or DOI" in text
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # escaped
    assert "main: 3 papers" in text and "Quantum Error Correction with Kähler manifolds (2020)" in text
    stored = libraries(app, sub)["main"]
    assert {r["id"] for r in stored} == {"doi:10.1103/physrevx.10.1234", "1706.03762", "1512.03385"}
    with session_scope(app.state.ctx.engine) as s:
        recorded = [(c.via, change) for c in changes_of(s, sub.id) for change in c.changes if change[0] == "library"]
    assert recorded == [("preferences-link", ["library", "0 papers", "3 papers"])]
    again = upload(client, t, csrf, b"2606.12020\n1706.03762\n", name="ids.txt")  # replaces that radar's library
    assert again.status_code == 200 and [r["id"] for r in libraries(app, sub)["main"]] == ["2606.12020", "1706.03762"]
    assert "main: 2 papers · 1 ids not resolved yet" in text_of(again)


def test_an_id_list_for_a_chosen_radar_resolves_from_the_stored_papers(web):
    app, client = web
    sub = reader(app)
    with session_scope(app.state.ctx.engine) as s:
        papers = s.exec(select(Paper).order_by(Paper.id)).all()[:2]
        second = add_radar(s, sub, "agents", ProfileInput(interests="LLM agents"), via="cli")
    ids = b"\n".join(p.id.encode() for p in papers) + b"\n10.9999/not-stored\nnot an id\n"
    t, csrf = opened(app, client, sub)
    page = upload(client, t, csrf, ids, name="ids.txt", radar=str(second.id))
    text = text_of(page)
    assert page.status_code == 200 and "for the radar “agents”" in text
    assert "Ids without a title: 2 found among the stored papers, 0 on arXiv or Crossref, 1 not resolved." in text
    assert "line 4: 'not an id' is not an arXiv id or a DOI" in text
    held = libraries(app, sub)
    assert held["main"] == [] and [r["title"] for r in held["agents"][:2]] == [p.title for p in papers]
    assert "agents: 3 papers" in text and "1 ids not resolved yet" in text


def test_online_look_ups_during_an_upload_are_bounded(tmp_path, httpserver):
    from academichub.web import library as web_library

    httpserver.expect_request(re.compile(r"/works/10\.1038/.*")).respond_with_json(CROSSREF_WORK)
    app, client = make_app(
        tmp_path, library_offline=False, library_crossref_api=httpserver.url_for("/works"), arxiv_min_interval=0.0
    )
    sub = reader(app)
    t, csrf = opened(app, client, sub)
    many = b"\n".join(f"10.1038/paper-{i}".encode() for i in range(web_library.ONLINE_MAX + 5))
    page = upload(client, t, csrf, many, name="dois.txt")
    text = text_of(page)
    assert page.status_code == 200 and len(httpserver.log) == web_library.ONLINE_MAX
    assert f"0 found among the stored papers, {web_library.ONLINE_MAX} on arXiv or Crossref, 5 not resolved" in text
    assert f"Only the first {web_library.ONLINE_MAX} ids were looked up" in text


def test_refusals_store_nothing_and_are_pages_not_500s(web):
    app, client = web
    sub = reader(app)
    other = reader(app, "bob@example.org")
    t, csrf = opened(app, client, sub)
    with session_scope(app.state.ctx.engine) as s:
        others_radar = s.exec(select(InterestProfile).where(InterestProfile.subscriber_id == other.id)).one()
    cases = {
        "tampered link": (upload(client, t[:-3] + "xyz", csrf, BIBTEX), 400, "This link is not valid"),
        "no CSRF token": (upload(client, t, "", BIBTEX), 403, ""),
        "another browser": (upload(TestClient(app), t, csrf, BIBTEX), 403, ""),
        "binary file": (upload(client, t, csrf, b"\x89PNG\r\n\x1a\n\x00\x00"), 422, "this is not a text file"),
        "malformed JSON": (upload(client, t, csrf, b'[{"title": "x"', name="a.json"), 422, "not valid JSON"),
        "nothing readable": (upload(client, t, csrf, b"@article{x, author={A}}"), 422, "no paper could be read"),
        "unresolvable ids": (upload(client, t, csrf, b"10.9999/a\n10.9999/b\n", name="i.txt"), 422, "None of the 2"),
        "unknown radar": (upload(client, t, csrf, BIBTEX, radar="99999"), 422, "That radar no longer exists"),
        "another's radar": (upload(client, t, csrf, BIBTEX, radar=str(others_radar.id)), 422, "no longer exists"),
        "no file": (
            client.post("/preferences/library?lang=en", data={"t": t, "csrf": csrf}),
            422,
            "Choose a file to upload.",
        ),
        "empty file": (upload(client, t, csrf, b""), 422, "Choose a file to upload."),
    }
    for name, (page, status, says) in cases.items():
        assert page.status_code == status, (name, page.status_code, text_of(page)[:300])
        assert says in text_of(page), name
        assert "Traceback" not in page.text and page.headers["content-security-policy"], name
    assert libraries(app, sub) == {"main": []} and libraries(app, other) == {"main": []}


def test_every_problem_the_parsers_word_is_worded_in_chinese_too():
    """The parsers' real output (the recorded-style files of tests/test_library.py, a duplicated field,
    an id list over the entry cap, files that cannot be read at all) through the zh wording: no reason
    is left in English except bibtexparser's own words for a block it cannot parse, which follow a
    Chinese lead."""
    from academichub.i18n.libproblems import library_error, library_problem
    from academichub.papers.library import MAX_ENTRIES, LibraryError, parse_library
    from tests.test_library import CSL, IDS, RIS

    lines = []
    for data, name in (
        (BIBTEX, "a.bib"),
        (RIS, "a.ris"),
        (CSL, "a.json"),
        (IDS, "a.txt"),
        (b"@article{twice, title={A}, title={B}, year={2020}}", "b.bib"),
        (b"\n".join(b"2401.%05d" % i for i in range(MAX_ENTRIES + 2)), "many.txt"),
    ):
        lines += parse_library(data, name).problem_lines()
    assert len(lines) == 9
    for line in lines:
        zh = library_problem(line, "zh")
        assert zh != line and re.match(r"第 \d+ (条|条记录|行)", zh), line
        english = re.sub(r"'[^']*'|解析器原文：.*）|arXiv|DOI|ER  -|int|字段 [\w, ]+ 出现", "", zh)  # data, names
        assert not re.search(r"[A-Za-z]{3,}", english), (line, zh)
        assert library_problem(line, "en") == line
    assert "第 1 条（'twice'，第 1 行）：字段 title 出现两次，保留最后一个" in [library_problem(x, "zh") for x in lines]
    for data, name in ((b"\x00\x01", "x"), (b"[{", "a.json"), (b"@article{x, author={A}}", "a.bib"), (b"", "a")):
        with pytest.raises(LibraryError) as exc:
            parse_library(data, name)
        zh = library_error(str(exc.value), "zh")
        names = r"'[^']*'|列：[^）]*）|BibTeX|RIS|CSL-JSON|JSON|arXiv|DOI"  # data, formats, json's own words
        assert zh != str(exc.value) and not re.search(r"[A-Za-z]{3,}", re.sub(names, "", zh)), zh


def test_a_file_over_the_parsers_limit_is_a_clear_error(web):
    app, client = web
    sub = reader(app)
    t, csrf = opened(app, client, sub)
    big = b"% padding\n" * (MAX_FILE_BYTES // 10 + 1)
    page = upload(client, t, csrf, big)
    assert page.status_code == 422
    assert f"The file is {len(big):,} bytes; a library file may be at most {MAX_FILE_BYTES:,} bytes." in text_of(page)
    assert libraries(app, sub) == {"main": []}


def test_the_upload_has_its_own_body_cap_and_every_other_form_keeps_the_small_one(tmp_path):
    app, client = make_app(tmp_path, web_max_body=4096, web_max_upload=16384)
    sub = reader(app)
    t, csrf = opened(app, client, sub)
    padded = BIBTEX + b"%" * 8000 + b"\n"  # 8 KB: over the forms' cap, under the upload's
    assert upload(client, t, csrf, padded).status_code == 200
    huge = upload(client, t, csrf, padded * 3)
    assert huge.status_code == 413 and "too large (at most 16 KB)" in text_of(huge)
    assert huge.headers["content-security-policy"]
    form = client.post("/preferences?lang=en", data={"t": t, "csrf": csrf, "interests": "q" * 8000})
    assert form.status_code == 413 and "too large (at most 4 KB)" in text_of(form)
    assert len(libraries(app, sub)["main"]) == 3  # the refused upload changed nothing


def test_the_page_in_chinese_says_what_was_read(web):
    app, client = web
    sub = reader(app, language="zh")
    t, csrf = opened(app, client, sub)
    page = client.post(
        "/preferences/library", data={"t": t, "csrf": csrf}, files={"library": ("我的.bib", BIBTEX, "text/plain")}
    )
    text = text_of(page)
    assert page.status_code == 200
    assert "已从 我的.bib（BibTeX）读取 3 篇论文，用于雷达“main”；该雷达现有 3 篇。" in text
    assert "2 个条目无法读取" in text and "main：3 篇论文" in text
