"""Parsing the real recorded feeds in tests/fixtures (see SOURCES.md there)."""

from __future__ import annotations

from datetime import date

import pytest

from academichub.papers.parse import parse_document
from academichub.papers.records import FeedError
from tests.conftest import fixture_bytes

CS_AI = "arxiv-rss-csAI-jmamath-trimmed.xml"


def test_arxiv_rss_item_fields():
    feed = parse_document(fixture_bytes(CS_AI))
    assert feed.meta.format == "arxiv-rss"
    assert feed.meta.categories == ("cs.AI",)
    assert [r.id for r in feed.records] == ["2604.21935", "2604.21936", "2604.21937"]
    first = feed.records[0]
    assert first.title == "Math Takes Two: A test for emergent mathematical reasoning in communication"
    assert first.abstract.startswith("Although language models demonstrate")  # preamble gone
    assert "Announce Type" not in first.abstract and "arXiv:" not in first.abstract
    assert first.arxiv_version == 1 and first.announce_type == "new"
    assert first.authors == ["Michael Cooper", "Samuel Cooper"]
    assert first.categories == ["cs.AI", "cs.LG"]
    assert first.source_label == "arXiv (cs.AI)"
    assert first.published == date(2026, 4, 27)  # the publisher's own day, not UTC's
    assert first.abs_url == "https://arxiv.org/abs/2604.21935" and first.pdf_url == "https://arxiv.org/pdf/2604.21935"


def test_arxiv_latex_textbf_is_unwrapped():
    rec = parse_document(fixture_bytes(CS_AI)).records[1]
    assert "\\textbf" not in rec.abstract
    assert "adaptability, the ability to configure workflows" in rec.abstract


def test_arxiv_creators_with_double_spaces():
    body = fixture_bytes(CS_AI).replace(b"Michael Cooper, Samuel Cooper", b"Michael  Cooper,  Samuel   Cooper")
    assert parse_document(body).records[0].authors == ["Michael Cooper", "Samuel Cooper"]


def test_renamed_arxiv_namespace_prefix_still_reads_announce_type():
    body = (
        fixture_bytes(CS_AI).replace(b"xmlns:arxiv=", b"xmlns:ax=").replace(b"arxiv:announce_type", b"ax:announce_type")
    )
    body = body.replace(b"<ax:announce_type>new</ax:announce_type>", b"<ax:announce_type>cross</ax:announce_type>", 1)
    body = body.replace(b"Announce Type: new", b"Announce Type: new", 1)
    recs = parse_document(body).records
    assert recs[0].announce_type == "cross"  # from the element, under its renamed prefix


def test_replace_cross_and_doi_and_journal_ref():
    body = fixture_bytes(CS_AI)
    body = body.replace(
        b"<arxiv:announce_type>new</arxiv:announce_type>",
        b"<arxiv:announce_type>replace-cross</arxiv:announce_type>\n<arxiv:DOI>10.1000/XYZ.123</arxiv:DOI>\n"
        b"<arxiv:journal_reference>J. Test 1 (2026)</arxiv:journal_reference>",
        1,
    )
    body = body.replace(b"oai:arXiv.org:2604.21935v1", b"oai:arXiv.org:2604.21935v3")
    rec = parse_document(body).records[0]
    assert rec.announce_type == "replace-cross" and rec.arxiv_version == 3
    assert rec.doi == "10.1000/xyz.123" and "doi:10.1000/xyz.123" in rec.aliases
    assert rec.journal_ref == "J. Test 1 (2026)"
    assert rec.id == "2604.21935"  # bare id, no version


def test_empty_sunday_channel_has_skip_days():
    feed = parse_document(fixture_bytes("arxiv-rss-cs-empty-sunday-xlr-aex.xml"))
    assert feed.records == []
    assert feed.meta.skip_days == ("Saturday", "Sunday")
    assert feed.meta.published == date(2026, 3, 29)


def test_arxiv_api_atom_new_format():
    feed = parse_document(fixture_bytes("arxiv-api-atom-newformat-2026-darmindark691.xml"))
    assert feed.meta.format == "arxiv-atom" and feed.meta.categories == ()
    ids = [r.id for r in feed.records]
    assert len(ids) == 20 and ids[0] == "cs/9909009" and "cond-mat/0408190" in ids
    first = feed.records[0]
    assert first.categories[0] == "cs.AI"  # arxiv:primary_category without scheme, first
    assert first.authors == ["Krzysztof R. Apt"]
    assert first.abstract.startswith("We provide here a simple")
    v2 = next(r for r in feed.records if r.id == "2308.02540")
    assert v2.arxiv_version == 2 and v2.announce_type == "replace"


@pytest.mark.parametrize(
    "body, message",
    [
        (fixture_bytes("arxiv-api-error-rate-exceeded-darmindark691.xml"), "Rate exceeded"),
        (b"", "empty response body"),
        (b"   \n", "empty response body"),
        (
            b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>busy</body></html>",
            "HTML page",
        ),
        (b"<rss version='2.0'><channel><title>x</title><item><title>broken", "broken XML"),
        (b"<?xml version='1.0'?><note>not a feed</note>", "not a feed"),
        (b'{"messages": [{"status": "no posts found"}], "collection": []}', "status 'no posts found'"),
        (b'{"oops": 1', "broken JSON"),
        (b"Service temporarily unavailable", "plain text"),
    ],
)
def test_bad_responses_are_clear_errors(body, message):
    with pytest.raises(FeedError, match=message):
        parse_document(body)


def test_a_plain_text_body_is_named_by_kind_and_size_never_printed():
    readme = b"# AcademicHub\n\nOn a fresh machine, clone and install.\n" + b"x" * 2300
    with pytest.raises(FeedError) as caught:
        parse_document(readme)
    assert str(caught.value) == "plain text (2,354 bytes), not a feed"
    with pytest.raises(FeedError, match="'Rate exceeded.' \\(plain text\\)"):  # arXiv's own answer, named
        parse_document(b"Rate exceeded.")


def test_biorxiv_rss_cdata_whitespace_and_surname_authors():
    feed = parse_document(fixture_bytes("biorxiv-rss-genomics-feed-rs-trimmed.xml"))
    rec = feed.records[0]
    assert rec.id == "doi:10.1101/2023.12.16.571984"
    assert rec.title.startswith("Complete genome of the Medicago anthracnose fungus") and not rec.title.endswith(" ")
    assert rec.authors[:3] == ["N. LAPALU", "A. SIMON", "A. Lu"]
    assert rec.authors[-1] == "R. J. O'Connell" and len(rec.authors) == 10
    assert rec.source_label == "bioRxiv (Genomics)" and rec.server == "biorxiv"
    assert rec.abs_url == "http://biorxiv.org/cgi/content/short/2023.12.16.571984v1"
    assert rec.published == date(2023, 12, 16)


def test_medrxiv_details_json_debris_and_greek():
    feed = parse_document(fixture_bytes("medrxiv-api-details-fabianofilho-trimmed.json"))
    assert feed.meta.format == "rxiv-json"
    ids = [r.id for r in feed.records]
    assert ids[0] == "doi:10.64898/2026.09.13.26362948"
    shunt, abr = feed.records[1], feed.records[2]
    assert "{rho}" not in shunt.abstract and "(ρ = 0.94" in shunt.abstract
    assert shunt.abstract.startswith("Background: The modified Blalock")
    for debris in ("O_SCPLOW", "C_SCPLOW", "O_ST_ABS", "C_LIO", "SCPCAP"):
        assert debris not in abr.abstract
    assert shunt.authors[0] == "Y. Qiao" and shunt.server == "medrxiv"
    assert feed.records[0].source_label == "medRxiv (Nephrology)"
    assert (
        parse_document(fixture_bytes("medrxiv-api-details-fabianofilho-trimmed.json"), label="medRxiv (Medicine)")
        .records[0]
        .source_label
        == "medRxiv (Medicine)"
    )


def test_nature_rss_kinds_no_abstract_and_no_author():
    feed = parse_document(fixture_bytes("nature-rss-dakesan.xml"))
    assert len(feed.records) == 75 and feed.meta.title == "Nature"
    by_id = {r.id: r for r in feed.records}
    article = by_id["doi:10.1038/s41586-024-07811-4"]
    assert article.title == "Catalysis of an SN2 pathway by geometric preorganization"
    assert article.abstract == ""  # Nature repeats the title where an abstract would be
    assert article.authors == ["Gabriel J. Lovinger", "Marcus H. Sak", "Eric N. Jacobsen"]
    assert article.kind == "article"
    news = by_id["doi:10.1038/d41586-024-02352-2"]
    assert news.kind == "news" and news.abstract.startswith("Inhibiting a protein")
    assert "Published online" not in news.abstract
    corrections = [r for r in feed.records if r.title.startswith("Author Correction")]
    assert corrections and all(r.kind == "correction" for r in corrections)
    no_author = [r for r in feed.records if not r.authors]
    assert len(no_author) == 4  # SOURCES.md: 4 items have no dc:creator; no placeholder stored
    assert not any("未知" in a or a.lower() == "unknown" for r in feed.records for a in r.authors)
    assert "&#xa0;" not in by_id[next(i for i, r in by_id.items() if r.title.startswith("Psilocybin"))].title


def test_science_title_suffix_and_placeholder_author():
    body = b"""<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Science</title>
<item><title>A Hormone Cell Atlas maps the human endocrine system at cellular resolution | Science</title>
<link>https://www.science.org/doi/10.1126/science.adq0001</link><dc:creator>\xe6\x9c\xaa\xe7\x9f\xa5\xe4\xbd\x9c\xe8\x80\x85</dc:creator>
<description>Hormones act across &lt;i&gt;tissues&lt;/i&gt; and organs.</description></item></channel></rss>"""
    rec = parse_document(body, label="Science").records[0]
    assert rec.title == "A Hormone Cell Atlas maps the human endocrine system at cellular resolution"
    assert rec.authors == []  # "未知作者" is a placeholder, not a name
    assert rec.abstract == "Hormones act across tissues and organs."
    assert rec.id == "doi:10.1126/science.adq0001" and rec.source_label == "Science"


def test_multi_category_arxiv_feed_labels_by_the_feed_category():
    body = fixture_bytes(CS_AI).replace(b"http://rss.arxiv.org/rss/cs.AI", b"http://rss.arxiv.org/rss/cs.LG+cs.AI")
    body = body.replace(
        b"<title>cs.AI updates on arXiv.org</title>", b"<title>cs.LG+cs.AI updates on arXiv.org</title>"
    )
    feed = parse_document(body)
    assert feed.meta.categories == ("cs.LG", "cs.AI")
    labels = [r.source_label for r in feed.records]
    # categories cs.AI,cs.LG -> the first of the paper's categories that the feed covers
    assert labels[0] == "arXiv (cs.AI)"


def test_journal_atom_feed():
    body = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">\
<title>Cell: Online Now</title>
<id>https://www.cell.com/cell/current</id><updated>2026-06-20T00:00:00Z</updated>
<entry><title>Retraction Note: Old result</title><id>https://doi.org/10.1016/j.cell.2026.06.001</id>
<link href="https://www.cell.com/cell/fulltext/S0092-8674(26)00001-1"/><updated>2026-06-20T00:00:00Z</updated>
<author><name>A. Author</name></author><author><name>B. Author</name></author>\
<summary>Short.</summary></entry></feed>"""
    feed = parse_document(body)
    assert feed.meta.format == "journal-atom"
    rec = feed.records[0]
    assert rec.id == "doi:10.1016/j.cell.2026.06.001" and rec.kind == "retraction"
    assert rec.authors == ["A. Author", "B. Author"] and rec.source_label == "Cell: Online Now"
