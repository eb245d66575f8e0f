"""The web pages under attack (issue 13, part 6): each test reproduces one attack on the real app
(TestClient, or a real uvicorn server where the socket matters) and shows it refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from academichub.db import session_scope
from academichub.settings import Settings
from academichub.web.app import create_app
from subscribers.models import Subscriber
from subscribers.service import ProfileInput, delete_subscriber, upsert_subscriber

ONE_CLICK = {"content": b"List-Unsubscribe=One-Click", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


@pytest.fixture
def web(tmp_path):
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        base_url="http://testserver",
        secret_key="k",
    )
    app = create_app(settings)
    return app, TestClient(app, raise_server_exceptions=False), tmp_path


def add(app, address: str, **kw) -> Subscriber:
    with session_scope(app.state.ctx.engine) as s:
        sub, _, _ = upsert_subscriber(s, address, ProfileInput(interests=kw.pop("interests", "quantum sensing"), **kw))
        return sub


def status_of(app, address: str) -> str | None:
    with session_scope(app.state.ctx.engine) as s:
        sub = s.exec(select(Subscriber).where(Subscriber.email == address)).first()
        return sub.status if sub else None


def local(url: str) -> str:
    return url.replace("http://testserver", "")


def test_a_deleted_readers_links_never_act_on_a_new_subscriber_who_gets_the_same_id(web):
    app, client, _ = web
    links = app.state.ctx.links
    gone = add(app, "gone@example.org")
    theirs = {
        "preferences": links.reader("preferences", "preferences", gone),
        "unsubscribe": links.reader("unsubscribe", "unsubscribe", gone),
        "confirm": links.reader("confirm", "confirm", gone),
        "view": links.reader("view", "view", gone, d="2026-06-22"),
        "feed.xml": links.reader("feed.xml", "feed", gone),
        "feedback": links.reader("feedback", "feedback", gone, d="2026-06-22") + "&p=2606.19444&v=-1",
    }
    assert client.get(local(theirs["preferences"])).status_code == 200  # they work while the reader exists
    with session_scope(app.state.ctx.engine) as s:
        delete_subscriber(s, s.get(Subscriber, gone.id))
    new = add(app, "new@example.org")
    assert new.id == gone.id  # SQLite reused the id: the links name the new subscriber's id
    for path, url in theirs.items():
        page = client.get(local(url))
        assert page.status_code == 400, path
        assert "new@example.org" not in page.text and "quantum sensing" not in page.text
    assert client.post(local(theirs["unsubscribe"]), **ONE_CLICK).status_code == 400
    assert client.post(local(theirs["unsubscribe"])).status_code == 400
    assert client.post(local(theirs["confirm"])).status_code == 400
    assert status_of(app, "new@example.org") == "active"
    # a keyless link (as emailed before link keys existed) never fits a reader stored since
    keyless = app.state.ctx.tokens.sign("unsubscribe", {"s": new.id})
    assert client.post(f"/unsubscribe?t={keyless}", **ONE_CLICK).status_code == 400
    assert status_of(app, "new@example.org") == "active"
    # the new subscriber's own links work
    mine = links.reader("unsubscribe", "unsubscribe", new)
    assert client.post(local(mine), **ONE_CLICK).text == "unsubscribed\n"
    assert status_of(app, "new@example.org") == "unsubscribed"


HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


def has_security_headers(response) -> bool:
    return all(h in response.headers for h in HEADERS) and "default-src 'none'" in response.headers[HEADERS[0]]


def test_a_300_character_time_zone_is_a_field_error_not_a_500(web):
    app, client, _ = web
    sub = add(app, "ada@example.org")
    t = app.state.ctx.links.reader("preferences", "preferences", sub).split("t=")[1]
    page = client.get(f"/preferences?t={t}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    form = {
        "t": t,
        "csrf": csrf,
        "interests": "quantum sensing",
        "language": "en",
        "delivery_hour": "7",
        "frequency": "daily",
        "papers_per_email": "8",
        "empty_day": "short",
    }
    for zone in ("A" * 300, "Europe/" + "x" * 300, "../../../etc/passwd", "Europe/Berlin\x00", "/etc/localtime"):
        r = client.post("/preferences", data={**form, "timezone": zone})
        assert r.status_code == 422 and "unknown time zone" in r.text, zone
        assert has_security_headers(r)
    assert client.post("/preferences", data={**form, "timezone": "Asia/Shanghai"}).status_code == 200


def ingest_sample_day(app) -> None:
    from datetime import date

    from academichub.papers.ingest import collect_paths, ingest_documents, read_document
    from academichub.settings import SAMPLE_DAY_DIR

    docs = [read_document(p) for p in collect_paths([SAMPLE_DAY_DIR])]
    ingest_documents(app.state.ctx.engine, docs, day=date(2026, 6, 22), settings=app.state.ctx.settings)


def test_hostile_requests_never_give_a_500_and_every_error_page_has_the_headers(web):
    app, client, _ = web
    ingest_sample_day(app)
    gets = [
        "/?theme=²",  # "²".isdigit() is true and int("²") raises
        "/?page=²",
        "/?page=" + "9" * 5000,  # more digits than int() converts
        "/editions/2026-06-22?theme=" + "9" * 5000 + "&page=-1&source=" + "x" * 5000,
        "/editions/0001-01-01",
        "/editions/9999-12-31",
        "/editions/%ff%fe",
        "/editions/2026-06-22%00",
        "/?lang=%ff",
        "/?lang=en&lang=zh&lang=%00",
        "/feedback?t=%ff&p=%ff&v=%ff",
        "/feedback?t=abc&p=2606.1&v=" + "1" * 5000,
        "/view?t=" + "a" * 5000,
        "/preferences?t=" + "é" * 200,
        "/confirm?t=.....",
        "/feed.xml?t=%00",
        "/api/editions/%00",
        "/api/editions/2026-13-45",
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/unsubscribe?t=a&t=b",
    ]
    for path in gets:
        r = client.get(path)
        assert r.status_code < 500 and has_security_headers(r), (path, r.status_code)
        assert "Traceback" not in r.text
    posts = [
        ("/subscribe", b"email=%ff%fe%00&interests=\xff\xfe\xfd&language=en", "application/x-www-form-urlencoded"),
        ("/subscribe", b"email=a%40example.org&interests=quantum%00&language=en", "application/x-www-form-urlencoded"),
        ("/subscribe", b"--x\r\nContent-Disposition: form-data; name=", "multipart/form-data; boundary=x"),
        ("/subscribe", b"\x00" * 100, "multipart/form-data"),
        ("/preferences", b"t=%ff&csrf=%ff", "application/x-www-form-urlencoded"),
        ("/preferences/renew", b"t=" + b"A" * 3000, "application/x-www-form-urlencoded"),
        ("/feedback", b"t=x&p=\xff&v=1", "application/x-www-form-urlencoded"),
        ("/feedback/undo", b"", "application/json"),
        ("/unsubscribe?t=%ff", b"\xff" * 300, "application/x-www-form-urlencoded"),
        ("/confirm?t=x", b"{", "application/json"),
    ]
    for path, body, kind in posts:
        r = client.post(path, content=body, headers={"Content-Type": kind})
        assert r.status_code < 500 and has_security_headers(r), (path, body[:20], r.status_code)
    r = client.post("/subscribe", content=b"x", headers={"Content-Length": "abc", "Content-Type": "text/plain"})
    assert r.status_code == 400 and has_security_headers(r)
    # the error pages: 404, 400, 405, 422 carry the same headers as every other page
    for r, code in (
        (client.get("/no/such/page"), 404),
        (client.get("/preferences?t=x"), 400),
        (client.put("/subscribe"), 405),
        (client.post("/subscribe", data={"email": "x", "interests": "", "language": "fr"}), 422),
    ):
        assert r.status_code == code and has_security_headers(r) and "<html" in r.text


def test_a_500_is_a_page_with_the_security_headers(web, monkeypatch):
    app, client, _ = web

    def broken(*_a, **_k):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("academichub.web.editions.latest_day", broken)
    r = client.get("/?lang=en")
    assert r.status_code == 500 and has_security_headers(r)
    assert "Something went wrong" in r.text and "RuntimeError" not in r.text and "Traceback" not in r.text


def test_cli_time_zone_of_300_characters_add_refuses_and_import_keeps_the_good_rows(env_settings, capsys, monkeypatch):
    from tests.conftest import run_cli

    zone = "A" * 300
    code, out, err = run_cli(
        capsys, monkeypatch, "subscribers", "add", "a@example.org", "--interests", "x y", "--tz", zone
    )
    assert code != 0 and "unknown time zone" in out + err and "Traceback" not in out + err
    assert "OSError" not in out + err and zone not in out + err  # the value is cut short in the message
    csv_file = env_settings / "readers.csv"
    csv_file.write_text(
        "email,interests,timezone,hour\n"
        "good1@example.org,quantum sensing,Asia/Shanghai,7\n"
        f"bad@example.org,quantum sensing,{zone},7\n"
        "good2@example.org,quantum sensing,Europe/Berlin,8\n"
        "nul@example.org,quantum \x00 sensing,UTC,7\n"
        "good3@example.org,quantum sensing,UTC,99\n"
        "good4@example.org," + "x" * 3000 + ",UTC,7\n"
        "good5@example.org,quantum sensing,UTC,6\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, monkeypatch, "subscribers", "import", str(csv_file))
    assert code == 1 and "Imported 3 new" in out, out + err
    assert "line 3: unknown time zone" in err and "line 6: delivery hour must be 0-23" in err
    assert "line 7: interests: at most 2,000 characters" in err and "line 5: interests: contains a NUL" in err
    code, out, err = run_cli(capsys, monkeypatch, "subscribers", "export")
    assert sorted(line.split(",")[0] for line in out.splitlines()[1:]) == [f"good{i}@example.org" for i in (1, 2, 5)]
    latin1 = env_settings / "latin1.csv"
    latin1.write_bytes("email,interests\nm\xfcller@example.org,x y z\n".encode("latin-1"))
    code, out, err = run_cli(capsys, monkeypatch, "subscribers", "import", str(latin1))
    assert code != 0 and "not UTF-8" in out + err and "Traceback" not in out + err


def raw_request(port: int, head: bytes, body: bytes = b"") -> bytes:
    """One request over a plain socket (what a client that lies about its body sends); the answer."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_request_bodies_are_capped_before_they_are_read(tmp_path):
    """A declared 200 MB body is refused with 413 at once (the server reads nothing of it: the client
    has sent 26 bytes and the answer still comes); a chunked body is refused when it passes the cap."""
    from tests.browser import free_port, serving

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        base_url="http://testserver",
        secret_key="k",
        web_max_body=4096,
    )
    app = create_app(settings)
    sub = add(app, "ada@example.org")
    path = local(app.state.ctx.links.reader("unsubscribe", "unsubscribe", sub)).encode()
    port = free_port()
    with serving(app, port):
        head = (
            b"POST " + path + b" HTTP/1.1\r\nHost: testserver\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200000000\r\n\r\n"
        )
        answer = raw_request(port, head, b"List-Unsubscribe=One-Click")
        assert answer.startswith(b"HTTP/1.1 413") and b"content-security-policy" in answer.lower()
        assert status_of(app, "ada@example.org") == "active"
        chunked = (
            b"POST /subscribe HTTP/1.1\r\nHost: testserver\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        body = b"".join(b"400\r\n" + b"x" * 1024 + b"\r\n" for _ in range(6)) + b"0\r\n\r\n"  # 6 KB
        assert raw_request(port, chunked, body).startswith(b"HTTP/1.1 413")
        # one-click under the cap still works, over the same server
        small = head.replace(b"200000000", b"26")
        assert b"unsubscribed" in raw_request(port, small, b"List-Unsubscribe=One-Click")
    assert status_of(app, "ada@example.org") == "unsubscribed"


def test_sign_up_fields_are_capped_with_a_clear_message_and_no_email(web):
    app, client, tmp = web
    huge = client.post(
        "/subscribe?lang=en", data={"email": "a@example.org", "interests": "q" * 1_040_000, "language": "en"}
    )
    assert huge.status_code == 413 and "too large (at most 64 KB)" in huge.text and has_security_headers(huge)
    long = client.post(
        "/subscribe", data={"email": "a@example.org", "interests": "q" * 3000, "language": "en"}, params={"lang": "en"}
    )
    assert long.status_code == 422 and "At most 2,000 characters (this has 3,000)" in long.text
    assert not (tmp / "outbox").exists() or not list((tmp / "outbox").rglob("*.eml"))
    assert status_of(app, "a@example.org") is None
    ok = client.post("/subscribe", data={"email": "a@example.org", "interests": "q" * 2000, "language": "en"})
    assert ok.status_code == 200 and status_of(app, "a@example.org") == "pending"
    assert (tmp / "outbox" / "mail-confirm" / "a@example.org.eml").stat().st_size < 40_000


def test_forwarded_for_is_believed_only_from_the_configured_proxies(tmp_path):
    """A fresh X-Forwarded-For per request does not slip the per-client sign-up limit: `serve` gives
    uvicorn no trusted proxy unless one is configured (uvicorn's own default trusts 127.0.0.1)."""
    import httpx

    from academichub.cli.web import proxy_options
    from tests.browser import serving

    def sign_ups(settings: Settings) -> list[int]:
        app = create_app(settings)
        with serving(app, **proxy_options(settings)) as base:
            return [
                httpx.post(
                    f"{base}/subscribe",
                    data={"email": f"r{i}@example.org", "interests": "quantum sensing", "language": "en"},
                    headers={"X-Forwarded-For": f"203.0.113.{i}", "X-Forwarded-Proto": "https"},
                ).status_code
                for i in range(4)
            ]

    def settings_for(name: str, **kw) -> Settings:
        return Settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp_path / name}",
            outbox_dir=str(tmp_path / f"{name}-outbox"),
            secret_key="k",
            signup_limit_per_client="2/hour",
            **kw,
        )

    assert proxy_options(settings_for("a.db")) == {"proxy_headers": False, "forwarded_allow_ips": ""}
    assert sign_ups(settings_for("a.db")) == [200, 200, 429, 429]  # all from 127.0.0.1, whatever they claim
    # behind a configured proxy (here: the loopback peer), each forwarded client is counted on its own
    behind = settings_for("b.db", forwarded_allow_ips="127.0.0.1, 10.0.0.0/8")
    assert proxy_options(behind) == {"proxy_headers": True, "forwarded_allow_ips": "127.0.0.1,10.0.0.0/8"}
    assert sign_ups(behind) == [200, 200, 200, 200]


def test_self_links_never_point_off_site(web):
    """`GET //evil.example/` once gave a 404 page whose language switch linked to //evil.example/."""
    app, client, _ = web
    for path, switch in (
        ("//evil.example/", "/evil.example/?lang=en"),
        ("///evil.example/x?lang=zh", "/evil.example/x?lang=en"),
        ("/%5Cevil.example/", "/%5Cevil.example/?lang=en"),
        ("/%2F%2Fevil.example", "/evil.example?lang=en"),
        ('/"><script>x</script>', "/%22%3E%3Cscript%3Ex%3C/script%3E?lang=en"),
    ):
        page = client.get("http://testserver" + path)
        assert page.status_code == 404, path
        links = re.findall(r'(?:href|action)="([^"]*)"', page.text)
        assert not [u for u in links if u.startswith(("//", "/\\")) or "evil.example" in u.split("?")[0][:2]]
        assert re.search(r'<a class="switch" href="([^"]+)"', page.text).group(1).replace("&amp;", "&") == switch


def test_a_request_never_does_the_days_batch_work(web, monkeypatch):
    """On a day ingested but not run, `/` once found the day's themes inside the request (229 s for
    10,000 papers). The pages show the day without themes and say so; once the run has stored them,
    the pages show them, still without computing anything."""
    from datetime import date

    from academichub.editions import edition as edition_module
    from academichub.editions.edition import read_edition

    app, client, _ = web
    ingest_sample_day(app)
    calls = []

    def batch_work(*_a, **_k):
        calls.append("batch")
        raise AssertionError("batch work inside a request")

    with monkeypatch.context() as m:
        m.setattr(edition_module, "find_themes", batch_work)
        m.setattr(edition_module.store, "recent_corpus", batch_work)
        for path in ("/?lang=en", "/editions/2026-06-22?lang=en", "/editions/2026-06-22?lang=en&category=quant-ph"):
            page = client.get(path)
            assert page.status_code == 200 and "39 papers" in page.text, path
            assert "The themes come with the prepared edition" in page.text and 'class="themes"' not in page.text
        api = client.get("/api/editions/2026-06-22").json()
        assert api["size"] == 39 and api["themes"] == [] and api["themes_ready"] is False
    assert calls == []
    read_edition(app.state.ctx.engine, date(2026, 6, 22))  # the day's run finds and stores the themes
    with monkeypatch.context() as m:
        m.setattr(edition_module, "find_themes", batch_work)
        m.setattr(edition_module.store, "recent_corpus", batch_work)
        page = client.get("/?lang=en")  # the kept themeless copy is read again, now with the stored themes
        assert page.status_code == 200 and 'class="themes"' in page.text and "prepared edition" not in page.text
        api = client.get("/api/editions/2026-06-22").json()
        assert api["themes"] and api["themes_ready"] is True
    assert calls == []
