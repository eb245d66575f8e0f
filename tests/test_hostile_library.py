"""A reader's library under attack (issue 16's onboarding surfaces, reviewed as an outsider): hostile
library files on the preference page's upload and the parsers the CLI shares, each test one attack
shown refused with a clear message and at a bounded cost. Real app (TestClient, SQLite), no day
ingested: the upload runs offline, so only the parsers and the page are exercised."""

from __future__ import annotations

import copy
import json
import re
import time
from urllib.parse import parse_qs

import pytest
from werkzeug import Request, Response

from academichub.i18n.libproblems import library_error, library_problem
from academichub.i18n.syncerrors import sync_error
from academichub.papers.fetch import Fetcher
from academichub.papers.libformats import MAX_BLOCKS, MAX_MARKS
from academichub.papers.library import MAX_JSON_CONTAINERS, MAX_RECORDS, LibraryEntry, LibraryError, parse_library
from academichub.papers.libsync import refresh_libraries
from academichub.papers.openalex import MAX_WORDS, abstract_from_index
from academichub.papers.resolve import resolve_entries
from academichub.papers.zotero import MAX_BACKOFF, MAX_PAGE_CONTAINERS, PAGE_BYTES
from academichub.settings import Settings
from subscribers.libsources import SourceInput
from tests.conftest import run_cli, web_settings
from tests.test_library_sync import ITEMS, KEY, _reader
from tests.test_web_library import libraries, make_app, opened, reader, text_of, upload


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app, client = make_app(tmp_path_factory.mktemp("hostile-library"))
    sub = reader(app)
    t, csrf = opened(app, client, sub)
    return app, client, sub, t, csrf


def test_a_csl_json_number_of_5000_digits_is_a_clear_refusal_not_a_500(site):
    """Python refuses to turn more than 4,300 digits into an int (a ValueError that is no
    JSONDecodeError): the page said nothing and answered 500."""
    app, client, sub, t, csrf = site
    data = b'[{"title": "Quantum sensing", "issued": {"date-parts": [[1' + b"0" * 5000 + b"]]}}]"
    for lang in ("en", "zh"):
        page = client.post(
            f"/preferences/library?lang={lang}",
            data={"t": t, "csrf": csrf},
            files={"library": ("mine.json", data, "application/json")},
        )
        assert page.status_code == 422, text_of(page)[:300]
        said = text_of(page)
        assert ("a number with more than 4,300 digits" if lang == "en" else "数字超过 4,300 位") in said
        assert "Traceback" not in page.text and "set_int_max_str_digits" not in page.text
    assert libraries(app, sub) == {"main": []}


GOOD = b"@article{good1,\n  title = {Quantum sensing with defects},\n  doi = {10.1000/good.1},\n}\n"


def test_a_bibtex_file_of_tens_of_thousands_of_empty_blocks_is_read_only_up_to_its_bound(site):
    """Every ``@a{`` is a block bibtexparser splits, parses and reports: 1,000,000 of them (4 MB)
    took 148 s and 1.3 GB. Now the text past ``MAX_BLOCKS`` blocks is not given to it, and said so."""
    data = GOOD + b"@a{\n" * 6_000
    parsed = parse_library(data, "mine.bib")
    assert [e.id for e in parsed.entries] == ["doi:10.1000/good.1"]
    assert len(parsed.problems) + parsed.skipped <= MAX_BLOCKS + 1
    cut = f"line {MAX_BLOCKS + 4}: more than {MAX_BLOCKS:,} @ blocks: the rest of the file was not read"
    assert parsed.problems[0] == cut
    assert library_problem(cut, "zh") == f"第 {MAX_BLOCKS + 4} 行：超过 {MAX_BLOCKS:,} 个 @ 块，文件其余部分未读取"
    app, client, sub, t, csrf = site
    page = upload(client, t, csrf, data)
    assert page.status_code == 200 and "more than 4,000 @ blocks" in text_of(page)


def test_a_bibtex_title_made_of_braces_and_quotes_is_cut_before_its_entry(site):
    """Each brace, quote, comma and line break is one Python step of bibtexparser's splitter (a
    normal export has about 34 an entry): a 3 MB title of ``{"}`` took 20 s. Past ``MAX_MARKS`` the
    rest of the file is not read, cut before the entry that crossed the bound; what came first is kept."""
    hostile = b"@article{evil,\n  title = {" + b'{"}' * (MAX_MARKS // 3 + 10) + b"},\n}\n"
    parsed = parse_library(GOOD + hostile + GOOD.replace(b"good1", b"good2"), "mine.bib")
    assert [e.id for e in parsed.entries] == ["doi:10.1000/good.1"]
    why = f"more than {MAX_MARKS:,} braces, quotes, commas and line breaks: the rest of the file was not read"
    assert parsed.problems == [f"line 5: {why}"]
    assert "无法解析" not in library_problem(parsed.problems[0], "zh")
    # a single entry past the bound is cut inside itself: it is reported, never parsed whole
    alone = GOOD[:-2] + b"  abstract = {" + b'{"}' * MAX_MARKS + b"},\n}\n"
    with pytest.raises(
        LibraryError, match=rf"line 4: more than {MAX_MARKS:,} braces.*Unexpectedly reached end of file"
    ):
        parse_library(alone, "mine.bib")


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        # RIS records without an end: each record's line was counted from the top of the file, so
        # 100,000 of them (1.1 MB) took 38 s (50,000: 4.2 s); every one was also reported
        (
            "mine.ris",
            b"TY  - JOUR\nTI  - Quantum sensing\nER  - \n" + b"TY  - JOUR\n" * 6_000,
            "record 4001 (line 4003)",
        ),
        # CSL-JSON items that are no paper: 1.7 million empty objects (5 MB) took 40 s, every one read
        ("mine.json", b'[{"title": "Quantum sensing"}' + b", {}" * 6_000 + b"]", "entry 4001"),
    ],
)
def test_records_that_are_no_paper_are_read_only_up_to_a_bound(name, data, where):
    parsed = parse_library(data, name)
    assert [e.title for e in parsed.entries] == ["Quantum sensing"]
    assert len(parsed.problems) + parsed.skipped <= MAX_RECORDS
    cut = f"{where}: more than {MAX_RECORDS:,} records: the rest of the file was not read"
    assert cut in parsed.problems
    assert library_problem(cut, "zh").endswith(f"超过 {MAX_RECORDS:,} 条记录，文件其余部分未读取")


# --- a hostile Zotero server ----------------------------------------------------------------------


@pytest.fixture
def local(settings, httpserver) -> Settings:
    """Zotero and OpenAlex on the local server; every refresh of a test at one instant (no wall clock)."""
    api = httpserver.url_for("")
    return settings.model_copy(
        update={"library_zotero_api": api, "library_openalex_api": api, "http_retries": 1, "now": "2026-06-22T12:00Z"}
    )


def test_a_zotero_that_asks_to_back_off_on_every_page_cannot_hold_a_refresh_for_an_hour(local, httpserver):
    """Zotero's ``Backoff`` is honoured between pages (at most 120 s each); a server that sends it
    on every one of 40 pages held the refresh (and every source after it) for 40 x 120 s. Now the
    waits of one refresh add up to at most ``MAX_BACKOFF``: past that it fails, keeps the previous
    papers and is not tried before the time asked."""

    def endless(request: Request) -> Response:
        start = int(parse_qs(request.query_string.decode())["start"][0])
        item = copy.deepcopy(ITEMS[0])
        item["key"] = item["data"]["key"] = f"K{start:07d}"
        url = httpserver.url_for(request.path)
        headers = {"Backoff": "90", "Last-Modified-Version": "7", "Link": f'<{url}?start={start + 1}>; rel="next"'}
        return Response(json.dumps([item]), headers=headers, content_type="application/json")

    httpserver.expect_request("/users/475425/items/top").respond_with_handler(endless)
    services = _reader(local, SourceInput.zotero("475425", KEY))
    slept: list[float] = []
    report = refresh_libraries(services, sleep=slept.append)
    assert sum(slept) <= MAX_BACKOFF, slept
    outcome = report.outcomes[0]
    assert outcome.state == "failed", outcome
    assert "Zotero asked to wait 90 s between pages" in outcome.detail
    assert len(httpserver.log) <= 3
    assert refresh_libraries(services, force=True).outcomes[0].state == "waiting"
    assert sync_error(outcome.detail.removesuffix("; the previous papers are kept"), "zh") == (
        "Zotero 要求每页之间等待 90 秒（已等待 90 秒）：本次未更新，等待之后重试"
    )


def test_a_zotero_that_trickles_its_answer_is_cut_at_the_requests_deadline(local, httpserver):
    """httpx's timeout is per read: a server sending a few bytes before each timeout kept a refresh
    reading for as long as it liked (16 MB at a byte a second: six months). Now a request has a
    deadline for its whole answer, ``http_deadline``; the fetcher's clock is a counter here (one
    second a look), so the test waits for no real deadline."""

    def trickle(request: Request) -> Response:
        def body():
            yield b"["
            for i in range(300):
                time.sleep(0.002)
                yield b"{}, " if i < 299 else b"{}"
            yield b"]"

        return Response(body(), headers={"Last-Modified-Version": "7"}, content_type="application/json")

    httpserver.expect_request("/users/475425/items/top").respond_with_handler(trickle)
    services = _reader(local.model_copy(update={"http_deadline": 60.0}), SourceInput.zotero("475425", KEY))
    ticks = iter(range(1_000_000))
    with Fetcher(services.settings, clock=lambda: float(next(ticks)), max_bytes=PAGE_BYTES) as fetcher:
        outcome = refresh_libraries(services, fetcher=fetcher).outcomes[0]
    assert outcome.state == "failed", outcome
    assert "took longer than 60 s in all" in outcome.detail


@pytest.mark.parametrize("raw", ["9" * 400, "²", "99999999999999999999"])
@pytest.mark.parametrize(
    ("path", "field", "says"),
    [
        ("/preferences/library/sources/remove", "source", "That source is no longer there"),
        ("/preferences/channels/remove", "channel", "This channel could not be saved"),
    ],
)
def test_a_removal_form_with_an_id_no_row_can_have_is_the_same_clear_page_as_a_gone_one(site, path, field, says, raw):
    """``"²".isdigit()`` is true and ``int("²")`` fails; 400 nines are a number no database
    integer holds (SQLite: OverflowError): both were a 500."""
    app, client, sub, t, csrf = site
    page = client.post(f"{path}?lang=en", data={"t": t, "csrf": csrf, field: raw})
    assert page.status_code == 422, text_of(page)[:300]
    assert says in text_of(page) and "Traceback" not in page.text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_form_the_parser_refuses_is_a_page_in_the_readers_language(site, lang):
    """Two files where the upload takes one, 200 fields where the rate form takes 80, a multipart
    body without its boundary: Starlette's own English words ("Too many files. Maximum number of
    files is 1.") were the whole page, in Chinese too."""
    app, client, sub, t, csrf = site
    sent = {
        "two files": client.post(
            f"/preferences/library?lang={lang}",
            data={"t": t, "csrf": csrf},
            files=[("library", ("a.bib", GOOD, "text/plain")), ("library", ("b.bib", GOOD, "text/plain"))],
        ),
        "200 fields": client.post(f"/preferences/rate?lang={lang}", data={f"v{i}": "1" for i in range(200)}),
        "no boundary": client.post(
            f"/preferences/library?lang={lang}", content=b"x", headers={"content-type": "multipart/form-data"}
        ),
    }
    said = "This form could not be read" if lang == "en" else "无法读取此表单"
    for name, page in sent.items():
        assert page.status_code == 400, name
        assert said in text_of(page), (name, text_of(page)[:400])
        assert "Maximum number" not in page.text and "boundary" not in page.text, name


def test_a_csl_json_of_a_million_empty_objects_is_refused_before_it_is_built():
    """json.loads makes a Python object of every ``{}``: 1.7 million of them (5 MB) peaked at
    123 MiB, 7.6 times a normal 2,000-entry export; now such a file is refused before it is built."""
    data = b"[" + b"{}," * (MAX_JSON_CONTAINERS + 10) + b'{"title": "Quantum sensing"}]'
    with pytest.raises(LibraryError) as refused:
        parse_library(data, "mine.json")
    said = str(refused.value)
    assert said.startswith(f"the JSON holds {MAX_JSON_CONTAINERS + 12:,} objects and lists")
    assert library_error(said, "zh").startswith(f"该 JSON 含 {MAX_JSON_CONTAINERS + 12:,} 个对象和列表")


@pytest.mark.parametrize("group", ["library", "channel"])
def test_removing_a_source_or_channel_by_an_id_no_database_holds_says_so_on_the_command_line(
    env_settings, capsys, monkeypatch, group
):
    """``subscribers library remove a@x 999999999999999999999999`` said "unexpected error:
    OverflowError" (SQLite cannot hold the number); the id is as unknown as any other."""
    code, _out, _err = run_cli(capsys, monkeypatch, "subscribers", "add", "a@example.org", "--interests", "q")
    assert code == 0
    code, out, err = run_cli(capsys, monkeypatch, "subscribers", group, "remove", "a@example.org", "9" * 24)
    assert code == 2, (out, err)
    assert ("has no library source" if group == "library" else "has no channel") in err
    assert "OverflowError" not in err + out


@pytest.mark.parametrize(
    ("source", "path", "body", "says"),
    [
        (
            SourceInput.zotero("475425", KEY),
            "/users/475425/items/top",
            b"[" + b"{}," * MAX_PAGE_CONTAINERS + b"{}]",
            "Zotero's answer for the items from 0 holds more than",
        ),
        (
            SourceInput.orcid("0000-0002-1825-0097"),
            "/works",
            b'{"meta": {}, "results": [' + b"{}," * MAX_PAGE_CONTAINERS + b"{}]}",
            "OpenAlex's answer holds more than",
        ),
    ],
)
def test_a_sync_answer_of_a_million_empty_objects_is_refused_before_it_is_built(
    local, httpserver, source, path, body, says
):
    """A page may be 16 MB, and json.loads makes an object of every ``{}``: 5.5 million of them
    peaked at 399 MiB (and 5 s) for one page, a hundred times a real one; now refused first."""
    httpserver.expect_request(path).respond_with_data(body, headers={"Last-Modified-Version": "7"})
    services = _reader(local, source)
    outcome = refresh_libraries(services).outcomes[0]
    assert outcome.state == "failed", outcome
    assert says in outcome.detail and f"{MAX_PAGE_CONTAINERS:,} objects and lists" in outcome.detail
    assert "同步失败（原文" not in sync_error(outcome.detail.removesuffix("; the previous papers are kept"), "zh")


def test_a_crossref_answer_of_a_million_empty_objects_is_no_work_record(tmp_path, httpserver):
    """During an upload a person waits while up to 20 DOIs are looked up; a Crossref answering each
    with 4 MB of ``{}`` cost about 100 MiB and a second or more apiece. Now counted, not built."""
    httpserver.expect_request("/works/10.1038/evil").respond_with_data(
        b'{"message": [' + b"{}," * MAX_PAGE_CONTAINERS + b"{}]}", content_type="application/json"
    )
    settings = web_settings(tmp_path).model_copy(update={"library_crossref_api": httpserver.url_for("/works")})
    app, _client = make_app(tmp_path)
    found = resolve_entries([LibraryEntry(id="doi:10.1038/evil")], app.state.ctx.engine, settings, offline=False)
    assert found.crossref == 0 and found.unresolved == ["doi:10.1038/evil"]
    assert "Crossref's answer for doi:10.1038/evil holds more than 400,000 objects and lists" in " ".join(found.notes)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_export_is_read_not_called_a_binary_file(encoding):
    """Windows reference managers save UTF-16 with a byte-order mark; its zero bytes made the
    parser say "this is not a text file" of a plain BibTeX export."""
    text = GOOD.decode()
    data = ("\ufeff" + text).encode(encoding) if encoding == "utf-16-be" else text.encode(encoding)
    parsed = parse_library(data, "mine.bib")
    assert [(e.id, e.title) for e in parsed.entries] == [("doi:10.1000/good.1", "Quantum sensing with defects")]


def test_a_crossref_that_trickles_costs_a_waiting_reader_one_deadline_not_one_a_doi(tmp_path, httpserver):
    """Up to 20 DOIs are looked up while the reader waits, each with a 20 s deadline: a Crossref
    trickling every answer held the page for 20 x 20 s. After the first answer cut at its deadline
    the host is asked nothing more. (The fetcher's clock is a counter: no real deadline is waited.)"""

    def trickle(request: Request) -> Response:
        def body():
            for _ in range(100):
                time.sleep(0.002)
                yield b" "

        return Response(body(), content_type="application/json")

    httpserver.expect_request(re.compile(r"/works/10\.1038/.*")).respond_with_handler(trickle)
    settings = web_settings(tmp_path).model_copy(
        update={"library_crossref_api": httpserver.url_for("/works"), "http_deadline": 20.0}
    )
    app, _client = make_app(tmp_path)
    entries = [LibraryEntry(id=f"doi:10.1038/slow-{i}") for i in range(5)]
    ticks = iter(range(1_000_000))
    with Fetcher(settings, clock=lambda: float(next(ticks))) as fetcher:
        found = resolve_entries(entries, app.state.ctx.engine, settings, offline=False, fetcher=fetcher)
    assert len(httpserver.log) == 1
    assert found.unresolved == [e.id for e in entries]
    assert "took longer than 20 s in all" in " ".join(found.notes) and "5 id(s) left unresolved" in " ".join(
        found.notes
    )


def test_an_openalex_abstract_index_is_read_up_to_a_bound_of_positions_in_all():
    """``abstract_from_index`` read up to 5,000 positions of each of 5,000 words: 25 million steps
    for one work (a 16 MB page of them took about 7 s, ten pages a refresh). Now 5,000 positions in
    all, which no real abstract reaches; each position looked at is counted here."""
    looked = 0

    class Position(int):
        def __ge__(self, other):  # ``0 <= pos`` asks the subclass first
            nonlocal looked
            looked += 1
            return int(self) >= other

    index = {"Quantum": [Position(0)], "sensing": [Position(1)]}
    index.update({f"w{i}": [Position(9_999)] * 5_000 for i in range(3)})  # before: 15,002 looked at
    assert abstract_from_index(index) == "Quantum sensing"
    assert looked <= 2 * MAX_WORDS
