"""The preference center over every route and every token case (FastAPI TestClient, real app, real
database, the outbox as the mailer)."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlmodel import select

from academichub.clock import fixed
from academichub.db import session_scope
from academichub.papers.ingest import collect_paths, ingest_documents, read_document
from academichub.settings import SAMPLE_DAY_DIR, Settings
from academichub.web.app import create_app
from subscribers.models import Feedback, Subscriber
from subscribers.radars import first_radar
from subscribers.service import ProfileInput, changes_of, upsert_subscriber
from subscribers.tokens import Tokens

DAY = "2026-06-22"


@pytest.fixture
def web(tmp_path):
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        base_url="http://testserver",
        secret_key="new-key,old-key",
        signup_limit_per_address="3/hour",
    )
    app = create_app(settings)
    return app, TestClient(app, raise_server_exceptions=False), tmp_path


def add(app, address="ada@example.org", **kw) -> Subscriber:
    with session_scope(app.state.ctx.engine) as s:
        sub, _, _ = upsert_subscriber(s, address, ProfileInput(interests=kw.pop("interests", "quantum sensing"), **kw))
        return sub


def token(app, purpose, payload) -> str:
    """A link token as the app makes it: for a stored reader, with their link key."""
    with session_scope(app.state.ctx.engine) as s:
        sub = s.get(Subscriber, payload.get("s"))
        key = {"k": sub.link_key} if sub is not None and "k" not in payload else {}
    return app.state.ctx.tokens.sign(purpose, {**payload, **key})


def outbox_mail(tmp_path: Path, kind: str, address: str) -> email.message.EmailMessage:
    return email.message_from_bytes(
        (tmp_path / "outbox" / f"mail-{kind}" / f"{address}.eml").read_bytes(), policy=policy.default
    )


def subscriber(app, address) -> Subscriber:
    with session_scope(app.state.ctx.engine) as s:
        return s.exec(select(Subscriber).where(Subscriber.email == address)).one()


def test_signup_double_opt_in_no_enumeration_and_rate_limits(web):
    app, client, tmp = web
    add(app, "known@example.org")
    new = client.post(
        "/subscribe", data={"email": "New@Example.org", "interests": "量子计算 quantum", "language": "zh"}
    )
    known = client.post("/subscribe", data={"email": "known@example.org", "interests": "anything", "language": "en"})
    assert new.status_code == known.status_code == 200
    strip = lambda html: re.sub(r'<a class="switch".*?</a>', "", html)  # noqa: E731
    assert strip(new.text) == strip(known.text)  # the same answer whether or not the address is known
    assert subscriber(app, "new@example.org").status == "pending"
    msg = outbox_mail(tmp, "confirm", "new@example.org")
    assert msg["Subject"] == "请确认您的 AcademicHub 订阅"
    link = re.search(r"http://testserver/confirm\?t=[\w.\-]+", msg.get_body(("plain",)).get_content()).group(0)
    assert not (tmp / "outbox" / "mail-confirm" / "known@example.org.eml").exists()
    page = client.get(link.replace("http://testserver", ""))
    assert (
        page.status_code == 200 and "确认订阅" in page.text and subscriber(app, "new@example.org").status == "pending"
    )  # GET changes nothing
    done = client.post(link.replace("http://testserver", ""))
    assert done.status_code == 200 and subscriber(app, "new@example.org").status == "active"
    assert client.post(link.replace("http://testserver", "")).status_code == 200  # idempotent
    with session_scope(app.state.ctx.engine) as s:
        vias = [c.via for c in changes_of(s, subscriber(app, "new@example.org").id)]
    assert vias == ["signup", "confirm-link"]
    bad = client.post("/subscribe", data={"email": "not-an-address", "interests": "", "language": "fr"})
    assert bad.status_code == 422 and bad.text.count('class="field-error"') == 3
    codes = [
        client.post(
            "/subscribe", data={"email": "flood@example.org", "interests": "quantum", "language": "en"}
        ).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_preferences_save_with_field_errors_csrf_and_a_record(web):
    app, client, tmp = web
    sub = add(app)
    t = token(app, "preferences", {"s": sub.id})
    page = client.get(f"/preferences?t={t}")
    assert (
        page.status_code == 200
        and 'value="quantum sensing"' not in page.text
        and "quantum sensing</textarea>" in page.text
    )
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert (
        "script-src" not in page.headers["content-security-policy"]
        and "default-src 'none'" in page.headers["content-security-policy"]
    )
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    form = {
        "t": t,
        "csrf": csrf,
        "interests": "quantum sensing",
        "language": "en",
        "timezone": "UTC",
        "delivery_hour": "7",
        "frequency": "daily",
        "weekly_day": "mon",
        "papers_per_email": "8",
        "empty_day": "short",
        "categories": ["quant-ph"],
    }
    # no CSRF token (a form posted from elsewhere): refused, nothing saved
    forged = TestClient(app).post("/preferences", data={**form, "csrf": "", "language": "zh"})
    assert forged.status_code == 403 and subscriber(app, "ada@example.org").language == "en"
    bad = client.post(
        "/preferences", data={**form, "timezone": "Mars/Olympus", "delivery_hour": "25", "categories": ["astro-ph"]}
    )
    assert bad.status_code == 422
    for field in ("timezone", "delivery_hour", "categories"):
        assert f'id="{field}-error"' in bad.text or f"{field}" in re.findall(
            r'class="field-error" id="([a-z_]+)-error"', bad.text
        )
    assert "Mars/Olympus" in bad.text  # what they typed is kept
    ok = client.post(
        "/preferences",
        data={
            **form,
            "language": "zh",
            "interests": "量子传感 <script>x</script>",
            "keywords": "NV centers, magnetometry",
        },
    )
    assert ok.status_code == 200 and "设置已保存" in ok.text and "<script>x</script>" not in ok.text
    with session_scope(app.state.ctx.engine) as s:
        fresh = s.get(Subscriber, sub.id)
        profile = first_radar(s, sub.key)
        changes = changes_of(s, sub.id)
    assert (
        fresh.language == "zh"
        and profile.keywords == ["NV centers", "magnetometry"]
        and profile.categories == ["quant-ph"]
    )
    assert changes[-1].via == "preferences-link" and ["language", "en", "zh"] in changes[-1].changes
    saved = outbox_mail(tmp, "saved", "ada@example.org")
    assert "已保存" in saved["Subject"] and "邮件语言：英文 → 中文" in saved.get_body(("plain",)).get_content()


def test_every_token_case(web, monkeypatch):
    app, client, tmp = web
    sub = add(app)
    good = token(app, "preferences", {"s": sub.id})
    assert client.get(f"/preferences?t={good[:-3]}xyz").status_code == 400  # tampered
    assert client.get("/preferences").status_code == 400  # missing
    assert client.get(f"/preferences?t={token(app, 'unsubscribe', {'s': sub.id})}").status_code == 400  # wrong purpose
    assert client.get(f"/preferences?t={token(app, 'preferences', {'s': 99999})}").status_code == 400  # nobody
    # rotation: a link signed with the old key (second in the list) still works
    old = URLSafeTimedSerializer("old-key", salt="academichub.preferences").dumps({"s": sub.id, "k": sub.link_key})
    assert client.get(f"/preferences?t={old}").status_code == 200
    stranger = URLSafeTimedSerializer("stranger", salt="academichub.preferences").dumps(
        {"s": sub.id, "k": sub.link_key}
    )
    assert client.get(f"/preferences?t={stranger}").status_code == 400
    # expired: 31 days old
    settings = app.state.ctx.settings
    stale = Tokens(settings.signing_keys(), clock=fixed(settings.clock.now() - timedelta(days=31))).sign(
        "preferences", {"s": sub.id, "k": sub.link_key}
    )
    page = client.get(f"/preferences?t={stale}")
    assert page.status_code == 410 and "/preferences/renew" in page.text and "Traceback" not in page.text
    renewed = client.post("/preferences/renew", data={"t": stale})
    assert renewed.status_code == 200
    fresh = outbox_mail(tmp, "fresh-link", "ada@example.org").get_body(("plain",)).get_content()
    link = re.search(r"http://testserver/preferences\?t=[\w.\-]+", fresh).group(0)
    assert client.get(link.replace("http://testserver", "")).status_code == 200
    assert client.post("/preferences/renew", data={"t": "garbage"}).status_code == 400
    for path in ("/unsubscribe?t=x", "/confirm?t=x", "/feedback?t=x&p=2606.1&v=1"):
        response = client.get(path)
        assert response.status_code == 400 and "<html" in response.text and "Traceback" not in response.text
    assert client.get("/no/such/page").status_code == 404


def test_unsubscribe_page_and_rfc8058_one_click(web):
    app, client, tmp = web
    sub = add(app)
    t = token(app, "unsubscribe", {"s": sub.id})
    page = client.get(f"/unsubscribe?t={t}")
    assert (
        page.status_code == 200
        and 'method="post"' in page.text
        and subscriber(app, "ada@example.org").status == "active"
    )
    # one-click: a bare POST as a mailbox provider sends it — no cookie, no CSRF token
    bare = TestClient(app)
    for _ in range(2):  # idempotent
        r = bare.post(
            f"/unsubscribe?t={t}",
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 200 and r.text == "unsubscribed\n"
    assert subscriber(app, "ada@example.org").status == "unsubscribed"
    with session_scope(app.state.ctx.engine) as s:
        assert [c.via for c in changes_of(s, sub.id)][-1] == "one-click" and len(changes_of(s, sub.id)) == 2
    assert bare.post("/unsubscribe?t=forged", content=b"List-Unsubscribe=One-Click").status_code == 400
    other = add(app, "bob@example.org")
    r = client.post(f"/unsubscribe?t={token(app, 'unsubscribe', {'s': other.id})}")
    assert r.status_code == 200 and subscriber(app, "bob@example.org").status == "unsubscribed"


@pytest.mark.parametrize(
    ("language", "said", "back", "wrong"),
    [
        ("en", "You are unsubscribed", "Subscribe again", "链接"),
        ("zh", "已退订", "重新订阅", "invalid"),
    ],
)
def test_a_reader_who_left_opens_their_preferences_link(web, language, said, back, wrong):
    """In their own language: they are unsubscribed and how to come back, not a 400 "链接无效"."""
    app, client, _tmp = web
    sub = add(app, language=language)
    prefs = token(app, "preferences", {"s": sub.id})
    assert client.post(f"/unsubscribe?t={token(app, 'unsubscribe', {'s': sub.id})}").status_code == 200
    for path in (f"/preferences?t={prefs}", f"/preferences/rate?t={prefs}"):
        page = client.get(path)
        text = re.sub(r"<[^>]+>", " ", page.text)
        assert page.status_code == 200, path
        assert said in text and back in text and "ada@example.org" in text, path
        assert f'lang="{"zh-Hans" if language == "zh" else "en"}"' in page.text
        assert wrong not in text.lower() and "链接无效" not in text, path
        assert 'href="/subscribe' in page.text
    form = client.post("/preferences", data={"t": prefs, "csrf": "x", "interests": "y"})  # a form still open
    assert form.status_code == 200 and said in form.text


def sent_email(app, sub, day, paper_ids):
    """The ledger row of an email as the daily run leaves it: sent, with what it carried."""
    from academichub.delivery import ledger

    with session_scope(app.state.ctx.engine) as s:
        row = ledger.prepare(s, day, [sub.id])[sub.id]
        content = {"items": [{"id": pid} for pid in paper_ids]}
        ledger.finish_many(s, [{"id": row.id, "state": "sent", "reason": None, "message_id": "m", "content": content}])


def test_feedback_needs_a_button_and_a_paper_of_that_email_with_undo(web):
    app, client, tmp = web
    settings = app.state.ctx.settings
    day = __import__("datetime").date(2026, 6, 22)
    ingest_documents(
        app.state.ctx.engine, [read_document(p) for p in collect_paths([SAMPLE_DAY_DIR])], day=day, settings=settings
    )
    sub = add(app)
    sent_email(app, sub, day, ["2606.19444"])
    t = token(app, "feedback", {"s": sub.id, "d": DAY})

    def votes():
        with session_scope(app.state.ctx.engine) as s:
            return [(f.paper_id, f.value) for f in s.exec(select(Feedback))]

    # the link in the email (what a mail scanner follows): a page with a button, nothing recorded
    for _ in range(3):
        page = client.get(f"/feedback?t={t}&p=2606.19444&v=-1")
        assert page.status_code == 200 and "Unleashing Emergent Fermions" in page.text
        assert 'method="post" action="/feedback"' in page.text
    assert votes() == []
    for _ in range(2):
        r = client.post("/feedback", data={"t": t, "p": "2606.19444", "v": "1"})
        assert r.status_code == 200 and "/feedback/undo" in r.text
    assert votes() == [("2606.19444", 1)]
    with session_scope(app.state.ctx.engine) as s:
        assert len(changes_of(s, sub.id)) == 2  # created, then one feedback change (the repeat records nothing)
    # papers of that day's edition that were not in the email are refused, on the page and the POST
    with session_scope(app.state.ctx.engine) as s:
        from academichub.models import EditionPaper

        others = [e.paper_id for e in s.exec(select(EditionPaper)) if e.paper_id != "2606.19444"]
    assert len(others) == 38
    for pid in others:
        assert client.get(f"/feedback?t={t}&p={pid}&v=-1").status_code == 400
        assert client.post("/feedback", data={"t": t, "p": pid, "v": "-1"}).status_code == 400
    assert votes() == [("2606.19444", 1)]
    other_day = token(app, "feedback", {"s": sub.id, "d": "2026-06-23"})  # no email that day
    assert client.post("/feedback", data={"t": other_day, "p": "2606.19444", "v": "-1"}).status_code == 400
    assert client.post("/feedback", data={"t": t, "p": "2606.19444", "v": "7"}).status_code == 400
    assert client.post("/feedback", data={"t": "x", "p": "2606.19444", "v": "1"}).status_code == 400
    undo = client.post("/feedback/undo", data={"t": t, "p": "2606.19444", "v": "1"})
    assert undo.status_code == 200 and votes() == []


def test_the_preference_page_offers_the_whole_catalogue_grouped_and_searchable(web):
    """Every catalogue key, grouped (folding lists, labels in the page's language with the other beside),
    a <datalist> to search by name or key; no JavaScript. A key typed in is saved; an unknown one is a
    field error naming the close match, and what was chosen is kept."""
    app, client, _tmp = web
    sub = add(app, categories=["quant-ph"])
    t = token(app, "preferences", {"s": sub.id})
    page = client.get(f"/preferences?t={t}&lang=zh")
    assert page.status_code == 200 and "<script" not in page.text
    assert '<datalist id="source-list">' in page.text and 'list="source-list"' in page.text
    assert '<option value="math.PR">概率论 · Probability</option>' in page.text
    assert "<summary>arXiv：数学 (32)</summary>" in page.text
    assert page.text.count('value="quant-ph"') == 2  # ticked among the chosen, and its datalist option
    assert re.search(r'value="quant-ph" checked', page.text)
    assert 'name="categories" value="nature-medicine">' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    form = {
        "t": t,
        "csrf": csrf,
        "interests": "random matrices",
        "language": "en",
        "timezone": "UTC",
        "delivery_hour": "7",
        "frequency": "daily",
        "weekly_day": "mon",
        "papers_per_email": "8",
        "empty_day": "short",
        "categories": ["quant-ph", "q-bio.NC"],
    }
    bad = client.post("/preferences", data={**form, "add_categories": "math.pr"})
    assert bad.status_code == 422 and "did you mean math.PR" in bad.text
    assert re.search(r'value="q-bio.NC" checked', bad.text)  # nothing chosen is lost
    ok = client.post("/preferences", data={**form, "add_categories": "math.PR, nature-medicine"})
    assert ok.status_code == 200
    with session_scope(app.state.ctx.engine) as s:
        profile = first_radar(s, sub.key)
    assert profile.categories == ["quant-ph", "q-bio.NC", "math.PR", "nature-medicine"]
