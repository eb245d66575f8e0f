"""Screenshots of a rendered briefing at phone and desktop widths, for docs/.

.venv/bin/python scripts/email_screenshots.py var/outbox/2026-06-22/lin.wei@example.org.html docs/
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser import ARGS, CHROMIUM  # noqa: E402


def main(page_file: Path, out: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width in (375, 800):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(page_file.resolve().as_uri())
            page.screenshot(path=str(out / f"email-{width}.png"), full_page=True)
            print(
                out / f"email-{width}.png",
                "overflow:",
                page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
            )
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
