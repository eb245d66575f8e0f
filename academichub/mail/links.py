"""The one builder of signed links: every URL in an email or a page that acts for a reader is made
here, from the public base URL and purpose-scoped tokens (``subscribers/tokens.py``)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

from academichub.mail.render import Links
from academichub.settings import Settings
from subscribers.models import Subscriber
from subscribers.tokens import Tokens, link_payload, tokens_from


class LinkBuilder:
    def __init__(self, base_url: str, tokens: Tokens):
        self.base = base_url.rstrip("/")
        self.tokens = tokens

    @classmethod
    def of(cls, settings: Settings) -> LinkBuilder:
        return cls(settings.base_url, tokens_from(settings))

    def url(self, path: str, purpose: str, payload: dict, **params: str) -> str:
        """``base/path?t=<token for purpose>&params``."""
        return f"{self.base}/{path}?{urlencode({'t': self.tokens.sign(purpose, payload), **params})}"

    def reader(self, path: str, purpose: str, sub: Subscriber, **extra: str) -> str:
        """A link made for one reader: their id and link key signed (it dies with the reader)."""
        return self.url(path, purpose, link_payload(sub, **extra))

    def votes(self, sub: Subscriber, day: date, paper_ids: list[str]) -> dict[str, tuple[str, str]]:
        """👍/👎 per paper. One feedback token per email (who, which email); the paper and the vote ride
        along unsigned: the token proves the reader, and the server accepts only papers of that email.
        The link opens a page whose button records the vote (a mail scanner's GET records nothing)."""
        vote = self.reader("feedback", "feedback", sub, d=day.isoformat()) + "&p="
        return {pid: (f"{vote}{quote(pid)}&v=1", f"{vote}{quote(pid)}&v=-1") for pid in paper_ids}

    def account(self, sub: Subscriber, contact: str) -> Links:
        """Preferences and unsubscribe links (the emails that are not briefings)."""
        return Links(
            preferences=self.reader("preferences", "preferences", sub),
            unsubscribe=self.reader("unsubscribe", "unsubscribe", sub),
            contact=contact,
        )

    def welcome(self, sub: Subscriber, contact: str) -> Links:
        """The welcome email's links: "rate ten papers" (``web/onboard.py``), preferences, unsubscribe."""
        return Links(
            preferences=self.reader("preferences", "preferences", sub),
            unsubscribe=self.reader("unsubscribe", "unsubscribe", sub),
            rate=self.reader("preferences/rate", "preferences", sub),
            contact=contact,
        )

    def briefing(self, settings: Settings, sub: Subscriber, day: date, paper_ids: list[str]) -> Links:
        """Every link of one reader's briefing email."""
        return Links(
            preferences=self.reader("preferences", "preferences", sub),
            unsubscribe=self.reader("unsubscribe", "unsubscribe", sub),
            feedback=self.votes(sub, day, paper_ids),
            view=self.reader("view", "view", sub, d=day.isoformat()),
            contact=settings.contact,
        )
