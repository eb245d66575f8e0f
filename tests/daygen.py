"""Small generated feeds for a given day: an arXiv RSS listing of new papers with chosen ids, and a
journal RSS feed with chosen DOIs (so each day of a test has papers no earlier day had)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

TOPICS = (
    "variational quantum circuits for quantum machine learning",
    "prompt injection attacks on tool-using LLM agents",
    "graph neural networks for molecule property prediction",
    "diffusion models for medical image segmentation",
)


def _rfc(day: date) -> str:
    return day.strftime("%a, %d %b %Y 00:00:00 -0400")


def arxiv_feed(category: str, day: date, ids: list[str]) -> bytes:
    items = []
    for i, pid in enumerate(ids):
        topic = TOPICS[i % len(TOPICS)]
        items.append(
            f"""    <item>
      <title>On {topic}: study {pid}</title>
      <link>https://arxiv.org/abs/{pid}</link>
      <description>arXiv:{pid}v1 Announce Type: new
Abstract: We study {topic}. Benchmark {pid} shows that it improves on strong baselines.</description>
      <guid isPermaLink="false">oai:arXiv.org:{pid}v1</guid>
      <category>{category}</category>
      <pubDate>{_rfc(day)}</pubDate>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:creator>Ada Lovelace, Alan Turing</dc:creator>
    </item>
"""
        )
    namespaces = 'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    return f"""<rss {namespaces} version="2.0">
  <channel>
    <title>{category} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/{category}</link>
    <description>{category} updates on the arXiv.org e-print archive.</description>
    <pubDate>{_rfc(day)}</pubDate>
    <skipDays><day>Saturday</day><day>Sunday</day></skipDays>
{"".join(items)}  </channel>
</rss>
""".encode()


def journal_feed(name: str, day: date, dois: list[str]) -> bytes:
    items = "".join(
        f"""    <item>
      <title>A field report on coral reef ecology, number {n}</title>
      <link>https://journal.example.org/articles/{doi.rsplit("/", 1)[-1]}</link>
      <description>Reef surveys across many sites, report {n}.</description>
      <dc:identifier>doi:{doi}</dc:identifier>
      <dc:date>{day.isoformat()}</dc:date>
    </item>
"""
        for n, doi in enumerate(dois)
    )
    return f"""<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
  <channel>
    <title>{name}</title>
    <link>https://journal.example.org</link>
    <description>Latest articles</description>
{items}  </channel>
</rss>
""".encode()


def ids_for(day: date, n: int, start: int = 0) -> list[str]:
    """``n`` arXiv ids that belong to ``day`` alone."""
    return [f"{day:%y%m}.{day.day:02d}{i:03d}" for i in range(start, start + n)]


def write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (folder / name).write_bytes(body)
    return folder


BROKEN = {
    "a.xml": b"<html><head><title>Service Unavailable</title></head></html>",
    "b.xml": b"Rate exceeded.",
}
