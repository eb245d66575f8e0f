"""One contact address everywhere, and a confirmation email that says each thing once (issue 14)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from academichub.mail.links import LinkBuilder
from academichub.mail.render import EmailTemplates, Links, render_confirmation
from academichub.settings import Settings


@pytest.mark.parametrize(
    "configured, expected", [(None, "briefing@example.org"), ("desk@example.net", "desk@example.net")]
)
def test_briefings_confirmations_and_the_user_agent_share_one_contact_address(configured, expected):
    settings = Settings(_env_file=None, sender="AcademicHub <briefing@example.org>", contact_email=configured)
    assert settings.contact == expected and f"mailto:{expected}" in settings.user_agent
    from subscribers.models import Subscriber
    from subscribers.tokens import tokens_from

    reader = Subscriber(id=1, email="r@example.org")
    briefing = LinkBuilder(settings.base_url, tokens_from(settings)).briefing(settings, reader, date(2026, 6, 22), [])
    assert briefing.contact == expected


@pytest.mark.parametrize(
    "lang, link_word, button_word", [("en", "Open the link below", "button"), ("zh", "打开下方链接", "按钮")]
)
def test_the_confirmation_says_the_interests_once_and_its_text_part_has_no_button(lang, link_word, button_word):
    settings = Settings(_env_file=None)
    email = render_confirmation(
        lang,
        EmailTemplates(Path(settings.templates_dir)),
        interests="random matrices and free probability",
        links=Links(confirm="https://hub.example/confirm?t=abc", contact=settings.contact),
        today=date(2026, 6, 22),
    )
    html_text = re.sub(r"<[^>]+>", " ", email.html)
    assert email.text.count("random matrices and free probability") == 1
    assert html_text.count("random matrices and free probability") == 1
    assert link_word in email.text and button_word not in email.text
    assert "https://hub.example/confirm?t=abc" in email.text and settings.contact in email.text
