"""Build the bundled sample day (academichub/sample/day-2026-06-22/) from the seed pages.

The seed pages (../shared/seeds/) are snapshots of the AcademicHub page: label, date, title
and abstract of 48 papers. This script writes them in the real formats of ../shared/feeds/:
arXiv RSS 2.0 per category, a medRxiv RSS 1.0 feed and a Science RSS 1.0 feed. Identifiers the
seed pages do not give are invented and listed in SAMPLE.md: arXiv ids 2606.9xxxx (beyond any
real June 2026 number) and DOIs containing "sample".

    python scripts/make_sample_day.py ../shared/seeds academichub/sample/day-2026-06-22
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).parent))
from seed_items import read_seeds  # noqa: E402

DAY = date(2026, 6, 22)
EDT = timezone(timedelta(hours=-4))
PREAMBLE = re.compile(r"^arXiv:(\d{4}\.\d{4,5})v(\d+) Announce Type: ([\w-]+) Abstract: ")
# Cross-listings constructed for the sample, so that dedupe has something to merge: the seed
# lists these under cs.AI as "cross"; the sample also lists them as "new" in their primary feed.
CROSS_LIST = {"2606.17551": "cs.LG", "2606.16362": "cs.CV"}
SAMPLE_NOTE = "SAMPLE DATA: built by AcademicHub from its seed pages; invented identifiers are listed in SAMPLE.md"


def rfc822(d: str) -> str:
    return format_datetime(datetime.fromisoformat(d).replace(tzinfo=EDT))


def arxiv_feed(cat: str, items: list[dict]) -> str:
    out = [
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">',
        "  <channel>",
        f"    <title>{cat} updates on arXiv.org</title>",
        f"    <link>http://rss.arxiv.org/rss/{cat}</link>",
        f"    <description>{cat} updates on the arXiv.org e-print archive. {SAMPLE_NOTE}.</description>",
        f'    <atom:link href="http://rss.arxiv.org/rss/{cat}" rel="self" type="application/rss+xml" />',
        "    <docs>http://www.rssboard.org/rss-specification</docs>",
        "    <language>en-us</language>",
        f"    <lastBuildDate>{format_datetime(datetime(2026, 6, 22, 4, tzinfo=UTC))}</lastBuildDate>",
        "    <managingEditor>rss-help@arxiv.org</managingEditor>",
        f"    <pubDate>{rfc822(DAY.isoformat())}</pubDate>",
        "    <skipDays>\n      <day>Saturday</day>\n      <day>Sunday</day>\n    </skipDays>",
    ]
    for it in items:
        cats = "".join(f"\n      <category>{escape(c)}</category>" for c in it["categories"])
        out.append(f"""    <item>
      <title>{escape(it["title"])}</title>
      <link>https://arxiv.org/abs/{it["id"]}</link>
      <description>arXiv:{it["id"]}v{it["version"]} Announce Type: {it["type"]} \n\
Abstract: {escape(it["abstract"])}</description>
      <guid isPermaLink="false">oai:arXiv.org:{it["id"]}v{it["version"]}</guid>{cats}
      <pubDate>{rfc822(it["date"])}</pubDate>
      <arxiv:announce_type>{it["type"]}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
    </item>""")
    out += ["  </channel>", "</rss>", ""]
    return "\n".join(out)


def rdf_feed(title: str, link: str, publication: str, items: list[dict]) -> str:
    lis = "".join(f'\n                <rdf:li rdf:resource="{escape(i["link"])}"/>' for i in items)
    out = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        '<rdf:RDF xmlns:admin="http://webns.net/mvcb/" xmlns="http://purl.org/rss/1.0/"',
        '         xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"',
        '         xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        f'    <channel rdf:about="{escape(link)}">',
        f"        <title>{escape(title)}</title>",
        f"        <link>{escape(link)}</link>",
        f"        <description>{SAMPLE_NOTE}.</description>",
        f"        <items>\n            <rdf:Seq>{lis}\n            </rdf:Seq>\n        </items>",
        f"        <prism:publicationName>{publication}</prism:publicationName>",
        "    </channel>",
    ]
    for it in items:
        creator = f"\n        <dc:creator><![CDATA[ {it['authors']} ]]></dc:creator>" if it.get("authors") else ""
        desc = f"\n        <description><![CDATA[\n{it['abstract']}\n]]></description>" if it.get("abstract") else ""
        out.append(f"""    <item rdf:about="{escape(it["link"])}">
        <title>
            <![CDATA[
{it["title"]}
]]>
        </title>
        <link>
            {escape(it["link"])}
        </link>{desc}{creator}
        <dc:date>{it["date"]}</dc:date>
        <dc:identifier>doi:{it["doi"]}</dc:identifier>
        <prism:publicationDate>{it["date"]}</prism:publicationDate>
    </item>""")
    out += ["</rdf:RDF>", ""]
    return "\n".join(out)


def main(seeds: Path, target: Path) -> None:
    items = read_seeds(seeds)
    target.mkdir(parents=True, exist_ok=True)
    feeds: dict[str, list[dict]] = {}
    medrxiv, science, invented = [], [], []
    next_id = 90001
    for it in items:
        label = it["label"]
        if label.startswith("arXiv"):
            cat = re.search(r"\((.+)\)", label).group(1)
            cat = cat if cat == "quant-ph" else cat[:2].lower() + cat[2:]
            m = PREAMBLE.match(it["abstract"])
            if m:
                pid, version, kind = m.groups()
                abstract = it["abstract"][m.end() :]
            else:
                pid, version, kind, abstract = f"2606.{next_id}", "1", "new", it["abstract"]
                next_id += 1
                invented.append(f"- arXiv {pid}: {it['title']}")
            entry = {
                "id": pid,
                "version": version,
                "type": kind,
                "abstract": abstract,
                "title": it["title"],
                "date": it["date"],
                "categories": [cat],
            }
            feeds.setdefault(cat, []).append(entry)
            if pid in CROSS_LIST:
                primary = CROSS_LIST[pid]
                entry["categories"] = [primary, cat]
                feeds.setdefault(primary, []).append(dict(entry, type="new", categories=[primary, cat]))
        elif label.startswith("medRxiv"):
            n = len(medrxiv) + 1
            doi = f"10.1101/sample.{it['date']}.{n:04d}"
            invented.append(f"- medRxiv doi:{doi}: {it['title']}")
            medrxiv.append(dict(it, doi=doi, link=f"https://www.medrxiv.org/content/{doi}v1?rss=1"))
        else:
            n = len(science) + 1
            doi = f"10.1126/sample.science.{n:04d}"
            invented.append(f"- Science doi:{doi}: {it['title']}")
            science.append(dict(it, doi=doi, title=it["title"], authors="", link=f"https://www.science.org/doi/{doi}"))
    # A journal item with no abstract and no author, as journals often list them.
    doi = "10.1126/sample.science.0099"
    science.append(
        {
            "title": "Sample research article listed without an abstract | Science",
            "date": "2026-06-18",
            "doi": doi,
            "link": f"https://www.science.org/doi/{doi}",
            "abstract": "",
            "authors": "",
        }
    )
    invented.append(f"- Science doi:{doi}: (a sample item with no abstract and no author)")
    for cat, entries in sorted(feeds.items()):
        (target / f"arxiv-rss-{cat}.xml").write_text(arxiv_feed(cat, entries), encoding="utf-8")
    (target / "medrxiv-rss-medicine.xml").write_text(
        rdf_feed("medRxiv Subject Collection: Medicine", "http://medrxiv.org", "medRxiv", medrxiv), encoding="utf-8"
    )
    (target / "science-rss.xml").write_text(
        rdf_feed("Science (Express)", "https://www.science.org", "Science (Express)", science), encoding="utf-8"
    )
    (target / "SAMPLE.md").write_text(
        "# Sample day 2026-06-22 (sample data)\n\n"
        "Built by `scripts/make_sample_day.py` from the AcademicHub seed pages: the titles, abstracts,\n"
        "labels and dates are theirs. Where a seed item carries its arXiv id (`arXiv:2606.12747v1 Announce\n"
        "Type: ...`), the id, version and announce type are real. Everything below is INVENTED for the sample:\n\n"
        + "\n".join(invented)
        + "\n\nAlso constructed: the cross-listings of "
        + ", ".join(f"{k} into {v}" for k, v in CROSS_LIST.items())
        + " (the seed shows them as cross-lists in cs.AI).\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
