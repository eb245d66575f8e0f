"""Synced libraries (issue 16 part 3): a Zotero library through its web API v3 and an ORCID iD's works
through OpenAlex, on local servers (pytest-httpserver) answering with recorded responses
(tests/library_sync_fixtures/SOURCES.md): paging, the incremental refresh by library version, every
error keeping the previous library, the masked key, the ORCID checksum, the abstract rebuilt from an
inverted index, and matching that uses the synced papers."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from werkzeug import Request, Response

from academichub.db import open_database, session_scope
from academichub.papers.fetch import Fetcher
from academichub.papers.libsync import refresh_libraries
from academichub.papers.openalex import abstract_from_index, fetch_orcid_works
from academichub.papers.zotero import fetch_zotero
from academichub.services import Services
from academichub.settings import SAMPLE_DAY_DIR, Settings
from subscribers.library import library_of
from subscribers.libsources import SourceInput, add_source, orcid_id, sources_of
from subscribers.models import LibrarySource, SubscriberChange
from subscribers.service import ProfileInput, SubscriberError, get_subscriber, upsert_subscriber
from tests.conftest import run_cli

HERE = Path(__file__).parent / "library_sync_fixtures"  # not in fixtures/: that folder is ingested whole as feeds
KEY = "Zk4vT9qLm2Xw8Rb7Yc3Np6Ad"  # a well-formed (made-up) Zotero API key
ITEMS = json.loads((HERE / "zotero-items-pyzotero.json").read_text())
ATTACHMENT = json.loads((HERE / "zotero-attachment-pyzotero.json").read_text())
QEC = {  # the sample day's 2606.12020 is about this (the fields a test puts on a recorded item)
    "title": "Quantum error correction with bosonic codes",
    "abstractNote": "Error mitigation and the Petz recovery map for noisy quantum channels.",
}


class LocalZotero:
    """A Zotero library on the local server: the recorded items (and the attachment) at a library
    version, paged ``page`` at a time with Zotero's headers; ``since`` answers what changed after a
    version, ``/deleted`` the keys removed, ``If-Modified-Since-Version`` 304 when nothing did."""

    def __init__(self, httpserver, items: list[dict], *, version: int = 100, page: int = 8, backoff: str = ""):
        self.items = [copy.deepcopy(i) for i in items]
        self.version, self.page, self.deleted, self.backoff = version, page, {}, backoff
        self.requests: list[Request] = []
        self.server = httpserver
        httpserver.expect_request("/users/475425/deleted").respond_with_handler(self.deleted_keys)
        httpserver.expect_request("/users/475425/items/top").respond_with_handler(self.list_items)
        httpserver.expect_request("/users/475425/collections/9KH9TNSJ/items/top").respond_with_handler(self.list_items)

    def change(self, key: str, **fields) -> None:
        self.version += 1
        for item in self.items:
            if item["key"] == key:
                item["data"].update(fields)
                item["version"] = item["data"]["version"] = self.version

    def delete(self, key: str) -> None:
        self.version += 1
        self.items = [i for i in self.items if i["key"] != key]
        self.deleted[key] = self.version

    def _refused(self, request: Request) -> Response | None:
        self.requests.append(request)
        if request.headers.get("Zotero-API-Key") != KEY or request.headers.get("Zotero-API-Version") != "3":
            return Response("Invalid key", status=403)
        return None

    def list_items(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused:
            return refused
        headers = {"Last-Modified-Version": str(self.version)}
        if request.headers.get("If-Modified-Since-Version") == str(self.version):
            return Response(status=304, headers=headers)
        args = parse_qs(request.query_string.decode())
        since = int(args.get("since", ["0"])[0])
        start, limit = int(args["start"][0]), min(int(args["limit"][0]), self.page)
        wanted = [
            i
            for i in self.items
            if i["version"] > since
            and (args.get("includeTrashed") == ["1"] or not i["data"].get("deleted"))
            and ("/collections/" not in request.path or "9KH9TNSJ" in i["data"].get("collections", []))
        ]
        chunk = wanted[start : start + limit]
        headers["Total-Results"] = str(len(wanted))
        if self.backoff:
            headers["Backoff"] = self.backoff  # Zotero asks clients to slow down
        if start + limit < len(wanted):
            url = self.server.url_for(request.path)
            headers["Link"] = f'<{url}?limit={limit}&start={start + limit}>; rel="next", <{url}>; rel="alternate"'
        return Response(json.dumps(chunk), headers=headers, content_type="application/json")

    def deleted_keys(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused:
            return refused
        since = int(parse_qs(request.query_string.decode())["since"][0])
        keys = [k for k, v in self.deleted.items() if v > since]
        body = {"collections": [], "searches": [], "items": keys, "tags": [], "settings": []}
        return Response(json.dumps(body), headers={"Last-Modified-Version": str(self.version)})


@pytest.fixture
def local(settings, httpserver) -> Settings:
    return settings.model_copy(
        update={
            "library_zotero_api": httpserver.url_for(""),
            "library_openalex_api": httpserver.url_for(""),
            "http_retries": 1,
            "now": "2026-06-22T12:00:00+00:00",  # every refresh of a test at one instant: no wall clock
        }
    )


def _reader(settings: Settings, *sources: SourceInput) -> Services:
    services = Services(settings, open_database(settings))
    with session_scope(services.engine) as session:
        sub, profile, _ = upsert_subscriber(session, "r@example.org", ProfileInput(interests="quantum codes"))
        for data in sources:
            add_source(session, sub, profile, data, via="cli")
    return services


def _library(services: Services) -> list[dict]:
    with session_scope(services.engine) as session:
        return library_of(get_subscriber(session, "r@example.org")[1])


# --- Zotero -------------------------------------------------------------------------------------


def test_zotero_items_are_read_page_by_page_and_attachments_are_skipped(local, httpserver):
    zotero = LocalZotero(httpserver, [*ITEMS, ATTACHMENT])
    with Fetcher(local) as fetcher:
        got = fetch_zotero("users/475425", KEY, [], fetcher, local)
    assert [r.args["start"] for r in zotero.requests] == ["0", "8", "16"]  # three pages of 8, 8 and 5
    assert all(r.args["limit"] == "100" and r.args["include"] == "data" for r in zotero.requests)
    assert (got.version, got.skipped, got.full, len(got.entries)) == (100, 1, True, 20)
    holmes = got.entries["PQKBRC33"]
    assert holmes and holmes.id == "doi:10.2307/2321200" and holmes.year == 1980
    assert holmes.title == "Sherlock Holmes in Babylon" and holmes.source == "zotero"
    yarn = got.entries["33TK9NH9"]
    assert yarn and yarn.abstract.startswith("Multifunctional applications of textile") and yarn.year == 2011
    artwork = got.entries["6MCAN2NC"]  # its abstractNote is HTML: text only
    assert artwork and "<a" not in artwork.abstract and "href" not in artwork.abstract


def test_a_collection_is_read_from_its_own_items_and_arxiv_ids_come_from_archive_id(local, httpserver):
    items = copy.deepcopy(ITEMS)
    items[1]["data"].update(archiveID="arXiv:2606.12020", collections=["9KH9TNSJ"])  # recorded item, fields set
    items[2]["data"]["collections"] = []
    zotero = LocalZotero(httpserver, items)
    with Fetcher(local) as fetcher:
        got = fetch_zotero("users/475425", KEY, ["9KH9TNSJ"], fetcher, local)
    assert {r.path for r in zotero.requests} == {"/users/475425/collections/9KH9TNSJ/items/top"}
    assert "Z8N84QAJ" not in got.entries and got.entries["PQKBRC33"].id == "2606.12020"  # type: ignore[union-attr]


def test_an_incremental_refresh_reads_only_what_changed_since_the_library_version(local, httpserver):
    zotero = LocalZotero(httpserver, ITEMS)
    services = _reader(local, SourceInput.zotero("475425", KEY))
    first = refresh_libraries(services)
    assert [o.state for o in first.outcomes] == ["refreshed"] and len(_library(services)) == 20
    zotero.requests.clear()
    zotero.change("PQKBRC33", **QEC)
    zotero.change("Z8N84QAJ", deleted=1)  # moved to the trash
    zotero.delete("NM66T6EF")
    again = refresh_libraries(services, force=True)
    assert again.outcomes[0].state == "refreshed", again.outcomes[0].line()
    listing = zotero.requests[0]
    assert listing.args["since"] == "100" and listing.headers["If-Modified-Since-Version"] == "100"
    assert [r.path for r in zotero.requests] == ["/users/475425/items/top", "/users/475425/deleted"]
    rows = {r["title"]: r for r in _library(services)}
    assert len(rows) == 18 and QEC["title"] in rows and "Sherlock Holmes in Babylon" not in rows
    assert "2 removed since version 100, now 103" in again.outcomes[0].detail
    with session_scope(services.engine) as session:
        assert sources_of(session, 1)[0].version == 103
    zotero.requests.clear()
    same = refresh_libraries(services, force=True)  # nothing changed: one request, answered 304
    assert same.outcomes[0].state == "unchanged" and len(zotero.requests) == 1 and len(_library(services)) == 18
    assert refresh_libraries(services).not_due == 1  # tried just now: not due until library_refresh_hours


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Response("Invalid key", status=403), "Zotero refused the API key (HTTP 403)"),
        (Response("Not found", status=404), "Zotero has no such library or collection (HTTP 404"),
        (Response('[{"key": ', content_type="application/json"), "is not valid JSON"),
        (Response(json.dumps({"message": "x"}), content_type="application/json"), "is not a JSON list of items"),
        (Response("x" * 5000, content_type="application/json"), "larger than"),
    ],
    ids=["bad-key", "not-found", "cut-json", "not-a-list", "huge"],
)
def test_each_zotero_error_says_what_went_wrong_and_keeps_the_previous_library(local, httpserver, answer, message):
    zotero = LocalZotero(httpserver, ITEMS)
    services = _reader(local, SourceInput.zotero("475425", KEY))
    refresh_libraries(services)
    before = _library(services)
    zotero.change("PQKBRC33", **QEC)
    httpserver.clear()
    httpserver.expect_request("/users/475425/items/top").respond_with_response(answer)
    with Fetcher(local, max_bytes=4000) as small:
        report = refresh_libraries(services, force=True, fetcher=small)
    outcome = report.outcomes[0]
    assert outcome.state == "failed" and message in outcome.detail, outcome.detail
    assert "previous papers are kept" in outcome.detail and _library(services) == before
    with session_scope(services.engine) as session:
        source = sources_of(session, 1)[0]
        assert source.status == "failed" and message in (source.error or "") and source.version == 100


def test_a_rate_limited_refresh_waits_as_asked_then_leaves_the_source_until_then(local, httpserver):
    LocalZotero(httpserver, ITEMS)
    services = _reader(local, SourceInput.zotero("475425", KEY))
    refresh_libraries(services)
    httpserver.clear()
    httpserver.expect_request("/users/475425/items/top").respond_with_data(
        "Too many requests. Slow down", status=429, headers={"Retry-After": "7"}
    )
    slept: list[float] = []
    with Fetcher(local, sleep=slept.append) as fetcher:
        report = refresh_libraries(services, force=True, fetcher=fetcher)
    assert slept == [7.0]  # the fetcher's one retry waited what Zotero asked
    assert "HTTP 429; it asked to wait 7 s" in report.outcomes[0].detail and len(_library(services)) == 20
    later = refresh_libraries(services, force=True)  # within those 7 s: not even tried
    assert later.outcomes[0].state == "waiting" and len(httpserver.log) == 2
    assert "asked to wait until 2026-06-22 12:00 UTC" in later.outcomes[0].detail
    after = services.settings.model_copy(update={"now": "2026-06-22T12:00:08+00:00"})
    assert refresh_libraries(Services(after, services.engine), force=True).outcomes[0].state == "failed"
    assert len(httpserver.log) == 4  # tried again (twice) once the wait was over
    assert httpserver.log[2][0].args["since"] == "100"  # still incremental: the failed try changed nothing


def test_the_api_key_is_stored_but_never_shown(env_settings, capsys, monkeypatch, httpserver):
    LocalZotero(httpserver, ITEMS)
    monkeypatch.setenv("ACADEMICHUB_LIBRARY_ZOTERO_API", httpserver.url_for(""))
    code, out, err = run_cli(
        capsys, monkeypatch, "subscribers", "add", "r@example.org", "--interests", "codes", "--zotero", "475425",
        "--zotero-key", KEY,
    )  # fmt: skip
    assert code == 0, err
    assert f"Zotero users/475425 (key ****{KEY[-4:]})" in out and "20 papers" in out
    shown = [out, err]
    for args in (("library", "list", "r@example.org", "--json"), ("library", "list", "r@example.org"),
                 ("export", "--json"), ("export", "r@example.org"), ("library", "sync", "--force")):  # fmt: skip
        code, out, err = run_cli(capsys, monkeypatch, "subscribers", *args)
        assert code == 0, err
        shown += [out, err]
    listed = json.loads(shown[2])
    assert listed[0]["key"] == "****" + KEY[-4:] and listed[0]["papers"] == 20 and listed[0]["version"] == 100
    assert json.loads(shown[8])["library_sources"][0]["key"] == "****" + KEY[-4:]  # the person's own export
    assert not any(KEY in text or KEY[:12] in text for text in shown)
    engine = open_database(Settings(database_url=f"sqlite:///{env_settings / 'academichub.db'}", _env_file=None))
    with session_scope(engine) as session:
        from sqlmodel import select

        changes = json.dumps([c.changes for c in session.exec(select(SubscriberChange))])
        assert "library source" in changes and KEY not in changes
        source = session.exec(select(LibrarySource)).one()
        assert source.secret == KEY and KEY not in repr(SourceInput.zotero("475425", KEY)) + repr(source)
    # A malformed key, library id or collection is refused before anything changes, with the reason.
    for bad, why in (
        (["--zotero", "475425", "--zotero-key", "short"], "a Zotero API key is 24 letters and digits"),
        (["--zotero", "me", "--zotero-key", KEY], "'me' is not a Zotero library id"),
        (["--zotero", "1", "--zotero-key", KEY, "--zotero-collection", "x/y"], "not a Zotero collection key"),
        (["--zotero-key", KEY], "need --zotero USER_ID"),
        (["--orcid", "0000-0002-1825-0098"], "its last character should be 7"),
    ):
        code, out, err = run_cli(capsys, monkeypatch, "subscribers", "add", "n@example.org", *bad)
        assert code == 2 and why in re.sub(r"[\s│╭╮╰╯─]+", " ", err), err
    code, out, _ = run_cli(capsys, monkeypatch, "subscribers", "export", "--json")
    assert [r["email"] for r in json.loads(out)] == ["r@example.org"]


def test_removing_a_source_radar_or_reader_forgets_its_papers_and_key_on_both_databases(db_url, tmp_path, httpserver):
    from subscribers.library import set_library
    from subscribers.libsources import remove_source
    from subscribers.radars import add_radar, remove_radar
    from subscribers.service import delete_subscriber

    LocalZotero(httpserver, ITEMS)
    settings = Settings(
        database_url=db_url, outbox_dir=tmp_path, library_zotero_api=httpserver.url_for(""), _env_file=None
    )
    services = _reader(settings, SourceInput.zotero("475425", KEY))
    with session_scope(services.engine) as session:
        sub, profile = get_subscriber(session, "r@example.org")
        set_library(
            session, sub, profile, [{"id": "2606.12020", "title": "My own paper", "source": "bibtex"}], via="cli"
        )
        other = add_radar(session, sub, "qec", ProfileInput(interests="codes"), via="cli")
        add_source(session, sub, other, SourceInput.zotero("groups/9", KEY), via="cli")
    httpserver.expect_request("/groups/9/items/top").respond_with_json([])
    refresh_libraries(services)
    assert len(_library(services)) == 21  # the file's paper and the 20 synced ones
    with session_scope(services.engine) as session:
        sub, _ = get_subscriber(session, "r@example.org")
        remove_source(session, sub, sources_of(session, sub.key)[0].id or 0, via="cli")
        with pytest.raises(SubscriberError, match="has no library source 99"):
            remove_source(session, sub, 99, via="cli")
    assert [r["title"] for r in _library(services)] == ["My own paper"]  # the file's rows stay
    with session_scope(services.engine) as session:
        sub, _ = get_subscriber(session, "r@example.org")
        remove_radar(session, sub, "qec", via="cli")
        assert sources_of(session, sub.key) == []
        add_source(
            session, sub, get_subscriber(session, sub.email)[1], SourceInput.orcid("0000-0002-1825-0097"), via="cli"
        )
        delete_subscriber(session, sub)
    with session_scope(services.engine) as session:
        from sqlmodel import select

        assert session.exec(select(LibrarySource)).all() == []


def test_zoteros_backoff_is_honoured_between_pages_and_until_the_next_refresh(local, httpserver):
    LocalZotero(httpserver, ITEMS, backoff="3")
    services = _reader(local, SourceInput.zotero("475425", KEY))
    slept: list[float] = []
    report = refresh_libraries(services, sleep=slept.append)
    assert slept == [3.0, 3.0] and report.outcomes[0].state == "refreshed"  # between the three pages
    assert refresh_libraries(services, force=True).outcomes[0].state == "waiting"


# --- ORCID and OpenAlex -----------------------------------------------------------------------


def test_syncing_an_address_that_is_no_subscriber_says_so(env_settings, capsys, monkeypatch):
    code, out, err = run_cli(capsys, monkeypatch, "subscribers", "library", "sync", "nobody@example.org")
    assert code == 2 and "no subscriber with the address nobody@example.org" in err and "refreshed" not in out


def test_orcid_ids_are_checked_with_their_iso_7064_checksum():
    assert orcid_id("https://orcid.org/0000-0002-1825-0097") == "0000-0002-1825-0097"
    assert orcid_id("000000021694233x") == "0000-0002-1694-233X"  # X stands for 10
    with pytest.raises(SubscriberError, match="its last character should be 7"):
        orcid_id("0000-0002-1825-0098")
    with pytest.raises(SubscriberError, match="is not an ORCID iD"):
        orcid_id("0000-0002-1825")


def test_an_abstract_is_rebuilt_from_its_inverted_index_and_junk_is_ignored():
    assert abstract_from_index({"world": [1], "Hello": [0], "again": [3], "and": [2]}) == "Hello world and again"
    hostile = {"ok": [0, True, -1, 10**9, "2"], "x" * 500: [1], 3: [2], "fine": "5", "end": [4]}
    assert abstract_from_index(hostile) == "ok end" and abstract_from_index(None) == ""


def test_own_publications_come_from_openalex_page_by_page(local, httpserver):
    first = json.loads((HERE / "openalex-works-page1.json").read_text())
    preprint = copy.deepcopy(first["results"][0])  # the recorded work made an arXiv preprint (fields changed)
    preprint.update(
        id="https://openalex.org/W1", doi="https://doi.org/10.48550/arxiv.2606.12020", title=QEC["title"],
        ids={"doi": "https://doi.org/10.48550/arxiv.2606.12020"},
        locations=[{"landing_page_url": "http://arxiv.org/abs/2606.12020v1"}], publication_year=2026,
    )  # fmt: skip
    second = {"meta": {**first["meta"], "next_cursor": "next2"}, "results": [preprint, "junk"]}
    last = {"meta": {**first["meta"], "next_cursor": None}, "results": []}
    cursors = {"*": first, first["meta"]["next_cursor"]: second, "next2": last}
    httpserver.expect_request("/works").respond_with_handler(
        lambda request: Response(json.dumps(cursors[request.args["cursor"]]), content_type="application/json")
    )
    with Fetcher(local) as fetcher:
        works = fetch_orcid_works("0000-0003-1613-5981", fetcher, local)
    query = httpserver.log[0][0].args
    assert query["filter"] == "author.orcid:0000-0003-1613-5981" and query["per-page"] == "200"
    assert [e.id for e in works.entries] == ["doi:10.7717/peerj.4375", "2606.12020"] and works.total == 2
    assert works.entries[0].abstract == (
        "Despite growing interest in Open Access (OA) to scholarly literature, there is an unmet need for "
        "large-scale, up-to-date, and reproducible studies assessing the prevalence and characteristics of OA."
    )
    assert works.entries[0].year == 2018 and works.problems == ["work 3: not an object"]
    httpserver.clear()
    httpserver.expect_request("/works").respond_with_data("{]", content_type="application/json")
    services = _reader(local, SourceInput.orcid("0000-0003-1613-5981"))
    report = refresh_libraries(services)
    assert report.outcomes[0].state == "failed" and "OpenAlex's answer is not valid JSON" in report.outcomes[0].detail


# --- matching ---------------------------------------------------------------------------------


def test_matching_uses_the_synced_papers(env_settings, capsys, monkeypatch, httpserver):
    items = copy.deepcopy(ITEMS)
    # The library's newest recorded paper (2011, so it weighs fully) given the title and abstract of the
    # reader's own paper; the other 19 recorded items (Sherlock Holmes, plasma flows, ...) stay as they are.
    next(i for i in items if i["key"] == "3EWF3P9V")["data"].update(QEC)
    LocalZotero(httpserver, items)
    monkeypatch.setenv("ACADEMICHUB_LIBRARY_ZOTERO_API", httpserver.url_for(""))
    code, _, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, err
    code, out, err = run_cli(
        capsys, monkeypatch, "subscribers", "add", "r@example.org", "--zotero", "users/475425", "--zotero-key", KEY
    )
    assert code == 0 and "refreshed" in out, err
    code, out, err = run_cli(capsys, monkeypatch, "match", "--subscriber", "r@example.org", "--json", "--top", "3")
    assert code == 0, err
    found = json.loads(out)
    assert found[0]["id"] == "2606.12020", found
    assert found[0]["reasons"][0] == f"close to your paper: {QEC['title']}"


# --- the flow ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
def test_the_refresh_libraries_flow_refreshes_due_sources_and_its_artifact_masks_the_key(
    env_settings, monkeypatch, httpserver
):
    from flows.libraries import refresh_libraries_flow
    from tests.test_flows import read_artifacts

    LocalZotero(httpserver, ITEMS)
    monkeypatch.setenv("ACADEMICHUB_LIBRARY_ZOTERO_API", httpserver.url_for(""))
    monkeypatch.setenv("ACADEMICHUB_NOW", "2026-06-22T12:00:00+00:00")
    settings = Settings(database_url=f"sqlite:///{env_settings / 'academichub.db'}", _env_file=None)
    _reader(settings, SourceInput.zotero("475425", KEY), SourceInput.zotero("groups/9", KEY))
    httpserver.expect_request("/groups/9/items/top").respond_with_data("Forbidden", status=403)
    report = refresh_libraries_flow()
    assert [o.state for o in report.outcomes] == ["refreshed", "failed"] and len(
        _library(Services(settings, open_database(settings)))
    ) == 20
    art = read_artifacts("library-sync")[0]["data"]
    assert "1 refreshed" in art and "1 failed" in art and "Zotero refused the API key" in art
    assert f"****{KEY[-4:]}" in art and KEY not in art
    assert refresh_libraries_flow().not_due == 2  # the same instant: nothing is due again
