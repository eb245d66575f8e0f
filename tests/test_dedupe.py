"""Deduplication rules, on records parsed from the real feeds."""

from __future__ import annotations

from dataclasses import replace

from academichub.papers.dedupe import Batch, Known, PaperState, merge_batches
from academichub.papers.parse import parse_document
from academichub.papers.records import PaperRecord
from tests.conftest import fixture_bytes


def records(name: str, **kw) -> list[PaperRecord]:
    return parse_document(fixture_bytes(name), **kw).records


def test_cross_listing_is_one_paper_with_merged_categories_and_labels():
    ai = records("arxiv-rss-csAI-jmamath-trimmed.xml")
    # The same paper as the cs.LG feed would list it: announce type cross, label arXiv (cs.LG).
    as_cross = replace(
        ai[0], announce_type="cross", source_label="arXiv (cs.LG)", categories=["cs.AI", "cs.LG", "stat.ML"]
    )
    out = merge_batches([Batch("arxiv-cs.AI", ai), Batch("arxiv-cs.LG", [as_cross])], Known())
    assert out.created == [r.id for r in ai]
    paper = out.papers[ai[0].id]
    assert paper.categories == ["cs.AI", "cs.LG", "stat.ML"]  # primary first, union after
    assert paper.source_labels == ["arXiv (cs.AI)", "arXiv (cs.LG)"]
    assert [(m.incoming, m.reason) for m in out.merges] == [(ai[0].id, "cross-listing")]
    assert list(out.edition) == [r.id for r in ai]  # once each
    assert ("arxiv-cs.LG", ai[0].id, "cross") in out.listings


def test_replacement_updates_the_paper_and_stays_out_of_the_edition():
    ai = records("arxiv-rss-csAI-jmamath-trimmed.xml")
    first = merge_batches([Batch("arxiv-cs.AI", ai)], Known())
    known = Known(aliases=dict(first.new_aliases), papers=first.papers)
    v2 = replace(
        ai[0], arxiv_version=2, announce_type="replace", title="Math Takes Two (revised)", abstract="New abstract."
    )
    out = merge_batches([Batch("arxiv-cs.AI", [v2])], known)
    assert out.created == [] and out.updated == {ai[0].id}
    assert out.papers[ai[0].id].title == "Math Takes Two (revised)" and out.papers[ai[0].id].arxiv_version == 2
    assert out.edition == {}


def test_replacement_first_seen_is_stored_but_only_in_edition_when_asked():
    ai = records("arxiv-rss-csAI-jmamath-trimmed.xml")
    rep = [replace(r, announce_type="replace-cross") for r in ai]
    assert merge_batches([Batch("s", rep)], Known()).edition == {}
    assert len(merge_batches([Batch("s", rep, include_replacements=True)], Known()).edition) == 3


def test_same_doi_from_two_feeds_is_one_paper():
    bio = records("biorxiv-rss-genomics-feed-rs-trimmed.xml")
    again = replace(bio[0], source_label="bioRxiv (All)")
    out = merge_batches([Batch("biorxiv-genomics", bio), Batch("biorxiv-all", [again])], Known())
    assert out.created == [bio[0].id]
    assert out.papers[bio[0].id].source_labels == ["bioRxiv (Genomics)", "bioRxiv (All)"]


def test_arxiv_doi_links_the_journal_item_with_that_doi():
    ai = records("arxiv-rss-csAI-jmamath-trimmed.xml")
    pre = replace(ai[0], doi="10.1038/s41586-024-07811-4", aliases=["doi:10.1038/s41586-024-07811-4"])
    nature = records("nature-rss-dakesan.xml", label="Nature")[0]  # doi:10.1038/s41586-024-07811-4
    out = merge_batches([Batch("arxiv-cs.AI", [pre]), Batch("nature", [nature])], Known())
    assert nature.id not in out.created
    assert out.papers[pre.id].source_labels == ["arXiv (cs.AI)", "Nature"]
    assert out.merges[-1].reason == "same DOI"


def test_preprint_and_journal_version_by_title_and_authors():
    bio = records("biorxiv-rss-genomics-feed-rs-trimmed.xml")[0]
    journal = PaperRecord(
        id="doi:10.1000/jour.2024.1",
        title=(
            "Complete genome of the Medicago anthracnose fungus Colletotrichum destructivum reveals "
            "a mini-chromosome-like region within a core chromosome"
        ),
        authors=["Nicolas Lapalu", "Adeline Simon", "Richard J. O'Connell"],
        source_label="Journal of Tests",
        server="journal",
        kind="article",
        doi="10.1000/jour.2024.1",
        journal_ref="Journal of Tests",
    )
    from academichub.papers.normalise import title_key

    journal.title_key = title_key(journal.title)
    first = merge_batches([Batch("biorxiv", [bio])], Known())
    known = Known(
        aliases=dict(first.new_aliases),
        papers=first.papers,
        preprints=[(bio.id, bio.title_key, frozenset({"lapalu", "simon", "oconnell"}))],
    )
    out = merge_batches([Batch("journal", [journal])], known)
    assert out.created == []
    assert out.new_aliases == {journal.id: bio.id}
    assert out.papers[bio.id].journal_ref == "Journal of Tests (doi:10.1000/jour.2024.1)"
    assert out.merges[0].reason == "preprint and journal version"
    # Same title but no shared author: not linked.
    stranger = replace(journal, id="doi:10.1000/other", doi="10.1000/other", authors=["Someone Else"])
    assert merge_batches([Batch("journal", [stranger])], known).created == ["doi:10.1000/other"]


def test_merging_the_same_input_twice_changes_nothing():
    recs = records("nature-rss-dakesan.xml") + records("arxiv-rss-csLG-jmamath-trimmed.xml")
    first = merge_batches([Batch("x", recs)], Known())
    known = Known(aliases=dict(first.new_aliases), papers=first.papers)
    second = merge_batches([Batch("x", recs)], known)
    assert second.created == [] and second.updated == set() and second.new_aliases == {} and second.edition == {}


def test_a_journal_title_of_only_common_words_still_finds_its_preprint():
    """A near-identical title whose every word is common in the pool, and whose one rare word is
    spelled differently, is still linked: the titles that can reach the cut-off are found by their
    character counts, never by shared words."""
    from academichub.papers.normalise import title_key

    common = "learning neural networks quantum transformer diffusion"
    others = [(f"2601.{i:05d}", title_key(f"{common} variant {i}"), frozenset({f"author{i}"})) for i in range(400)]
    title = "Learning neural networks for quantum transformer diffusion"
    preprint = ("2601.99999", title_key(title), frozenset({"lapalu"}))
    stored = PaperState(id="2601.99999", title=title, server="arxiv")
    known = Known(aliases={"2601.99999": "2601.99999"}, papers={"2601.99999": stored}, preprints=[*others, preprint])
    journal = PaperRecord(
        id="doi:10.1000/common",
        title="Learning neural networks for quantum transformers diffusion",  # one letter more
        authors=["Nicolas Lapalu"],
        source_label="Journal of Tests",
        server="journal",
        kind="article",
        doi="10.1000/common",
    )
    journal.title_key = title_key(journal.title)
    out = merge_batches([Batch("journal", [journal])], known)
    assert out.created == [] and out.new_aliases == {journal.id: "2601.99999"}
    assert out.merges[0].reason == "preprint and journal version"


def test_the_character_count_bound_never_leaves_out_a_title_over_the_cut_off():
    import random

    from rapidfuzz import fuzz

    from academichub.papers.dedupe import TITLE_MATCH_CUTOFF, _PreprintPool

    rng = random.Random(5)
    alphabet = "abcde fghij 0123 éü中"
    base = ["".join(rng.choice(alphabet) for _ in range(rng.randint(20, 80))) for _ in range(300)]
    titles = base + ["".join(c for c in t if rng.random() > 0.04) for t in base]  # near copies
    pool = _PreprintPool([(str(i), t, frozenset()) for i, t in enumerate(titles)])
    for query in rng.sample(titles, 60):
        reach = set(pool.within_reach(query, TITLE_MATCH_CUTOFF))
        over = {i for i, t in enumerate(titles) if fuzz.ratio(query, t) >= TITLE_MATCH_CUTOFF}
        assert over <= reach and len(reach) < len(titles) / 4
