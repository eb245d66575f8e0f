"""A new reader's first minutes in a real browser (Playwright driving Debian's chromium, the app under
uvicorn): sign up, confirm from the email's link, rate papers near the radar's boundary, then upload
a BibTeX library on the preference page; the database is checked after each step."""

from __future__ import annotations

import email
import re
from datetime import date
from email import policy

from sqlmodel import select

from academichub.db import session_scope
from academichub.settings import SAMPLE_DAY_DIR
from academichub.web.app import create_app
from subscribers.library import library_of
from subscribers.models import Feedback, Subscriber
from subscribers.radars import first_radar
from tests.browser import browser, free_port, serving
from tests.conftest import ingest_paths, web_settings
from tests.test_library import BIBTEX

DAY = date(2026, 6, 22)


def test_sign_up_confirm_rate_ten_papers_and_upload_a_library_in_a_browser(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(web_settings(tmp_path).model_copy(update={"base_url": base, "library_offline": True}))
    engine = app.state.ctx.engine
    ingest_paths(app, [SAMPLE_DAY_DIR], DAY)
    bib = tmp_path / "My Library.bib"
    bib.write_bytes(BIBTEX)
    with serving(app, port), browser() as b:
        page = b.new_page(viewport={"width": 375, "height": 900})
        page.goto(f"{base}/subscribe?lang=en")
        page.fill("#email", "ada@example.org")
        page.fill("#interests", "large language model safety, jailbreaks and alignment")
        page.select_option("#language", "en")
        page.click("button.primary")
        page.wait_for_selector("h1:has-text('Check your inbox')")
        mail = email.message_from_bytes(
            (tmp_path / "outbox" / "mail-confirm" / "ada@example.org.eml").read_bytes(), policy=policy.default
        )
        confirm = re.search(rf"{re.escape(base)}/confirm\?t=[\w.\-]+", mail.get_body(("plain",)).get_content())
        assert confirm is not None
        page.goto(confirm.group(0))
        page.click("button.primary")
        page.click("text=Rate ten papers to train your radar")
        page.wait_for_selector("h1:has-text('Rate ten papers')")
        papers = page.locator("article.paper")
        assert papers.count() == 10
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0  # fits 375 px
        titles = [papers.nth(i).locator("h2").inner_text() for i in range(3)]
        papers.nth(0).get_by_label("👍 More like this").check()
        papers.nth(1).get_by_label("👍 More like this").check()
        papers.nth(2).get_by_label("👎 Less like this").check()
        page.screenshot(path=str(tmp_path / "rate-en.png"), full_page=True)
        page.click("button.primary")
        page.wait_for_selector("text=3 ratings saved (👍 2, 👎 1)")
        with session_scope(engine) as s:
            sub = s.exec(select(Subscriber).where(Subscriber.email == "ada@example.org")).one()
            rows = s.exec(select(Feedback).where(Feedback.subscriber_id == sub.id)).all()
            from academichub.models import Paper

            liked = sorted(s.get(Paper, f.paper_id).title for f in rows if f.value > 0)
            disliked = [s.get(Paper, f.paper_id).title for f in rows if f.value < 0]
        assert sub.status == "active" and liked == sorted(titles[:2]) and disliked == [titles[2]]
        page.click("text=Your preferences")
        page.wait_for_selector("h1:has-text('Your preferences')")
        page.set_input_files("#library-file", str(bib))
        page.click("form[action='/preferences/library'] button")
        page.wait_for_selector("#library-report")
        report = page.locator("#library-report").inner_text()
        assert "Read 3 papers from My Library.bib (BibTeX)" in report and "2 entries could not be read" in report
        assert "main: 3 papers" in page.locator(".library-list").inner_text()
        with session_scope(engine) as s:
            radar = first_radar(s, sub.key)
            assert radar is not None and len(library_of(radar)) == 3
