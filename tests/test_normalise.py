from __future__ import annotations

import pytest

from academichub.papers.normalise import (
    classify_kind,
    clean_abstract,
    clean_doi,
    clean_title,
    find_arxiv_id,
    latex_to_unicode,
    split_arxiv_preamble,
    split_authors,
    title_key,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (r"an $\varepsilon$-approximation needs $\Omega(1/\varepsilon)$", "an ε-approximation needs Ω(1/ε)"),
        (r"K\"{a}hler and Schr\"odinger", "Kähler and Schrödinger"),
        (r"two \textbf{adaptability} and \emph{reproducibility}", "two adaptability and reproducibility"),
        (r"depth $O(\log L\log\log L)$ overhead", "depth O(log L log log L) overhead"),
        (r"\noindentBackground and Objective: x \par\noindentMethods: y", "Background and Objective: x Methods: y"),
        ("``tabletop reversibility''", "“tabletop reversibility”"),
        ("50% of cases, no latex", "50% of cases, no latex"),
        (r"error $\leq \epsilon$ at $n \times m$ and $\mathrm{Re} = 10^4$", "error ≤ ϵ at n × m and Re = 10^4"),
    ],
)
def test_latex_to_unicode(raw, expected):
    assert " ".join(latex_to_unicode(raw).split()) == expected


def test_complex_math_is_kept_as_written():
    raw = r"preparing $|\Psi\rangle = \frac{1}{\sqrt{3}}(|A,0\rangle)$ then"
    assert latex_to_unicode(raw) == raw


def test_percent_in_text_with_macros_is_not_a_comment():
    assert latex_to_unicode(r"\textbf{x} improves 40% and more") == "x improves 40% and more"


def test_html_titles():
    assert (
        clean_title("Superconductivity in La<sub>4</sub>Ni<sub>3</sub>O<sub>10</sub>")
        == "Superconductivity in La4Ni3O10"
    )
    assert clean_title("Split intein <i>trans</i>-splicing") == "Split intein trans-splicing"
    assert clean_title("Psilocybin desynchronizes the&#xa0;human brain") == "Psilocybin desynchronizes the human brain"
    assert clean_title("X maps Y | Science") == "X maps Y"
    assert clean_title("<script>alert(1)</script>Safe title") == "Safe title"


def test_abstract_html_and_jats():
    assert clean_abstract("<p>One.</p><p>Two &amp; three.</p>") == "One. Two & three."
    text = clean_abstract(
        "O_ST_ABSBackgroundC_ST_ABSWe did. C_LIO_LIFirst point C_LIO_LISecond ({beta} = 2, {Delta} up)", jats=True
    )
    assert text == "Background: We did. First point Second (β = 2, Δ up)"


def test_preamble_split():
    rest, info = split_arxiv_preamble("arXiv:2605.29669v2 Announce Type: replace-cross Abstract: Recent work")
    assert rest == "Recent work" and info == {"id": "2605.29669", "version": "2", "type": "replace-cross"}
    assert split_arxiv_preamble("No preamble here") == ("No preamble here", {})


def test_ids_and_dois():
    assert find_arxiv_id("oai:arXiv.org:2604.21935v1") == ("2604.21935", "1")
    assert find_arxiv_id("https://arxiv.org/abs/math.GT/0309136v2") == ("math.GT/0309136", "2")
    assert find_arxiv_id("https://example.org/x") is None
    assert clean_doi("doi:10.1101/2023.12.16.571984") == "10.1101/2023.12.16.571984"
    assert clean_doi("https://doi.org/10.1038/S41586-024-07811-4.") == "10.1038/s41586-024-07811-4"
    assert clean_doi("no doi") is None


def test_authors():
    assert split_authors("A. One, B. Two and C. Three") == ["A. One", "B. Two", "C. Three"]
    assert split_authors("Kumar, P.; Nicolis Di Robilant, M.", style="surname") == [
        "P. Kumar",
        "M. Nicolis Di Robilant",
    ]
    assert split_authors("未知作者") == [] and split_authors("  ") == [] and split_authors(None) == []


def test_kinds_and_labels():
    assert classify_kind("Author Correction: Genetic continuity") == "correction"
    assert classify_kind("Publisher Correction: X") == "correction"
    assert classify_kind("Retraction Note: X") == "retraction"
    assert classify_kind("Daily briefing: X") == "news"
    assert classify_kind("Real result", url="https://www.nature.com/articles/s41586-024-1") == "article"
    assert title_key("Kähler  Manifolds: a Survey!") == "kahler manifolds a survey"
