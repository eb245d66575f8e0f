"""The rendered briefing in a real browser: readable on a phone (no horizontal overflow) and a desktop."""

from __future__ import annotations

import sys

import pytest

from academichub.cli import main as cli
from academichub.settings import SAMPLE_DAY_DIR
from tests.browser import browser

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_briefing_fits_a_phone_and_a_desktop(env_settings, capsys, monkeypatch, tmp_path):
    for args in (
        [
            "subscribers",
            "add",
            "zh@example.org",
            "--lang",
            "bilingual",
            "--interests",
            "大语言模型安全",
            "--keywords",
            "prompt injection, jailbreak, agents, LLM safety",
        ],
        ["run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22"],
    ):
        monkeypatch.setattr(sys, "argv", ["academichub", *args])
        try:
            cli.main()
        except SystemExit as exc:
            assert not exc.code
    page_file = env_settings / "outbox" / "2026-06-22" / "zh@example.org.html"
    with browser() as b:
        for width in (375, 800):
            page = b.new_page(viewport={"width": width, "height": 900})
            page.goto(page_file.as_uri())
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{overflow}px of horizontal overflow at {width}px"
            assert page.locator("text=When Lower Privileges Suffice").first.is_visible()
            title_box = page.locator("a", has_text="When Lower Privileges Suffice").first.bounding_box()
            assert title_box["x"] >= 0 and title_box["x"] + title_box["width"] <= width
            page.screenshot(path=str(tmp_path / f"email-{width}.png"), full_page=True)
            page.close()
    assert (tmp_path / "email-375.png").stat().st_size > 10_000
