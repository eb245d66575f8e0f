"""The source catalogue: every field a reader may choose (arXiv categories, bioRxiv and medRxiv
subjects, leading journals), shipped as ``academichub/papers/catalogue.tsv``.

``parse_catalogue`` is pure and checks every line; ``bundled_catalogue`` reads the packaged file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from academichub.resources import package_path

KINDS = ("arxiv", "biorxiv", "medrxiv", "journal")
ARXIV_RSS = "https://rss.arxiv.org/rss/"
RXIV_API = "https://api.biorxiv.org/details/{server}/{{yesterday}}/{{date}}/0"
_ARXIV_KEY = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


class CatalogueError(ValueError):
    pass


def slug(text: str) -> str:
    """``Nature Medicine`` → ``nature-medicine``: how journal and subject keys are made from labels."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    label_en: str
    label_zh: str


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    kind: str  # arxiv, biorxiv, medrxiv, journal
    group: str
    label_en: str
    label_zh: str
    url: str  # the entry's own feed; a bioRxiv/medRxiv subject's is its whole server's (filtered)

    @property
    def subject(self) -> str | None:
        """A bioRxiv/medRxiv subject's slug (what its items' category is filtered by); None otherwise."""
        if self.kind in ("biorxiv", "medrxiv") and "." in self.key:
            return self.key.split(".", 1)[1]
        return None

    def label(self, language: str) -> str:
        return self.label_zh if language == "zh" else self.label_en

    def as_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "kind": self.kind,
            "group": self.group,
            "label_en": self.label_en,
            "label_zh": self.label_zh,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class Catalogue:
    groups: tuple[Group, ...]
    entries: tuple[Entry, ...]
    _by_key: dict[str, Entry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({e.key: e for e in self.entries})

    def get(self, key: str) -> Entry | None:
        return self._by_key.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self._by_key)

    def in_group(self, group: str) -> list[Entry]:
        return [e for e in self.entries if e.group == group]


def _entry_url(key: str, kind: str, url: str) -> str:
    if kind == "arxiv":
        return url or ARXIV_RSS + key
    if kind in ("biorxiv", "medrxiv"):
        return url or RXIV_API.format(server=kind)
    return url


def parse_catalogue(text: str, *, origin: str = "catalogue") -> Catalogue:
    """Every line checked: a known kind, a well-formed unique key, both labels, an http(s) feed URL."""
    groups: list[Group] = []
    entries: list[Entry] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        where = f"{origin}, line {n}"
        if cells[0] == "@group":
            if len(cells) != 4 or not all(cells[1:]):
                raise CatalogueError(f"{where}: a group needs a key, an English and a Chinese label")
            groups.append(Group(cells[1], cells[2], cells[3]))
            continue
        if len(cells) != 5:
            raise CatalogueError(f"{where}: expected 5 tab-separated cells (key, kind, en, zh, url), got {len(cells)}")
        key, kind, en, zh, url = cells
        if not groups:
            raise CatalogueError(f"{where}: an entry before the first @group line")
        if kind not in KINDS:
            raise CatalogueError(f"{where}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
        if not (_ARXIV_KEY if kind == "arxiv" else _KEY).match(key):
            raise CatalogueError(f"{where}: malformed {kind} key {key!r}")
        if key in seen:
            raise CatalogueError(f"{where}: the key {key!r} appears twice")
        if not en or not zh:
            raise CatalogueError(f"{where}: {key} needs an English and a Chinese label")
        if kind == "journal" and key != slug(en):
            raise CatalogueError(f"{where}: a journal's key is the slug of its label: {slug(en)!r}, not {key!r}")
        if kind in ("biorxiv", "medrxiv") and key not in (kind, f"{kind}.{slug(en)}"):
            raise CatalogueError(f"{where}: a {kind} subject's key is {kind}.{slug(en)!r}, not {key!r}")
        full = _entry_url(key, kind, url)
        if urlparse(full).scheme not in ("http", "https") or not urlparse(full).hostname:
            raise CatalogueError(f"{where}: {key} needs an http(s) feed URL")
        seen.add(key)
        entries.append(Entry(key, kind, groups[-1].key, en, zh, full))
    if not entries:
        raise CatalogueError(f"{origin}: no entries")
    return Catalogue(groups=tuple(groups), entries=tuple(entries))


CATALOGUE_FILE = ("papers", "catalogue.tsv")


def bundled_catalogue() -> Catalogue:
    """The catalogue shipped with the package (read on each call: callers keep the one they need)."""
    path = package_path(*CATALOGUE_FILE)
    return parse_catalogue(path.read_text(encoding="utf-8"), origin=str(path))
