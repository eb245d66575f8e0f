"""The ingest flow on the live-fetch path, against a local HTTP server standing in for the feeds."""

from __future__ import annotations

import pytest
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.models import FetchLog, Paper
from academichub.settings import Settings
from flows.ingest import ingest_flow
from tests.conftest import fixture_bytes

pytestmark = pytest.mark.usefixtures("prefect_harness")


def write_sources(path, server) -> None:
    path.write_text(
        f"""
[arxiv]
holidays = []

[[source]]
key = "arxiv-cs.AI"
url = "{server.url_for("/rss/cs.AI")}"

[[source]]
key = "arxiv-api"
url = "{server.url_for("/api/query")}"

[[source]]
key = "nature"
url = "{server.url_for("/nature.rss")}"
label = "Nature"

[[source]]
key = "science"
url = "{server.url_for("/science")}"

[[source]]
key = "medrxiv"
url = "{server.url_for("/details/medrxiv")}/{{yesterday}}/{{date}}/0"
label = "medRxiv (Medicine)"
""",
        encoding="utf-8",
    )


def test_ingest_flow_fetches_records_failures_and_carries_on(httpserver, env_settings, monkeypatch):
    sources = env_settings / "sources.toml"
    write_sources(sources, httpserver)
    monkeypatch.setenv("ACADEMICHUB_SOURCES_FILE", str(sources))
    httpserver.expect_request("/rss/cs.AI").respond_with_data(
        fixture_bytes("arxiv-rss-csAI-jmamath-trimmed.xml"), headers={"ETag": '"ai-1"'}
    )
    httpserver.expect_request("/api/query").respond_with_data(
        fixture_bytes("arxiv-api-error-rate-exceeded-darmindark691.xml"), content_type="text/plain"
    )
    httpserver.expect_request("/nature.rss").respond_with_data(fixture_bytes("nature-rss-dakesan.xml"))
    httpserver.expect_request("/science").respond_with_data(
        "<html><head><title>Service Unavailable</title></head></html>", status=503, headers={"Retry-After": "0"}
    )
    httpserver.expect_request("/details/medrxiv/2026-04-26/2026-04-27/0").respond_with_data(
        fixture_bytes("medrxiv-api-details-fabianofilho-trimmed.json")
    )

    report = ingest_flow(date_="2026-04-27")

    by_key = {s.key: s for s in report.sources}
    assert by_key["arxiv-cs.AI"].health == "ok" and by_key["arxiv-cs.AI"].new == 3
    assert by_key["nature"].items == 75 and by_key["medrxiv"].items == 3
    assert by_key["arxiv-api"].health == "failed" and "Rate exceeded" in by_key["arxiv-api"].error
    assert by_key["science"].health == "failed" and "HTTP 503" in by_key["science"].error
    assert report.new_papers == 81

    engine = open_database(Settings())
    with session_scope(engine) as s:
        assert s.get(Paper, "doi:10.64898/2026.09.13.26362948").source_labels == ["medRxiv (Medicine)"]
        log = s.exec(select(FetchLog).where(FetchLog.source_key == "arxiv-cs.AI")).one()
        assert log.etag == '"ai-1"' and log.http_status == 200 and log.bytes > 0

    # Next day: the stored ETag is sent back and a 304 is "unchanged", not a failure.
    httpserver.clear()
    httpserver.expect_request("/rss/cs.AI", headers={"If-None-Match": '"ai-1"'}).respond_with_data("", status=304)
    for path in ("/api/query", "/nature.rss", "/science", "/details/medrxiv/2026-04-27/2026-04-28/0"):
        httpserver.expect_request(path).respond_with_data("", status=404)
    # The other four sources failing is most of the day: the run ends Failed, and the day is held.
    state = ingest_flow(date_="2026-04-28", return_state=True)
    assert state.is_failed() and "is held: sources that usually carry 80% of the day's papers" in state.message
    with session_scope(engine) as s:
        log = s.exec(select(FetchLog).where(FetchLog.source_key == "arxiv-cs.AI").order_by(FetchLog.id)).all()[-1]
        assert log.health == "not_modified" and log.error is None


def read_artifacts(key: str) -> list[dict]:
    """Artifacts by key through the Prefect REST API, as the UI reads them."""
    import httpx
    from prefect.settings import PREFECT_API_URL

    r = httpx.post(
        f"{PREFECT_API_URL.value()}/artifacts/filter",
        json={"artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC", "limit": 5, "offset": 0},
    )
    r.raise_for_status()
    return r.json()


def test_ingest_flow_publishes_a_markdown_artifact(env_settings, fixtures_dir):
    ingest_flow(from_paths=[str(fixtures_dir / "arxiv-rss-csAI-jmamath-trimmed.xml")], date_="2026-04-27")
    arts = read_artifacts("ingest-report")
    assert arts and arts[0]["type"] == "markdown"
    assert "arxiv-cs.AI" in arts[0]["data"] and "new papers: **3**" in arts[0]["data"]
