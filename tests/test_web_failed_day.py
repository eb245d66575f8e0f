"""A day whose feeds all failed is shown as what it is on the front page and in the API (issue 14)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from academichub.settings import SAMPLE_DAY_DIR
from academichub.web.app import create_app
from tests.conftest import ingest_paths, web_settings

DAY, BROKEN_DAY = date(2026, 6, 22), date(2026, 6, 23)


@pytest.fixture
def site(tmp_path, fixtures_dir):
    app = create_app(web_settings(tmp_path))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "cut.xml").write_bytes(b"<rss><channel><item><title>cut off")
    (broken / "page.xml").write_bytes(b"<!doctype html><html><head><title>Service Unavailable</title></head></html>")

    def ingest(day: date, folder) -> None:
        ingest_paths(app, [folder], day)

    return app, TestClient(app, raise_server_exceptions=False), ingest, broken


def test_only_a_failed_day_the_front_page_and_api_list_its_failures(site):
    app, client, ingest, broken = site
    ingest(BROKEN_DAY, broken)
    front = client.get("/?lang=en")
    assert front.status_code == 200 and "No edition has been prepared yet" not in front.text
    assert "This edition is held" in front.text and "file-cut: could not be fetched (broken XML" in front.text
    assert "file-page: could not be fetched (an HTML page instead of a feed" in front.text
    api = client.get(f"/api/editions/{BROKEN_DAY}")
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["size"] == 0 and body["papers"] == [] and "every source failed" in body["held"]
    assert {s["source"]: s["health"] for s in body["sources"]} == {"file-cut": "failed", "file-page": "failed"}
    assert client.get("/api/editions/2026-06-21").status_code == 404  # a day nothing happened on


def test_a_failed_day_after_a_good_one_is_in_front_with_the_way_back(site):
    app, client, ingest, broken = site
    ingest(DAY, SAMPLE_DAY_DIR)
    ingest(BROKEN_DAY, broken)
    front = client.get("/?lang=en").text
    assert f"/editions/{DAY}" in front and "file-cut: could not be fetched" in front  # the previous day linked
    assert client.get(f"/api/editions/{DAY}").json()["size"] == 39
    assert client.get(f"/editions/{BROKEN_DAY}?lang=en").text.count("file-cut: could not be fetched") == 1


def test_a_card_without_authors_carries_no_repeated_note(site):
    app, client, ingest, _ = site
    ingest(DAY, SAMPLE_DAY_DIR)
    for lang, note in (("en", "Authors not listed"), ("zh", "未列出作者")):
        page = client.get(f"/editions/{DAY}?lang={lang}&source=Science (Express)").text
        assert "Sample research article listed without an abstract" in page and note not in page
