"""Hostile feeds: one bad item never poisons a batch, and a hostile feed costs little.

Inputs are generated small where the attack was large, or large only where the old quadratic or
expanding behaviour would have been absurdly slow (minutes) and the fixed code is fast. Nothing here
is timed: the costs are measured in bench/hostile_feed_bench.py.
"""

from __future__ import annotations

from academichub.papers.markup import html_to_text
from academichub.papers.normalise import clean_abstract, split_authors


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
