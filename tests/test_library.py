"""A radar seeded from the reader's own papers (issue 16 part 3): the library parsers (BibTeX, RIS,
CSL-JSON, id lists; broken entries among good ones; hostile input), resolution of bare ids against
the stored papers and local arXiv/Crossref servers, storage on both databases, and `match --library`."""

from __future__ import annotations

import json
import time

import pytest

from academichub.db import open_database, session_scope
from academichub.papers import library as lib
from academichub.papers.library import LibraryEntry, LibraryError, parse_library
from academichub.papers.resolve import resolve_entries
from academichub.settings import SAMPLE_DAY_DIR, Settings
from tests.conftest import FIXTURES, run_cli

BIBTEX = rb"""% exported by Zotero
@article{smith2020,
  title = {Quantum {E}rror Correction with K\"{a}hler manifolds},
  author = {Smith, John and M\"uller, Anna},
  year = {2020},
  abstract = {We study $\epsilon$-close codes.},
  doi = {10.1103/PhysRevX.10.1234},
}
@article{broken,
  title = {Unclosed brace
@misc{vaswani2017, title="Attention is all you need", eprint={1706.03762v5}, archivePrefix={arXiv}, year=2017}
@article{scholar, title={Deep residual learning}, journal={arXiv preprint arXiv:1512.03385}, year={2015}}
@article{nothing, author={Nobody}}
"""

RIS = b"""TY  - JOUR
TI  - A paper on petz recovery
AB  - An abstract.
PY  - 2019
DO  - https://doi.org/10.1000/XYZ123
ER  -
TY  - JOUR
AU  - Someone
ER  -
TY  - JOUR
T1  - Never ended
""".replace(b"ER  -", b"ER  - ")  # RIS's end tag is "ER  - " (a space after the dash)

CSL = json.dumps(
    [
        {"id": "a", "title": "CSL <i>one</i>", "DOI": "10.1234/ABC", "issued": {"date-parts": [[2021, 3]]}},
        {"id": "b", "title": 5},
        3,
        {"id": "c", "URL": "http://arxiv.org/abs/2101.00001v1", "title": "An arXiv preprint"},
    ]
).encode()

IDS = (
    b"# my papers\n2401.01234v2\narXiv:cs/9909009\nhttps://arxiv.org/abs/2312.00001\n\n"
    b"https://doi.org/10.1038/S41586-020-2649-2\nhello world\n"
)


@pytest.mark.parametrize(
    ("data", "name", "fmt", "ids", "problems"),
    [
        (
            BIBTEX,
            "x.bib",
            "bibtex",
            ["doi:10.1103/physrevx.10.1234", "1706.03762", "1512.03385"],
            ["entry 2 (line 9", "entry 5 ('nothing', line 13): no title and no arXiv id or DOI"],
        ),
        (
            RIS,
            "x.ris",
            "ris",
            ["doi:10.1000/xyz123"],
            ["record 2 (line 7): no title", "record 3 (line 10): the record has no end"],
        ),
        (
            CSL,
            "x.json",
            "csl-json",
            ["doi:10.1234/abc", "2101.00001"],
            ["entry 2 ('b'): title must be a string", "entry 3: an item must be an object, not int"],
        ),
        (
            IDS,
            "x.txt",
            "ids",
            ["2401.01234", "cs/9909009", "2312.00001", "doi:10.1038/s41586-020-2649-2"],
            ["line 7: 'hello world' is not an arXiv id or a DOI"],
        ),
    ],
)
def test_each_format_keeps_good_entries_and_names_the_broken_ones(data, name, fmt, ids, problems):
    parsed = parse_library(data, None)  # detected from the content, not the name
    assert parsed.format == fmt
    assert [e.id for e in parsed.entries] == ids
    for expected in problems:
        assert any(p.startswith(expected) for p in parsed.problems), (expected, parsed.problems)
    assert len(parsed.problems) == len(problems)


def test_bibtex_latex_becomes_text_and_fields_are_read():
    first = parse_library(BIBTEX, "x.bib").entries[0]
    assert first.title == "Quantum Error Correction with Kähler manifolds"
    assert first.abstract == "We study ϵ-close codes." and first.year == 2020 and first.source == "bibtex"
    assert parse_library(CSL).entries[0].title == "CSL one"  # markup removed


def test_hostile_input_is_bounded_and_refused_clearly():
    with pytest.raises(LibraryError, match="at most"):
        parse_library(b"x" * (lib.MAX_FILE_BYTES + 1))
    with pytest.raises(LibraryError, match="not a text file"):
        parse_library(b"\x00\x01\x02binary")
    with pytest.raises(LibraryError, match="nested too deeply"):
        parse_library(b"[" * 100_000)
    with pytest.raises(LibraryError, match="no paper could be read"):
        parse_library(b"nothing here\nat all\n")
    with pytest.raises(LibraryError, match="not valid JSON"):
        parse_library(b'[{"title": "x"')
    many = parse_library("\n".join(f"2401.{i:05d}" for i in range(lib.MAX_ENTRIES + 5)).encode())
    assert len(many.entries) == lib.MAX_ENTRIES and "the rest were not read" in many.problems[0]
    huge = parse_library(b"@article{k, title={" + b"word " * 50_000 + b"}, abstract={" + b"a " * 100_000 + b"}}")
    entry = huge.entries[0]
    assert len(entry.title) <= lib.TITLE_MAX + 1 and len(entry.abstract) <= lib.ABSTRACT_MAX + 1
    control = parse_library(b'[{"title": "bad\\u0000title\\u0007 here"}]').entries[0]
    assert control.title == "bad title here"
    problems = parse_library(b"2401.00001\n" + b"junk\n" * 200).problem_lines()
    assert len(problems) == lib.MAX_PROBLEMS + 1 and problems[-1] == "... and 150 more problem(s)"


def test_duplicates_are_one_entry():
    parsed = parse_library(b"2401.00001\n2401.00001v3\nhttps://arxiv.org/abs/2401.00001\n")
    assert [e.id for e in parsed.entries] == ["2401.00001"]


# --- resolution ------------------------------------------------------------------------------


@pytest.fixture
def stored_day(settings):
    """The sample day ingested into the test database."""
    from academichub.papers.ingest import run_ingest

    engine = open_database(settings)
    run_ingest(settings, engine, paths=[str(SAMPLE_DAY_DIR)], day=__import__("datetime").date(2026, 6, 22))
    return engine


def test_ids_resolve_from_the_stored_papers_offline(settings, stored_day):
    entries = [LibraryEntry(id="2606.12020", source="ids"), LibraryEntry(id="doi:10.9999/unknown", source="ids")]
    out = resolve_entries(entries, stored_day, settings, offline=True)
    assert entries[0].title.startswith("Experimental Tabletop Petz recovery") and entries[0].source == "corpus"
    assert entries[0].abstract and out.corpus == 1
    assert out.unresolved == ["doi:10.9999/unknown"] and "offline" in out.notes[0]


# The arXiv answer is a recorded real API response (tests/fixtures/SOURCES.md); Crossref's is the
# shape its REST API documents for /works/{doi} (github.com/CrossRef/rest-api-doc, api_format.md:
# "message" with "title" as an array of strings, "abstract" as a JATS snippet, "issued" as
# date-parts), with an unknown DOI answered 404 "Resource not found.".
CROSSREF_WORK = {
    "status": "ok",
    "message-type": "work",
    "message-version": "1.0.0",
    "message": {
        "DOI": "10.1038/s41586-020-2649-2",
        "type": "journal-article",
        "title": ["Array programming with NumPy"],
        "abstract": "<jats:p>Array programming provides a powerful, compact and expressive syntax.</jats:p>",
        "issued": {"date-parts": [[2020, 9, 16]]},
    },
}


def test_ids_resolve_from_arxiv_and_crossref_on_local_servers(settings, httpserver):
    engine = open_database(settings)
    httpserver.expect_request("/api/query").respond_with_data(
        (FIXTURES / "arxiv-api-atom-newformat-2026-darmindark691.xml").read_bytes(),
        content_type="application/atom+xml",
    )
    httpserver.expect_request("/works/10.1038/s41586-020-2649-2").respond_with_json(CROSSREF_WORK)
    httpserver.expect_request("/works/10.9999/missing").respond_with_data("Resource not found.", status=404)
    local = settings.model_copy(
        update={
            "library_arxiv_api": httpserver.url_for("/api/query"),
            "library_crossref_api": httpserver.url_for("/works"),
        }
    )
    entries = [
        LibraryEntry(id="cs/9909009", source="ids"),
        LibraryEntry(id="doi:10.1038/s41586-020-2649-2", source="ids"),
        LibraryEntry(id="doi:10.9999/missing", source="ids"),
    ]
    out = resolve_entries(entries, engine, local, offline=False)
    assert entries[0].title == "The Rough Guide to Constraint Propagation" and entries[0].source == "arxiv"
    assert entries[0].year == 1999 and entries[0].abstract
    assert entries[1].title == "Array programming with NumPy" and entries[1].year == 2020
    assert entries[1].abstract.startswith("Array programming provides") and "<" not in entries[1].abstract
    assert (out.arxiv, out.crossref, out.unresolved) == (1, 1, ["doi:10.9999/missing"])
    assert "Crossref does not know doi:10.9999/missing" in out.notes
    query = httpserver.log[0][0]
    assert query.args["id_list"] == "cs/9909009" and "AcademicHub" in query.headers["User-Agent"]


def test_no_network_fails_fast_with_a_note(settings):
    engine = open_database(settings)
    down = settings.model_copy(
        update={"library_arxiv_api": "http://127.0.0.1:9/api", "library_crossref_api": "http://127.0.0.1:9/works"}
    )
    entries = [LibraryEntry(id="2401.00001"), LibraryEntry(id="doi:10.1000/a1"), LibraryEntry(id="doi:10.1000/a2")]
    started = time.monotonic()
    out = resolve_entries(entries, engine, down, offline=False)
    assert time.monotonic() - started < 10
    assert len(out.unresolved) == 3 and any("arXiv look-up failed" in n for n in out.notes)


# --- storage ----------------------------------------------------------------------------------


def test_library_is_stored_on_the_profile_on_both_databases(db_url, tmp_path):
    from subscribers.library import library_of, set_library
    from subscribers.service import ProfileInput, changes_of, get_subscriber, upsert_subscriber

    engine = open_database(Settings(database_url=db_url, outbox_dir=tmp_path, _env_file=None))
    rows = [e.as_row() for e in parse_library(BIBTEX).entries]
    with session_scope(engine) as session:
        sub, profile, _ = upsert_subscriber(session, "R@Example.org", ProfileInput(interests="codes"))
        assert set_library(session, sub, profile, rows + [{"title": "\x00x" * 500, "year": True}, "junk"], via="cli")
    with session_scope(engine) as session:
        sub, profile = get_subscriber(session, "r@example.org")
        stored = library_of(profile)
        assert [r["id"] for r in stored[:3]] == ["doi:10.1103/physrevx.10.1234", "1706.03762", "1512.03385"]
        assert len(stored) == 4 and len(stored[3]["title"]) == 300 and stored[3]["year"] is None
        assert "\x00" not in stored[3]["title"]
        assert changes_of(session, sub.key)[-1].changes == [["library", "0 papers", "4 papers"]]


# --- the command line -------------------------------------------------------------------------


def test_match_library_via_the_cli(env_settings, capsys, monkeypatch):
    code, _, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, err
    path = env_settings / "mine.bib"
    path.write_bytes(
        b"@article{me, title={Quantum error correction with bosonic codes}, year={2024},"
        b" abstract={Error mitigation and the Petz recovery map for noisy quantum channels.}}\n"
        b"@article{bad, title={oops\n"
    )
    code, out, err = run_cli(capsys, monkeypatch, "match", "--library", str(path), "--top", "3", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert found[0]["id"] == "2606.12020" and set(found[0]) == {"id", "title", "score", "reasons", "radar"}
    assert found[0]["reasons"][0] == "close to your paper: Quantum error correction with bosonic codes"
    assert "entry 2 (line 2" in err  # the broken entry is named, the good one used
    # A list of ids resolved from the stored papers: the reader's own paper is not sent back.
    ids = env_settings / "ids.txt"
    ids.write_text("2606.12020\n")
    code, out, err = run_cli(
        capsys, monkeypatch, "match", "--library", str(ids), "--interests", "quantum", "--offline", "--json"
    )
    assert code == 0, err
    found = json.loads(out)
    assert found and "2606.12020" not in [f["id"] for f in found]
    assert "resolved 1 from the stored papers" in err
    code, out, err = run_cli(capsys, monkeypatch, "match", "--library", str(env_settings / "missing.bib"))
    assert code == 2 and "no such file" in err
    code, out, err = run_cli(
        capsys, monkeypatch, "subscribers", "add", "r@example.org", "--library", str(path), "--offline"
    )
    assert code == 0 and "holds 1 paper(s)" in out, err
    code, out, _ = run_cli(capsys, monkeypatch, "subscribers", "export", "--json")
    assert json.loads(out)[0]["library"] == 1
    code, out, _ = run_cli(capsys, monkeypatch, "match", "--subscriber", "r@example.org", "--json", "--top", "3")
    assert json.loads(out)[0]["reasons"][0].startswith("close to your paper:")
    # A second radar seeded from a library of its own: its matches come under it, with the reason.
    code, out, err = run_cli(
        capsys, monkeypatch, "subscribers", "radar", "add", "r@example.org", "qec", "--interests", "error",
        "--library", str(path), "--offline",
    )  # fmt: skip
    assert code == 0 and "Its library holds 1 paper(s)" in out, err
    code, out, _ = run_cli(capsys, monkeypatch, "subscribers", "radar", "list", "r@example.org", "--json")
    assert [r["name"] for r in json.loads(out)] == ["main", "qec"]


def test_match_an_id_list_names_the_library_paper_and_the_words_shared(env_settings, capsys, monkeypatch):
    """A library alone picks papers by their nearest library paper: the "why" names it (and the words
    shared with it) even when it is only the nearest, and the reader's own paper of the day is said
    to be left out."""
    code, _, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, err
    ids = env_settings / "ids.txt"
    ids.write_text("2606.14822\n")
    code, out, err = run_cli(capsys, monkeypatch, "match", "--library", str(ids), "--offline", "--top", "2", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert len(found) == 2 and "2606.14822" not in [f["id"] for f in found]
    for f in found:
        assert f["reasons"][0] == "close to your paper: Quantum Machine Learning for Industrial Applications"
        assert f["reasons"][1].startswith("it matches “")
    assert "Left out, being in your library: 2606.14822" in err
    code, out, err = run_cli(capsys, monkeypatch, "match", "--library", str(ids), "--offline", "--top", "2")
    assert code == 0 and out.count("close to your paper") == 2, out
