"""The preference center end to end in a real browser (Playwright driving Debian's chromium): a link
taken from a rendered email, a change saved, the database checked; unsubscribe by page and one-click."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.settings import SAMPLE_DAY_DIR, Settings
from academichub.web.app import create_app
from subscribers.models import Feedback, Subscriber
from subscribers.radars import first_radar
from tests.browser import browser, free_port, serving
from tests.conftest import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")
DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_preferences_from_an_email_link_in_a_browser(env_settings, capsys, monkeypatch, tmp_path):
    port = free_port()
    monkeypatch.setenv("ACADEMICHUB_BASE_URL", f"http://127.0.0.1:{port}")
    run_cli(
        capsys,
        monkeypatch,
        "subscribers",
        "add",
        "ada@example.org",
        "--interests",
        "quantum computing",
        "--keywords",
        "quantum",
        "--name",
        "Ada",
    )
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, out + err
    html = (env_settings / "outbox" / "2026-06-22" / "ada@example.org.html").read_text()
    prefs = re.search(r'href="(http://127\.0\.0\.1:\d+/preferences\?t=[^"]+)"[^>]*>Manage preferences', html).group(1)
    unsub = re.search(r'href="(http://127\.0\.0\.1:\d+/unsubscribe\?t=[^"]+)"', html).group(1)
    like = re.search(r'href="(http://127\.0\.0\.1:\d+/feedback\?t=[^"]+v=1)"', html).group(1)
    settings = Settings()
    app = create_app(settings)
    with serving(app, port):
        with browser() as b:
            page = b.new_page(viewport={"width": 375, "height": 900})
            page.goto(prefs.replace("&amp;", "&"))
            assert page.locator("h1").inner_text() == "Your preferences"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0
            page.screenshot(path=str(tmp_path / "prefs-en.png"), full_page=True)
            page.select_option("#language", "zh")
            page.fill("#interests", "量子计算与量子纠错")
            page.fill("#keywords", "quantum, error correction")
            page.click("button.primary")
            page.wait_for_selector(".notice")
            assert page.locator(".notice h2").inner_text() == "设置已保存"
            assert "量子计算与量子纠错" in page.locator(".notice").inner_text()
            page.screenshot(path=str(tmp_path / "prefs-zh.png"), full_page=True)
            with session_scope(open_database(settings)) as s:
                sub = s.exec(select(Subscriber).where(Subscriber.email == "ada@example.org")).one()
                profile = first_radar(s, sub.key)
                assert (
                    sub.language == "zh"
                    and profile.interests == "量子计算与量子纠错"
                    and profile.keywords == ["quantum", "error correction"]
                )
            # 👍 from the email: the link opens a page (a scanner's GET records nothing), the button votes
            page.goto(like.replace("&amp;", "&"))
            with session_scope(open_database(settings)) as s:
                assert s.exec(select(Feedback)).all() == []
            page.click("button.primary")
            page.wait_for_selector("form[action='/feedback/undo']")
            with session_scope(open_database(settings)) as s:
                assert [f.value for f in s.exec(select(Feedback))] == [1]
            # unsubscribe through the page
            page.goto(unsub.replace("&amp;", "&"))
            page.click("button.danger")
            page.wait_for_selector("text=已退订")
            with session_scope(open_database(settings)) as s:
                assert (
                    s.exec(select(Subscriber).where(Subscriber.email == "ada@example.org")).one().status
                    == "unsubscribed"
                )
        # and RFC 8058 one-click from a "mailbox provider" (plain HTTP POST) for another reader's link
        run_cli(capsys, monkeypatch, "subscribers", "add", "bob@example.org", "--interests", "quantum")
        run_cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
        eml = (env_settings / "outbox" / "2026-06-22" / "bob@example.org.eml").read_bytes()
        import email
        from email import policy

        header = email.message_from_bytes(eml, policy=policy.default)["List-Unsubscribe"]
        url = re.search(r"<(http[^>]+)>", header).group(1)
        r = httpx.post(
            url, content=b"List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert r.status_code == 200
        with session_scope(open_database(settings)) as s:
            assert (
                s.exec(select(Subscriber).where(Subscriber.email == "bob@example.org")).one().status == "unsubscribed"
            )
    for name in ("prefs-en.png", "prefs-zh.png"):
        assert (tmp_path / name).stat().st_size > 10_000
        if DOCS.is_dir() and __import__("os").environ.get("ACADEMICHUB_SAVE_SCREENSHOTS"):
            shutil.copy(tmp_path / name, DOCS / name)


def test_edition_pages_in_a_browser(tmp_path):
    """Open the latest edition, filter to one category, open a theme, switch language; phone and desktop."""
    from datetime import date

    from academichub.editions.edition import read_edition
    from academichub.papers.ingest import collect_paths, ingest_documents, read_document

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'e.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        secret_key="k",
    )
    app = create_app(settings)
    ingest_documents(
        app.state.ctx.engine,
        [read_document(p) for p in collect_paths([SAMPLE_DAY_DIR])],
        day=date(2026, 6, 22),
        settings=settings,
    )
    read_edition(app.state.ctx.engine, date(2026, 6, 22))  # the day's run finds the themes
    with serving(app) as base, browser() as b:
        for width, name in ((1200, "edition-desktop.png"), (375, "edition-phone.png")):
            page = b.new_page(viewport={"width": width, "height": 900})
            page.goto(base + "/")
            assert page.locator("h1").inner_text().startswith("2026-06-22 精选")
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
            page.screenshot(path=str(tmp_path / name))
            page.close()
        page = b.new_page(viewport={"width": 375, "height": 900})
        page.goto(base + "/")
        page.select_option("#category", "quant-ph")
        page.click("form.filters button")
        page.wait_for_url("**category=quant-ph**")
        metas = page.locator("li.paper p.meta").all_inner_texts()
        assert metas and all("quant-ph" in m or "arXiv" in m or "作者" in m or "主题" in m for m in metas)
        count = page.locator("li.paper").count()
        assert 0 < count < 39
        page.locator(".themes a").first.click()
        page.wait_for_url("**theme=**")
        assert page.locator("#papers h2").inner_text().startswith("主题：")
        page.locator("a.switch").click()
        page.wait_for_url("**lang=en**")
        assert page.locator("#papers h2").inner_text().startswith("Theme: ")
        assert "Exploring the frontiers" in page.locator(".headline").inner_text()
        # the collapsed abstract opens without JavaScript
        details = page.locator("details.abstract").first
        if details.count():
            details.locator("summary").click()
            assert details.evaluate("d => d.open")
    for name in ("edition-desktop.png", "edition-phone.png"):
        assert (tmp_path / name).stat().st_size > 10_000
        if __import__("os").environ.get("ACADEMICHUB_SAVE_SCREENSHOTS"):
            shutil.copy(tmp_path / name, DOCS / name)
