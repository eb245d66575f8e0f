"""Hostile feeds: one bad item never poisons a batch, and a hostile feed costs little.

Inputs are generated small where the attack was large, or large only where the old quadratic or
expanding behaviour would have been absurdly slow (minutes) and the fixed code is fast. Nothing here
is timed: the costs are measured in bench/hostile_feed_bench.py.
"""

from __future__ import annotations

import feedparser
import pytest

from academichub.papers.markup import html_to_text
from academichub.papers.normalise import clean_abstract, split_authors
from academichub.papers.parse import parse_document
from academichub.papers.records import FeedError
from tests.conftest import fixture_bytes

CS_AI = "arxiv-rss-csAI-jmamath-trimmed.xml"


def cs_ai(prolog: bytes = b"", *, in_description: bytes = b"") -> bytes:
    """The real cs.AI feed (3 items) with ``prolog`` before its root element and ``in_description``
    at the start of the first item's abstract."""
    body = fixture_bytes(CS_AI)
    if in_description:
        body = body.replace(b"Abstract: ", b"Abstract: " + in_description + b" ", 1)
    return prolog + body


def test_html_to_text_is_one_pass_over_deeply_nested_tags():
    # 50,000 nested <div>s took 609 s (BeautifulSoup's tree work is quadratic in the depth).
    deep = "<div>" * 50_000 + "deep <b>inside</b>" + "</div>" * 50_000
    assert html_to_text(deep) == "deep inside"
    # Unclosed and stray markup: each runs to the end of the text instead of being rescanned.
    assert html_to_text("x" + "<!--" * 20_000) == "x"
    assert html_to_text("<" * 50_000 + ">") == "<" * 50_000 + ">"
    assert html_to_text("a" + "<b" * 50_000) == "a" + "<b" * 50_000
    assert html_to_text("a<script>" + "<script>x" * 20_000) == "a"


def test_html_to_text_keeps_its_rules():
    assert html_to_text("S<sub>N</sub>2 and <i>trans</i>-splicing") == "SN2 and trans-splicing"
    assert html_to_text("<p>One.</p><p>Two &amp; three.</p>") == "One. Two & three."
    assert html_to_text("a<div>b</div>c<br/>d") == "a b c d"
    assert html_to_text("<script>alert(1)</script>Safe<style>p{}</style> <!-- hidden --> text") == "Safe text"
    assert html_to_text("x < y and 5<6, AT&amp;amp;T") == "x < y and 5<6, AT&T"
    assert html_to_text("<mml:math><mml:mi>x</mml:mi></mml:math> &lt;b&gt;shown&lt;/b&gt;") == "x <b>shown</b>"


def test_author_lists_cost_linear_time():
    # 22 initials without a closing comma took 3 s, doubling with each more; a list of 8,000 names
    # without commas took 29 s (the surname pattern was retried from every position).
    assert split_authors("Smith, " + " ".join(["A"] * 60) + "!", style="surname") == [
        "Smith",
        " ".join(["A"] * 60) + "!",
    ]
    assert split_authors("Abc " * 50_000, style="surname") == [("Abc " * 50_000).strip()]
    assert split_authors("LAPALU, N., Lu, A., Nicolis Di Robilant, J.-P.", style="surname") == [
        "N. LAPALU",
        "A. Lu",
        "J.-P. Nicolis Di Robilant",
    ]


def test_jats_debris_with_unclosed_markers_is_linear():
    # 8,000 unclosed small-caps openers took 20 s: each scanned to the end of the abstract.
    text = clean_abstract("O_SCPLOW x " * 50_000 + "end", jats=True)
    assert text == "x " * 50_000 + "end"
    assert clean_abstract("T O_SCPCAPcellsC_SCPCAP here", jats=True) == "T cells here"
    assert clean_abstract("O_ST_ABS " * 20_000 + "O_ST_ABSMethodsC_ST_ABSWe did.", jats=True).endswith(
        "Methods: We did."
    )


# Declarations one a line, as feedparser's fallback parser looks for them (and then expands them).
BIG_ENTITY = b'<!DOCTYPE rss [\n<!ENTITY big "' + b"A" * 100_000 + b'">\n]>\n'
LAUGHS = (
    b'<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    )
    + b"]>\n"
)


MINI = (
    b'<rss version="2.0"><channel><title>Journal</title><link>https://example.org/</link><item>'
    b"<title>A &big; B</title><link>https://example.org/a</link><guid>https://doi.org/10.1000/a1</guid></item>"
    b"</channel></rss>"
)


@pytest.fixture
def no_parser(monkeypatch):
    """Fail the test if feedparser is ever called: refusal must come before any parsing."""

    def refuse(*args, **kwargs):
        raise AssertionError("feedparser was called")

    monkeypatch.setattr(feedparser, "parse", refuse)


@pytest.mark.parametrize(
    "body",
    [
        # The finding: one 100,000-character entity referenced 20,000 times (157 KB; 2 GB expanded, 62 s, 6.1 GB).
        cs_ai(BIG_ENTITY, in_description=b"&big;" * 20_000),
        # The same in a feed that is not well-formed, so feedparser's fallback (loose) parser would read it.
        cs_ai(BIG_ENTITY, in_description=b"&big;" * 20_000).replace(b"</channel>", b"</chanel>"),
        cs_ai(LAUGHS, in_description=b"&lol9;"),  # billion laughs
        cs_ai(b'<?xml version="1.0"?>\n<!-- a comment first -->\n' + BIG_ENTITY, in_description=b"&big;"),
        # An external DOCTYPE with an entity hidden in a comment: the fallback parser would still find it.
        cs_ai(b'<!DOCTYPE rss SYSTEM "rss.dtd">\n<!--\n<!ENTITY big "' + b"A" * 1000 + b'">\n-->\n'),
        cs_ai(b'<!ENTITY big "AAAA">\n'),  # a declaration with no DOCTYPE at all
    ],
    ids=["big-entity", "big-entity-loose", "billion-laughs", "after-comment", "in-comment", "bare-entity"],
)
def test_entity_declarations_are_refused_before_any_parsing(body, no_parser):
    with pytest.raises(FeedError, match="refused before parsing"):
        parse_document(body)


def test_entity_declarations_are_found_whatever_the_encoding(monkeypatch):
    # UTF-16 without a BOM (feedparser sniffs it from "<?") and UTF-7, where "+ADw-" is "<": the check
    # reads the text as feedparser would decode it, not the raw bytes.
    xml_utf16 = b'<?xml version="1.0" encoding="utf-16"?>\n'
    utf16 = cs_ai(xml_utf16 + BIG_ENTITY, in_description=b"&big;").decode().encode("utf-16-le")
    utf7 = (
        b'<?xml version="1.0" encoding="utf-7"?>\n+ADw-!DOCTYPE rss +AFs-\n+ADw-!ENTITY big "AAAA"+AD4-\n+AF0-+AD4-\n'
    )
    assert feedparser.parse(utf7 + MINI).entries[0].title == "A AAAA B"  # what feedparser alone makes of it
    monkeypatch.setattr(feedparser, "parse", None)  # parse_document must not get as far
    with pytest.raises(FeedError, match="refused before parsing"):
        parse_document(utf7 + MINI)
    with pytest.raises(FeedError, match="refused before parsing"):
        parse_document(utf16)


def test_an_external_doctype_and_the_predefined_entities_still_parse():
    netscape = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
    )
    feed = parse_document(cs_ai(netscape, in_description=b"R&amp;D &lt;3"))
    assert len(feed.records) == 3 and feed.records[0].abstract.startswith("R&D <3 Although")
