"""The email templates beyond the daily briefing, and who gets nothing today and why (the ledger)."""

from __future__ import annotations

import email
import json
import unicodedata
from datetime import date
from email import policy

import boto3
import pytest
from sqlmodel import select

from academichub.briefing.compose import Briefing, BriefingItem
from academichub.db import open_database, session_scope
from academichub.mail import render as render_mod
from academichub.mail.backends import SesMailer
from academichub.mail.render import EmailTemplates, Links, render_briefing, render_confirmation, render_saved, wrap
from academichub.models import Delivery
from academichub.papers.views import PaperCard
from academichub.settings import DEFAULT_TEMPLATES_DIR, SAMPLE_DAY_DIR, Settings
from subscribers.models import Subscriber
from subscribers.service import set_status
from tests.conftest import run_cli

HOSTILE = "</mj-text><script>alert(1)</script> $\\alpha<\\beta$ & {{ 7*7 }} [[ 7*7 ]] [% if 1 %]x[% endif %]"


def hostile_briefing(i: int, lang: str) -> Briefing:
    card = PaperCard(
        f"2606.{i:05d}",
        HOSTILE,
        "arXiv (CS.CL)",
        date(2026, 6, 22),
        ["<b>Eve</b>"],
        HOSTILE,
        f"https://arxiv.org/abs/2606.{i:05d}",
        None,
        None,
    )
    item = BriefingItem(1, card, HOSTILE, [HOSTILE], 0.5, [HOSTILE], HOSTILE)
    return Briefing(
        f"r{i}@example.com", HOSTILE, lang, date(2026, 6, 22), 10, HOSTILE, [item], [HOSTILE], interests=HOSTILE
    )


def test_mjml_compiles_once_per_template_and_language_and_escapes_everything(monkeypatch):
    calls = []
    real = render_mod.mjml2html
    monkeypatch.setattr(render_mod, "mjml2html", lambda src, **kw: calls.append(1) or real(src, **kw))
    templates = EmailTemplates(DEFAULT_TEMPLATES_DIR)
    for i in range(12):
        r = render_briefing(hostile_briefing(i, ("en", "zh", "bilingual")[i % 3]), templates, Links())
        assert "<script>" not in r.html and "&lt;script&gt;" in r.html
        assert "<b>Eve</b>" not in r.html and "&lt;b&gt;Eve&lt;/b&gt;" in r.html
        # neither Jinja syntax in feed text runs: it is data
        assert "49" not in r.html.replace("2026", "") and "[[ 7*7 ]]" in r.html and "{{ 7*7 }}" in r.html
        assert "[% if 1 %]x[% endif %]" in r.text
    assert len(calls) == 2  # en and zh (bilingual reads the zh layout)


def test_confirmation_and_preferences_saved_in_both_languages():
    links = Links(
        confirm="https://hub.example/confirm?t=abc",
        preferences="https://hub.example/preferences?t=p",
        unsubscribe="https://hub.example/unsubscribe?t=u",
        contact="hello@example.org",
    )
    zh = render_confirmation(
        "zh", DEFAULT_TEMPLATES_DIR, interests="量子计算 <i>", links=links, today=date(2026, 6, 22)
    )
    en = render_confirmation("en", DEFAULT_TEMPLATES_DIR, interests="quantum", links=links, today=date(2026, 6, 22))
    assert zh.subject.startswith("请确认") and "确认订阅" in zh.html and "&lt;i&gt;" in zh.html
    assert en.subject == "Confirm your AcademicHub subscription"
    for r in (zh, en):
        assert 'href="https://hub.example/confirm?t=abc"' in r.html and "https://hub.example/confirm?t=abc" in r.text
    saved = render_saved(
        "en",
        DEFAULT_TEMPLATES_DIR,
        name="Ada",
        changes=[("language", "en", "zh"), ("interests", "a", "<b>b</b>")],
        interests="b",
        links=links,
        today=date(2026, 6, 22),
    )
    assert (
        "Preferences saved" in saved.html
        and "&lt;b&gt;b&lt;/b&gt;" in saved.html
        and "- language: en → zh" in saved.text
    )
    assert render_saved(
        "zh", DEFAULT_TEMPLATES_DIR, name="", changes=[], interests="", links=links, today=date(2026, 6, 22)
    ).subject.endswith("已保存")


def width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_plain_text_wraps_by_display_width():
    zh = "本文提出一种新的提示注入（prompt injection）防御方法，并在多个基准上验证了它的有效性，" * 6
    lines = wrap(zh, 76).splitlines()
    assert len(lines) > 3 and all(width(line) <= 76 for line in lines[:-1])
    assert not any(line.startswith(("，", "。", "）")) for line in lines)
    assert "".join(lines).replace(" ", "") == zh.replace(" ", "")
    url = "https://arxiv.org/abs/2606.12345?" + "x" * 100
    assert url in wrap(f"see {url} now", 76).splitlines()
    assert all(len(line) <= 76 for line in wrap("word " * 100).splitlines())


def rows() -> dict[str, Delivery]:
    with session_scope(open_database(Settings())) as s:
        return {
            e: d
            for d, e in s.exec(
                select(Delivery, Subscriber.email).join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            )
        }


@pytest.mark.usefixtures("prefect_harness")
def test_who_gets_nothing_today_and_why(env_settings, capsys, monkeypatch):
    add = ["subscribers", "add"]
    run_cli(
        capsys, monkeypatch, *add, "reader@example.com", "--interests", "quantum computing", "--keywords", "quantum"
    )
    run_cli(capsys, monkeypatch, *add, "nothing@example.com", "--interests", "zyxwv qqqq", "--empty-day", "none")
    run_cli(capsys, monkeypatch, *add, "quiet@example.com", "--interests", "zyxwv qqqq", "--lang", "zh")
    run_cli(capsys, monkeypatch, *add, "away@example.com", "--interests", "quantum", "--pause-until", "2026-07-01")
    run_cli(capsys, monkeypatch, *add, "bounced@example.com", "--interests", "quantum")
    run_cli(
        capsys,
        monkeypatch,
        *add,
        "weekly@example.com",
        "--interests",
        "quantum",
        "--frequency",
        "weekly",
        "--weekday",
        "fri",
    )
    with session_scope(open_database(Settings())) as s:
        sub = s.exec(select(Subscriber).where(Subscriber.email == "bounced@example.com")).one()
        set_status(s, sub, "bounced", via="test")
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, (out + err)[-3000:]
    r = rows()
    assert r["reader@example.com"].state == "sent" and r["quiet@example.com"].state == "sent"
    assert (r["nothing@example.com"].state, r["nothing@example.com"].reason) == (
        "skipped",
        "empty day: the reader chose no email",
    )
    assert (r["away@example.com"].state, r["away@example.com"].reason) == ("skipped", "paused until 2026-07-01")
    assert (r["bounced@example.com"].state, r["bounced@example.com"].reason) == ("skipped", "suppressed: bounced")
    assert "weekly@example.com" not in r  # not their day: no row at all
    folder = env_settings / "outbox" / "2026-06-22"
    assert sorted(p.name for p in folder.glob("*.eml")) == ["quiet@example.com.eml", "reader@example.com.eml"]
    quiet = email.message_from_bytes((folder / "quiet@example.com.eml").read_bytes(), policy=policy.default)
    assert "今日相关论文较少" in quiet["Subject"]
    text = quiet.get_body(("plain",)).get_content()
    assert "没有一篇达到您兴趣的相关度门槛" in text and "明天的新论文会再次为您匹配" in text and "01." not in text
    code, out, _ = run_cli(capsys, monkeypatch, "deliveries", "--date", "2026-06-22", "--json")
    assert sorted(d["state"] for d in json.loads(out)) == ["sent", "sent", "skipped", "skipped", "skipped"]
    # a pause ends on its day; the change is on record
    code, out, _ = run_cli(capsys, monkeypatch, "subscribers", "export", "away@example.com")
    record = json.loads(out)
    assert record["status"] == "paused" and any(
        c["via"] == "cli" and ["paused_until", "", "2026-07-01"] in c["changes"] for c in record["changes"]
    )
    assert record["deliveries"] == [
        {"edition": "2026-06-22", "state": "skipped", "reason": "paused until 2026-07-01", "message_id": None}
    ]


@pytest.mark.usefixtures("prefect_harness")
def test_weekly_readers_get_the_weeks_editions_as_one_digest(env_settings, capsys, monkeypatch, fixtures_dir):
    run_cli(
        capsys,
        monkeypatch,
        "subscribers",
        "add",
        "weekly@example.com",
        "--interests",
        "quantum computing, genomics",
        "--keywords",
        "quantum",
        "--frequency",
        "weekly",
        "--weekday",
        "mon",
    )
    code, out, err = run_cli(
        capsys, monkeypatch, "run", "--from", str(fixtures_dir / "nature-rss-dakesan.xml"), "--date", "2026-06-19"
    )
    assert code == 0, out + err
    assert not (env_settings / "outbox" / "2026-06-19").exists()  # a Friday: not their day
    code, out, err = run_cli(capsys, monkeypatch, "papers", "--json")
    friday = len(json.loads(out))
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, out + err
    msg = email.message_from_bytes(
        (env_settings / "outbox" / "2026-06-22" / "weekly@example.com.eml").read_bytes(), policy=policy.default
    )
    assert msg["Subject"].startswith("AcademicHub weekly · 2026-06-16 – 2026-06-22 · ")
    text = msg.get_body(("plain",)).get_content()
    assert "Your weekly research digest — 2026-06-16 – 2026-06-22" in text
    code, out, err = run_cli(capsys, monkeypatch, "papers", "--json")
    monday = len(json.loads(out))
    assert f"This week’s editions had {friday + monday} new papers" in " ".join(text.split())


def test_ses_account_suppression_list_is_read_page_by_page(httpserver):
    """The real boto3 SES v2 client against a local HTTP peer speaking the ListSuppressedDestinations
    REST protocol (moto does not implement it)."""
    pages = [
        {
            "SuppressedDestinationSummaries": [
                {"EmailAddress": "Gone@Example.com", "Reason": "BOUNCE", "LastUpdateTime": 1782000000}
            ],
            "NextToken": "p2",
        },
        {
            "SuppressedDestinationSummaries": [
                {"EmailAddress": "angry@example.com", "Reason": "COMPLAINT", "LastUpdateTime": 1782000000}
            ]
        },
    ]
    seen = []

    def handler(request):
        from werkzeug.wrappers import Response

        seen.append(dict(request.args))
        return Response(
            json.dumps(pages[1] if request.args.get("NextToken") == "p2" else pages[0]), content_type="application/json"
        )

    httpserver.expect_request("/v2/email/suppression/addresses", method="GET").respond_with_handler(handler)
    client = boto3.client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url=httpserver.url_for(""),
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    got = SesMailer(client, configuration_set=None, rate=10).suppressed()
    assert got == {
        "gone@example.com": "suppressed: SES account suppression list (bounce)",
        "angry@example.com": "suppressed: SES account suppression list (complaint)",
    }
    assert len(seen) == 2 and seen[0]["PageSize"] == "1000" and seen[1]["NextToken"] == "p2"
