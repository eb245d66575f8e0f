"""bioRxiv and medRxiv: their RSS 1.0 subject feeds and the JSON ``details`` API, one item at a time."""

from __future__ import annotations

import json
import re
from typing import Any

from academichub.papers.items import collect, entry_ref, field_text, parse_date
from academichub.papers.labels import subject_label
from academichub.papers.normalise import clean_abstract, clean_doi, clean_title, split_authors, squash, title_key
from academichub.papers.records import FeedError, FeedMeta, ItemError, PaperRecord, ParsedFeed
from academichub.papers.validate import RAW_ABSTRACT_CHARS, RAW_AUTHORS_CHARS, RAW_TITLE_CHARS, item_ref, short

_RXIV_SUBJECT = re.compile(r"Subject Collection:\s*(.+)$", re.IGNORECASE)
_RXIV_VERSION = re.compile(r"v(\d+)(?:\?|$|/)")


def rxiv_server(*hints: str) -> str:
    text = " ".join(h for h in hints if h).lower()
    return "medrxiv" if "medrxiv" in text else "biorxiv"


def server_name(server: str) -> str:
    return {"medrxiv": "medRxiv", "biorxiv": "bioRxiv"}[server]


def parse_rxiv_rss(parsed: Any, *, label: str | None) -> ParsedFeed:
    f = parsed.feed
    server = rxiv_server(str(f.get("prism_publicationname", "")), str(f.get("link", "")), str(f.get("title", "")))
    m = _RXIV_SUBJECT.search(squash(str(f.get("title", ""))))
    subject = m.group(1).strip() if m else ""
    feed_label = label or (f"{server_name(server)} ({subject})" if subject else server_name(server))
    feed = collect(parsed.entries, lambda e: _rxiv_rss_entry(e, server, subject, feed_label), entry_ref)
    feed.meta = FeedMeta(format="rxiv-rss", title=squash(str(f.get("title", ""))), link=str(f.get("link", "")))
    return feed


def _rxiv_rss_entry(e: Any, server: str, subject: str, feed_label: str) -> PaperRecord:
    link = squash(field_text(e, "link"))
    doi = clean_doi(field_text(e, "dc_identifier")) or clean_doi(field_text(e, "id"))
    title = clean_title(field_text(e, "title", RAW_TITLE_CHARS))
    if not doi or not title:
        raise ItemError("no DOI" if not doi else "no title")
    vm = _RXIV_VERSION.search(link)
    return PaperRecord(
        id=f"doi:{doi}",
        title=title,
        abstract=clean_abstract(field_text(e, "summary", RAW_ABSTRACT_CHARS), title=title, jats=True),
        authors=split_authors(field_text(e, "author", RAW_AUTHORS_CHARS), style="surname"),
        categories=[subject.lower()] if subject else [],
        source_label=feed_label,
        server=rxiv_server(link, server),
        doi=doi,
        arxiv_version=None,
        abs_url=link.split("?")[0] or f"https://doi.org/{doi}",
        pdf_url=(link.split("?")[0].replace("/cgi/content/short/", "/content/") + ".full.pdf") if vm else None,
        announce_type="new" if not vm or vm.group(1) == "1" else "replace",
        published=parse_date(e.get("prism_publicationdate"), e.get("updated"), e.get("published")),
        title_key=title_key(title),
    )


def parse_rxiv_json(body: bytes, *, label: str | None) -> ParsedFeed:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"broken JSON: {exc}") from None
    if not isinstance(data, dict) or "collection" not in data:
        raise FeedError("JSON that is not a bioRxiv/medRxiv 'details' response (no 'collection')")
    collection = data["collection"]
    if not isinstance(collection, list):
        raise FeedError(f"the 'collection' of a details response is {type(collection).__name__}, not a list")
    messages = data.get("messages")
    message = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
    status = str(message.get("status", "ok"))
    if status.lower() != "ok" and not collection:
        raise FeedError(f"the API answered status {short(status, 60)}")

    def ref(item: Any, index: int) -> str:
        return item_ref(item.get("doi"), item.get("title"), index=index) if isinstance(item, dict) else f"item {index}"

    feed = collect(collection, lambda item: _rxiv_json_item(item, label), ref)
    feed.meta = FeedMeta(format="rxiv-json", title="bioRxiv/medRxiv details API")
    return feed


def _rxiv_json_item(item: Any, label: str | None) -> PaperRecord:
    if not isinstance(item, dict):
        raise ItemError(f"an item is {type(item).__name__}, not an object")
    doi = clean_doi(field_text(item, "doi"))
    title = clean_title(field_text(item, "title", RAW_TITLE_CHARS))
    if not doi or not title:
        raise ItemError("no DOI" if not doi else "no title")
    server = rxiv_server(field_text(item, "server"), doi)
    category = squash(field_text(item, "category"))
    version = squash(field_text(item, "version")) or "1"
    if not version.isdigit() or len(version) > 4:
        raise ItemError(f"version {short(version, 24)} is not a number")
    rec = PaperRecord(
        id=f"doi:{doi}",
        title=title,
        abstract=clean_abstract(field_text(item, "abstract", RAW_ABSTRACT_CHARS), title=title, jats=True),
        authors=split_authors(field_text(item, "authors", RAW_AUTHORS_CHARS), style="surname"),
        categories=[category.lower()] if category else [],
        source_label=label or subject_label(server_name(server), category),
        server=server,
        doi=doi,
        arxiv_version=None,
        abs_url=f"https://www.{server}.org/content/{doi}v{version}",
        pdf_url=f"https://www.{server}.org/content/{doi}v{version}.full.pdf",
        announce_type="new" if version == "1" else "replace",
        published=parse_date(field_text(item, "date")),
        title_key=title_key(title),
    )
    published_doi = clean_doi(field_text(item, "published"))
    if published_doi and published_doi != doi:
        rec.aliases.append(f"doi:{published_doi}")  # the journal version, once it exists
    return rec
