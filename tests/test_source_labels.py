"""One vocabulary for sources and categories (issue 14): a paper's source is shown in one form in the
API, the CLI, the pages and the emails (``arXiv (cs.AI)`` as the catalogue writes the category, a journal
by its catalogue name), the web's source filter takes the label a reader sees in any case, and its
category filter offers what the CLI and the preference page accept (``medrxiv``, not ``medicine``)."""

from __future__ import annotations

import json
import re

import pytest

from academichub.papers.catalogue import bundled_catalogue
from academichub.papers.labels import arxiv_category, shown_label, source_matches, subject_label
from tests.conftest import run_cli, sample_day_site

DAY = "2026-06-22"
CATALOGUE = bundled_catalogue()
ARXIV_KEYS = sorted(e.key for e in CATALOGUE.entries if e.kind == "arxiv")
JOURNALS = {e.label_en for e in CATALOGUE.entries if e.kind == "journal"}


def one_form(label: str) -> bool:
    """A label in the one form: arXiv with a catalogue key, a catalogue journal, or a preprint server's subject."""
    m = re.fullmatch(r"arXiv \((.+)\)", label)
    if m:
        return m.group(1) in ARXIV_KEYS
    return label in JOURNALS or re.fullmatch(r"(medRxiv|bioRxiv) \([A-Z][^()]*\)", label) is not None


def test_every_arxiv_category_is_written_as_the_catalogue_writes_it() -> None:
    for key in ARXIV_KEYS:  # labels stored in the old upper-case form come back as the key
        assert arxiv_category(key.upper()) == key
        assert shown_label(f"arXiv ({key.upper()})") == f"arXiv ({key})"
    assert shown_label("arXiv (CS.AI)") == "arXiv (cs.AI)" and shown_label("arXiv (quant-ph)") == "arXiv (quant-ph)"


def test_a_journal_is_shown_by_its_catalogue_name() -> None:
    assert shown_label("Science (Express)", "journal") == "Science"
    assert all(shown_label(label, "journal") == label for label in JOURNALS)
    assert shown_label("medRxiv (Epidemiology)", "medrxiv") == "medRxiv (Epidemiology)"  # only journals lose (...)
    assert subject_label("medRxiv", "allergy and immunology") == "medRxiv (Allergy and Immunology)"


def test_the_source_filter_takes_what_a_reader_sees() -> None:
    for typed in ("Science", "science", "SCIENCE", "Science (Express)", " science "):
        assert source_matches(typed, "Science"), typed
    for typed in ("arXiv (cs.AI)", "arxiv (cs.ai)", "arXiv (CS.AI)"):
        assert source_matches(typed, "arXiv (cs.AI)"), typed
    assert not source_matches("Nature", "Science") and not source_matches("arXiv (cs.LG)", "arXiv (cs.AI)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from sample_day_site(tmp_path_factory, "labels")


def test_api_cli_and_page_show_one_form(site, capsys, monkeypatch) -> None:
    _app, client, _ = site
    api = {p["source"] for p in client.get(f"/api/editions/{DAY}").json()["papers"]}
    code, out, err = run_cli(capsys, monkeypatch, "papers", "--json", "--date", DAY)
    assert code == 0, err
    cli = {p["source"] for p in json.loads(out)}
    assert api == cli and "arXiv (cs.AI)" in api and "arXiv (quant-ph)" in api and "Science" in api
    assert all(one_form(label) for label in api), api
    page = client.get(f"/editions/{DAY}?lang=en").text
    shown = set(re.findall(r'<option value="([^"]*)"', page)) - {""}
    assert api <= shown and "arXiv (CS.AI)" not in page and "Science (Express)" not in page


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("source=Science", 2),  # the README's example
        ("source=science", 2),
        ("source=Science (Express)", 2),  # the feed's own name, as an older page listed it
        ("source=arXiv (cs.AI)", 9),
        ("source=ARXIV (CS.AI)", 9),
        ("category=medrxiv", 4),  # what `--categories` and the preference page say
        ("category=cs.LG", 5),
        ("category=CS.lg", 5),
        ("source=Nature", 0),
    ],
)
def test_the_filters_find_the_papers(site, query: str, count: int) -> None:
    _app, client, _ = site
    page = client.get(f"/editions/{DAY}?lang=en&{query}").text
    assert page.count('class="card paper"') == count, query


def test_the_category_filter_offers_what_a_reader_may_choose(site) -> None:
    _app, client, _ = site
    page = client.get(f"/editions/{DAY}?lang=en&category=MEDRXIV").text
    select = page.split('id="category"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]*)"', select)
    assert "medrxiv" in options and "medicine" not in options and "cs.LG" in options
    assert all(o == "" or o in CATALOGUE for o in options), options
    assert '<option value="medrxiv" selected>' in select  # the typed filter is the option it means
