"""The one builder of signed links: every URL in an email or a page that acts for a reader is made
here, from the public base URL and purpose-scoped tokens (``subscribers/tokens.py``)."""

from __future__ import annotations

from datetime import date
from email.utils import parseaddr
from urllib.parse import quote, urlencode

from academichub.mail.render import Links
from academichub.settings import Settings
from subscribers.tokens import Tokens, tokens_from


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

    def votes(self, subscriber_id: int, day: date, paper_ids: list[str]) -> dict[str, tuple[str, str]]:
        """👍/👎 per paper. One feedback token per email (who, which edition); the paper and the vote
        ride along unsigned: the token already proves the reader, and the server only accepts papers of
        that edition."""
        vote = self.url("feedback", "feedback", {"s": subscriber_id, "d": day.isoformat()}) + "&p="
        return {pid: (f"{vote}{quote(pid)}&v=1", f"{vote}{quote(pid)}&v=-1") for pid in paper_ids}

    def account(self, subscriber_id: int, contact: str) -> Links:
        """Preferences and unsubscribe links (the emails that are not briefings)."""
        return Links(
            preferences=self.url("preferences", "preferences", {"s": subscriber_id}),
            unsubscribe=self.url("unsubscribe", "unsubscribe", {"s": subscriber_id}),
            contact=contact,
        )

    def briefing(self, settings: Settings, subscriber_id: int, day: date, paper_ids: list[str]) -> Links:
        """Every link of one reader's briefing email."""
        return Links(
            preferences=self.url("preferences", "preferences", {"s": subscriber_id}),
            unsubscribe=self.url("unsubscribe", "unsubscribe", {"s": subscriber_id}),
            feedback=self.votes(subscriber_id, day, paper_ids),
            view=self.url("view", "view", {"s": subscriber_id, "d": day.isoformat()}),
            contact=settings.unsubscribe_mailbox or parseaddr(settings.sender)[1],
        )
