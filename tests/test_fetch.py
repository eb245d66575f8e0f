"""The fetcher against a real local HTTP server: headers, conditional GET, back-off, pacing."""

from __future__ import annotations

from datetime import UTC

import httpx

from academichub.papers.fetch import Fetcher, retry_after_seconds
from academichub.settings import Settings
from tests.conftest import fixture_bytes


class FakeTime:
    """A clock that only moves when the fetcher sleeps: pacing and back-off are observable."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_fetcher(t: FakeTime, **kw) -> Fetcher:
    settings = Settings(
        http_retries=kw.pop("retries", 3),
        http_backoff=1.0,
        arxiv_min_interval=3.0,
        contact_email="ops@example.org",
        _env_file=None,
        **kw,
    )
    return Fetcher(settings, sleep=t.sleep, clock=t.clock)


def test_user_agent_and_conditional_get(httpserver):
    body = fixture_bytes("arxiv-rss-csAI-jmamath-trimmed.xml")
    httpserver.expect_ordered_request("/rss", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    httpserver.expect_ordered_request("/rss").respond_with_data(
        body, headers={"ETag": '"v1"', "Last-Modified": "Mon, 27 Apr 2026 04:00:00 GMT"}
    )
    t = FakeTime()
    with make_fetcher(t) as f:
        first = f.get(httpserver.url_for("/rss"), etag='"v1"')
        assert first.not_modified and first.body is None and first.error is None
    httpserver.clear()
    httpserver.expect_request("/rss").respond_with_data(
        body, headers={"ETag": '"v2"', "Last-Modified": "Mon, 27 Apr 2026 04:00:00 GMT"}
    )
    with make_fetcher(t) as f:
        r = f.get(httpserver.url_for("/rss"))
    assert r.status == 200 and r.body == body and r.etag == '"v2"' and r.last_modified.startswith("Mon")
    request, _ = httpserver.log[-1]
    assert "AcademicHub/" in request.headers["User-Agent"] and "mailto:ops@example.org" in request.headers["User-Agent"]


def test_retry_after_is_honoured_then_success(httpserver):
    httpserver.expect_ordered_request("/feed").respond_with_data("busy", status=503, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/feed").respond_with_data("slow down", status=429)
    httpserver.expect_ordered_request("/feed").respond_with_data(b"<rss/>")
    t = FakeTime()
    with make_fetcher(t) as f:
        r = f.get(httpserver.url_for("/feed"))
    assert r.error is None and r.status == 200 and r.attempts == 3
    assert t.sleeps[0] == 7.0  # Retry-After
    assert t.sleeps[1] == 2.0  # exponential back-off (multiplier 1 s, second attempt)


def test_gives_up_with_a_clear_error_and_never_raises(httpserver):
    httpserver.expect_request("/down").respond_with_data("no", status=503)
    t = FakeTime()
    with make_fetcher(t, retries=2) as f:
        r = f.get(httpserver.url_for("/down"))
    assert r.status == 503 and r.attempts == 3 and "HTTP 503" in r.error and "3 attempt" in r.error


def test_404_is_not_retried(httpserver):
    httpserver.expect_request("/gone").respond_with_data("missing", status=404)
    t = FakeTime()
    with make_fetcher(t) as f:
        r = f.get(httpserver.url_for("/gone"))
    assert r.attempts == 1 and r.error.startswith("HTTP 404") and t.sleeps == []


def test_network_error_is_reported():
    t = FakeTime()
    with make_fetcher(t, retries=1) as f:
        r = f.get("http://127.0.0.1:9/nothing-listens-here")
    assert r.error and "network error" in r.error and r.attempts == 2


def test_arxiv_requests_are_spaced_three_seconds():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(200, content=b"<rss/>")

    t = FakeTime()
    settings = Settings(arxiv_min_interval=3.0, _env_file=None)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    with Fetcher(settings, client, sleep=t.sleep, clock=t.clock) as f:
        f.get("https://rss.arxiv.org/rss/cs.AI")
        f.get("https://rss.arxiv.org/rss/cs.LG")
        f.get("https://www.nature.com/nature.rss")  # other hosts are not paced
        f.get("https://export.arxiv.org/api/query?x")
    assert len(calls) == 4
    assert t.sleeps == [3.0, 3.0]


def test_retry_after_http_date():
    from datetime import datetime

    now = datetime(2026, 4, 27, 4, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 27 Apr 2026 04:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("garbage") is None and retry_after_seconds(None) is None


def test_rxiv_details_api_is_paged_to_the_total(httpserver):
    import json

    from academichub.papers.fetch import fetch_rxiv_pages

    page = json.loads(fixture_bytes("medrxiv-api-details-fabianofilho-trimmed.json"))
    records = page["collection"]

    def page_at(cursor: int, size: int = 2) -> bytes:
        part = [
            dict(r, doi=f"{r['doi']}.{cursor + i}") for i, r in enumerate((records * 3)[cursor : min(cursor + size, 5)])
        ]
        return json.dumps(
            {"messages": [{"status": "ok", "cursor": cursor, "count": len(part), "total": 5}], "collection": part}
        ).encode()

    for cursor in (0, 2, 4):
        httpserver.expect_request(f"/details/medrxiv/2026-09-14/2026-09-15/{cursor}").respond_with_data(page_at(cursor))
    t = FakeTime()
    with make_fetcher(t) as f:
        r = fetch_rxiv_pages(f, httpserver.url_for("/details/medrxiv/2026-09-14/2026-09-15/0"))
    joined = json.loads(r.body)
    assert r.error is None and len(joined["collection"]) == 5 and joined["messages"][0]["count"] == 5

    httpserver.clear()
    httpserver.expect_request("/details/medrxiv/2026-09-14/2026-09-15/0").respond_with_data(page_at(0))
    httpserver.expect_request("/details/medrxiv/2026-09-14/2026-09-15/2").respond_with_data("oops", status=500)
    with make_fetcher(t, retries=0) as f:
        r = fetch_rxiv_pages(f, httpserver.url_for("/details/medrxiv/2026-09-14/2026-09-15/0"))
    assert r.body is None and "cursor 2 of 5" in r.error  # a partial day is a failure, not a quiet day


def test_an_unreachable_server_is_tried_twice_then_left_alone_while_others_are_still_fetched():
    tried: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tried.append(request.url.host)
        if request.url.host == "up.example.org":
            return httpx.Response(200, content=b"<rss/>")
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    t = FakeTime()
    settings = Settings(http_backoff=2.0, arxiv_min_interval=0.0, _env_file=None)  # default retries: 3, connect: 1
    with Fetcher(settings, httpx.Client(transport=httpx.MockTransport(handler)), sleep=t.sleep, clock=t.clock) as f:
        first = f.get("https://down.example.org/a")
        again = f.get("https://down.example.org/b")
        up = f.get("https://up.example.org/feed")
        other = f.get("https://gone.example.org/c")  # a second unreachable server, but one answered
        last = f.get("https://gone2.example.org/d")
    assert first.attempts == 2 and first.error.startswith("network error after 2 attempt(s): cannot reach down.example")
    assert again.attempts == 0 and again.error.startswith("not tried: cannot reach down.example.org")
    assert up.error is None and other.attempts == 2 and last.attempts == 2  # the network works: not "offline"
    assert tried.count("down.example.org") == 2 and t.sleeps == [2.0, 2.0, 2.0]
