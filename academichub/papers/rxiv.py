"""bioRxiv and medRxiv: their RSS 1.0 subject feeds and the JSON ``details`` API."""

from __future__ import annotations

import json
import re
from typing import Any

from academichub.papers.items import parse_date
from academichub.papers.normalise import clean_abstract, clean_doi, clean_title, split_authors, squash, title_key
from academichub.papers.records import FeedError, FeedMeta, PaperRecord, ParsedFeed

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
    meta = FeedMeta(format="rxiv-rss", title=squash(str(f.get("title", ""))), link=str(f.get("link", "")))
    records, skipped = [], 0
    for e in parsed.entries:
        link = squash(str(e.get("link", "")))
        doi = clean_doi(e.get("dc_identifier")) or clean_doi(e.get("id"))
        title = clean_title(e.get("title"))
        if not doi or not title:
            skipped += 1
            continue
        vm = _RXIV_VERSION.search(link)
        records.append(
            PaperRecord(
                id=f"doi:{doi}",
                title=title,
                abstract=clean_abstract(e.get("summary"), title=title, jats=True),
                authors=split_authors(e.get("author"), style="surname"),
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
        )
    return ParsedFeed(meta=meta, records=records, skipped=skipped)


def parse_rxiv_json(body: bytes, *, label: str | None) -> ParsedFeed:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"broken JSON: {exc}") from None
    if not isinstance(data, dict) or "collection" not in data:
        raise FeedError("JSON that is not a bioRxiv/medRxiv 'details' response (no 'collection')")
    messages = data.get("messages") or [{}]
    status = str(messages[0].get("status", "ok")) if isinstance(messages[0], dict) else "ok"
    if status.lower() != "ok" and not data["collection"]:
        raise FeedError(f"the API answered status {status!r}")
    records, skipped = [], 0
    for item in data["collection"]:
        if not isinstance(item, dict):
            skipped += 1
            continue
        doi = clean_doi(item.get("doi"))
        title = clean_title(item.get("title"))
        if not doi or not title:
            skipped += 1
            continue
        server = rxiv_server(str(item.get("server", "")), doi)
        category = squash(str(item.get("category", "")))
        version = str(item.get("version", "1")).strip()
        rec = PaperRecord(
            id=f"doi:{doi}",
            title=title,
            abstract=clean_abstract(item.get("abstract"), title=title, jats=True),
            authors=split_authors(item.get("authors"), style="surname"),
            categories=[category.lower()] if category else [],
            source_label=label or (f"{server_name(server)} ({category.title()})" if category else server_name(server)),
            server=server,
            doi=doi,
            arxiv_version=None,
            abs_url=f"https://www.{server}.org/content/{doi}v{version}",
            pdf_url=f"https://www.{server}.org/content/{doi}v{version}.full.pdf",
            announce_type="new" if version in ("", "1") else "replace",
            published=parse_date(item.get("date")),
            title_key=title_key(title),
        )
        published_doi = clean_doi(str(item.get("published", "")))
        if published_doi and published_doi != doi:
            rec.aliases.append(f"doi:{published_doi}")  # the journal version, once it exists
        records.append(rec)
    meta = FeedMeta(format="rxiv-json", title="bioRxiv/medRxiv details API")
    return ParsedFeed(meta=meta, records=records, skipped=skipped)
