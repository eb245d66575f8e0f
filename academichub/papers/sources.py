"""Source configuration: which feeds to read. Parsing the TOML is pure; reading the file is the edge."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

ARXIV_HOSTS = ("arxiv.org", "export.arxiv.org", "rss.arxiv.org")
_KEY = re.compile(r"^[A-Za-z0-9][\w.+\-]*$")


class SourceConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    url: str
    label: str | None = None
    include_replacements: bool = False
    # Read because readers chose it, not one of the operator's defaults: its failure is reported but
    # never holds the day (docs/operations.md, "A broken day").
    optional: bool = False
    # A bioRxiv/medRxiv server read only for some subjects: the slugs of the subjects kept (None: all).
    subjects: frozenset[str] | None = None

    def url_for(self, day: date) -> str:
        return self.url.replace("{date}", day.isoformat()).replace("{yesterday}", (day - timedelta(days=1)).isoformat())

    @property
    def is_arxiv(self) -> bool:
        host = urlparse(self.url).hostname or ""
        return any(host == h or host.endswith("." + h) for h in ARXIV_HOSTS)


@dataclass(frozen=True, slots=True)
class SourceConfig:
    sources: tuple[Source, ...]
    arxiv_holidays: frozenset[date] = frozenset()


def parse_sources(text: str, *, origin: str = "sources file") -> SourceConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{origin}: not valid TOML: {exc}") from None
    entries = data.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise SourceConfigError(f"{origin}: no [[source]] entries")
    seen: set[str] = set()
    sources = []
    for i, entry in enumerate(entries, 1):
        key, url = entry.get("key"), entry.get("url")
        if not isinstance(key, str) or not _KEY.match(key):
            raise SourceConfigError(f"{origin}: source #{i} needs a key of letters, digits, . _ + -")
        if key in seen:
            raise SourceConfigError(f"{origin}: source key {key!r} appears twice")
        if not isinstance(url, str) or urlparse(url).scheme not in ("http", "https"):
            raise SourceConfigError(f"{origin}: source {key!r} needs an http(s) url")
        seen.add(key)
        sources.append(
            Source(
                key=key,
                url=url,
                label=entry.get("label"),
                include_replacements=bool(entry.get("include_replacements", False)),
            )
        )
    holidays = set()
    for value in data.get("arxiv", {}).get("holidays", []):
        try:
            holidays.add(date.fromisoformat(str(value)))
        except ValueError:
            raise SourceConfigError(f"{origin}: arxiv.holidays has a bad date {value!r} (use YYYY-MM-DD)") from None
    return SourceConfig(sources=tuple(sources), arxiv_holidays=frozenset(holidays))


def load_sources(path: Path) -> SourceConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceConfigError(f"cannot read the sources file {path}: {exc.strerror}") from None
    return parse_sources(text, origin=str(path))


_ARXIV_URL_CATS = re.compile(r"arxiv\.org/(?:rss|atom)/([\w.\-+]+)", re.IGNORECASE)


def known_facets(config: SourceConfig) -> frozenset[str]:
    """What a subscriber's category filter may name: each arXiv category of the configured arXiv
    feeds, and the key of every other source (medrxiv, science, nature, ...)."""
    out: set[str] = set()
    for s in config.sources:
        m = _ARXIV_URL_CATS.search(s.url)
        if s.is_arxiv and m:
            out.update(c for c in m.group(1).split("+") if c)
        else:
            out.add(s.key)
    return frozenset(out)


_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def paper_facets(categories: list[str], server: str, source_labels: list[str]) -> frozenset[str]:
    """The facets a paper answers to (what a reader's category filter matches): its categories, its
    preprint server and ``<server>.<subject slug>`` (``medrxiv.epidemiology``), and for a journal the
    slug of its name (``nature-medicine``, the catalogue's key) with and without a trailing
    ``(...)`` (``Science (Express)`` answers to ``science``)."""
    out = set(categories)
    if server and server != "journal":
        out.add(server)
        if server in ("biorxiv", "medrxiv"):
            out.update(f"{server}.{_slug(c)}" for c in categories if _slug(c))
    for label in source_labels:
        if server == "journal" and label:
            out.update(s for s in (_slug(label), _slug(_SUFFIX.sub("", label))) if s)
    return frozenset(out)
