"""Themes and matching on the seed papers (the bundled sample day)."""

from __future__ import annotations

import pytest

from academichub.editions.themes import field_of, find_themes
from academichub.editions.vectorise import TfidfVectoriser
from academichub.matching.match import Matcher, ProfileSpec, author_key
from academichub.matching.zh import ChineseTerms, clean_senses, load_glossary, make_chinese_terms
from academichub.papers.views import PaperFacts
from tests.test_eval_quality import seed_papers

STROKE = "doi:10.1101/sample.2026-06-18.0004"


def theme_with(themes, pid):
    return next(t for t in themes if pid in t.paper_ids)


def test_themes_group_related_papers_and_mark_cross_domain():
    themes = find_themes(seed_papers())
    agents = theme_with(themes, "2602.14211")  # SkillJect, with the paper on over-privileged LLM agents
    assert "2606.90008" in agents.paper_ids and "agents" in agents.label
    medical = theme_with(themes, STROKE)
    assert "2606.16337" in medical.paper_ids  # clinical decision rules with a medRxiv stroke paper
    assert medical.cross_domain and medical.fields == ["computer science", "medicine"]
    quantum = theme_with(themes, "2606.12020")
    assert not quantum.cross_domain and quantum.fields == ["physics"]
    assert themes == find_themes(seed_papers())  # deterministic: the same day gives the same themes


def test_themes_fall_back_to_lsa_without_embeddings(monkeypatch):
    import academichub.editions.vectorise as v

    def unavailable(*a, **k):
        raise v.RepresentationUnavailable("not installed")

    monkeypatch.setattr(v, "SemanticVectoriser", unavailable)
    themes = find_themes(seed_papers())
    assert themes and all(len(t.paper_ids) >= 2 for t in themes)


def test_field_of():
    papers = {p.id: p for p in seed_papers()}
    assert field_of(papers["2606.12020"]) == "physics"
    assert field_of(papers[STROKE]) == "medicine"
    assert field_of(papers["2606.90004"]) == "computer science"


def matcher() -> Matcher:
    papers = seed_papers()
    return Matcher(papers, TfidfVectoriser([p.text for p in papers]))


def ids(matches):
    return [m.paper_id for m in matches]


def test_hard_filters_boosts_floor_and_reasons():
    m = matcher()
    base = ProfileSpec(key="a", interests="large language model safety, jailbreak, prompt injection", top_n=5)
    excluded = ProfileSpec(key="b", interests=base.interests, exclude=["prompt injection"], top_n=5)
    only_cl = ProfileSpec(key="c", interests=base.interests, categories=["cs.CL"], top_n=5)
    boosted = ProfileSpec(key="d", interests=base.interests, keywords=["privileges"], top_n=5)
    thin = ProfileSpec(key="e", interests="coral reef ecology and fisheries", top_n=5)
    out = m.match([base, excluded, only_cl, boosted, thin], min_score=0.05)
    assert "2602.14211" in ids(out["a"])  # SkillJect: prompt injection
    assert "2602.14211" not in ids(out["b"])  # excluded keyword is a hard filter
    papers = {p.id: p for p in seed_papers()}
    assert out["c"] and all("cs.CL" in papers[i].facets for i in ids(out["c"]))
    assert ids(out["d"])[0] == "2606.90008"  # the keyword lifts the over-privileged tool paper to the top
    assert any(r.kind == "keyword" and r.values == ["privileges"] for r in out["d"][0].reasons)
    assert out["e"] == []  # a thin day sends nothing rather than noise
    assert all(m.reasons for m in out["a"])


def test_followed_author_passes_the_floor():
    from dataclasses import replace

    papers = [replace(p, authors=("Grace Hopper",)) if p.id == "2606.12020" else p for p in seed_papers()]
    m = Matcher(papers, TfidfVectoriser([p.text for p in papers]))
    out = m.match(
        [ProfileSpec(key="a", interests="coral reef ecology", authors=["G. Hopper"], top_n=3)], min_score=0.05
    )
    assert ids(out["a"]) == ["2606.12020"] and out["a"][0].reasons[0].kind == "author"


def test_feedback_moves_the_profile_and_is_reversible():
    m = matcher()
    papers = {p.id: p for p in seed_papers()}
    plain = ProfileSpec(key="a", interests="machine learning theory", top_n=8)
    liked = ProfileSpec(key="b", interests=plain.interests, liked=[papers["2606.12020"].text], top_n=8)
    out = m.match([plain, liked], min_score=0.0)

    def rank(ms: list) -> int:
        return ids(ms).index("2606.12020") if "2606.12020" in ids(ms) else 99

    assert rank(out["b"]) < rank(out["a"])
    undone = m.match([ProfileSpec(key="a", interests=plain.interests, liked=[], top_n=8)], min_score=0.0)
    assert ids(undone["a"]) == ids(out["a"])  # removing the like restores the ranking exactly


def test_diversity_caps_one_theme():
    from dataclasses import replace

    llm = {p.id for p in seed_papers() if "language model" in p.text.lower()}
    papers = [replace(p, theme=1) if p.id in llm else p for p in seed_papers()]
    m = Matcher(papers, TfidfVectoriser([p.text for p in papers]))
    out = m.match([ProfileSpec(key="a", interests="large language models", top_n=6)], min_score=0.0)
    assert len(out["a"]) == 6 and sum(1 for i in ids(out["a"]) if i in llm) == 3  # at most ceil(6/2) from one theme


def test_diversity_never_starves_a_reader():
    """Issue 16: when every related paper shares one theme, the cap reorders, it does not cut."""
    from dataclasses import replace

    papers = [replace(p, theme=1) for p in seed_papers()]  # pretend everything is one theme
    m = Matcher(papers, TfidfVectoriser([p.text for p in papers]))
    out = m.match([ProfileSpec(key="a", interests="large language models", top_n=6)], min_score=0.0)
    assert len(out["a"]) == 6


@pytest.mark.parametrize(
    "name, key",
    [("Yann LeCun", "lecun y"), ("Y. LeCun", "lecun y"), ("LeCun, Yann", "lecun y"), ("Kähler, A.", "kahler a")],
)
def test_author_key(name, key):
    assert author_key(name) == key


def test_who_receives_email_on_a_day():
    from datetime import date

    from subscribers.models import Subscriber
    from subscribers.service import is_receiving

    monday, tuesday = date(2026, 6, 22), date(2026, 6, 23)
    assert is_receiving(Subscriber(email="a@x.org"), monday)
    assert is_receiving(Subscriber(email="w@x.org", frequency="weekly", weekly_day="tue"), tuesday)
    assert not is_receiving(Subscriber(email="w@x.org", frequency="weekly", weekly_day="tue"), monday)
    assert not is_receiving(Subscriber(email="p@x.org", status="paused", paused_until=tuesday), monday)
    assert is_receiving(Subscriber(email="p@x.org", status="paused", paused_until=tuesday), tuesday)
    for status in ("pending", "unsubscribed", "bounced", "complained"):
        assert not is_receiving(Subscriber(email="s@x.org", status=status), monday)


# --- the rank-aware floor, plural forms and offline Chinese (issue 16) ---------------------------


def small_day() -> list[PaperFacts]:
    filler = "We study a method and report experiments on several benchmarks with careful ablations. " * 6
    return [
        PaperFacts("reef-1", "Heat stress on coral reefs", filler + "Coral bleaching was observed."),
        PaperFacts("reef-2", "Fish populations", filler + "Reef fish counts fell near coral."),
        PaperFacts("qubit-1", "A superconducting qubit", filler + "The qubit keeps coherence."),
        *(PaperFacts(f"other-{i}", f"Topic {i} in databases", filler + f"Index structure {i}.") for i in range(5)),
    ]


def test_the_floor_does_not_starve_a_reader_who_asked_for_n():
    """A short profile whose papers are all under the floor still gets them (the public-health reader
    got 1 of 2); a profile that shares no word with the day still gets nothing."""
    papers = small_day()
    m = Matcher(papers, TfidfVectoriser([p.text for p in papers]))
    out = m.match(
        [ProfileSpec(key="reef", interests="coral", top_n=2), ProfileSpec(key="none", interests="volcanoes", top_n=2)],
        min_score=0.9,  # far over any similarity here
    )
    assert sorted(ids(out["reef"])) == ["reef-1", "reef-2"]
    assert out["none"] == []


def test_a_plural_the_day_never_uses_finds_the_singular():
    papers = small_day()
    m = Matcher(papers, TfidfVectoriser([p.text for p in papers]))
    out = m.match([ProfileSpec(key="q", interests="qubits", top_n=1)], min_score=0.05)
    assert ids(out["q"]) == ["qubit-1"]


def demo_reader(**extra) -> ProfileSpec:
    from academichub.cli.day import SAMPLE_SUBSCRIBERS

    lin = next(s for s in SAMPLE_SUBSCRIBERS if s["language"] == "zh")
    return ProfileSpec(key="lin", interests=lin["interests"], top_n=5, **extra)  # stricter than the demo's 8


def test_the_demo_chinese_reader_gets_prefill_awareness():
    """Issue 16: interests and keywords on LLM safety, jailbreak, alignment, with no LLM configured."""
    from academichub.cli.day import SAMPLE_SUBSCRIBERS

    lin = next(s for s in SAMPLE_SUBSCRIBERS if s["language"] == "zh")
    papers = seed_papers()
    for zh in (make_chinese_terms(), None):  # the glossary, and keywords alone lifting it over the floor
        m = Matcher(papers, TfidfVectoriser([p.text for p in papers]), zh=zh)
        out = m.match([demo_reader(keywords=lin["keywords"])], min_score=0.05)
        assert "2606.12747" in ids(out["lin"]), zh


def test_chinese_interests_match_offline_and_the_reasons_name_the_chinese_words():
    papers = seed_papers()
    m = Matcher(papers, TfidfVectoriser([p.text for p in papers]), zh=make_chinese_terms())
    out = m.match([demo_reader()], min_score=0.05)["lin"]
    safety = {"2606.12747", "2602.14211", "2602.16835", "2606.90008"}
    assert len(safety & set(ids(out))) >= 3
    terms = [v for match in out for r in match.reasons if r.kind == "terms" for v in r.values]
    assert any(v.startswith(("越狱 (", "对齐 (", "提示注入 (", "安全 (")) for v in terms), terms
    # Without the offline glossary the same reader matches nothing (what issue 16 found).
    bare = Matcher(papers, TfidfVectoriser([p.text for p in papers]))
    assert bare.match([demo_reader()], min_score=0.05)["lin"] == []


def test_an_llm_expansion_is_used_as_before():
    papers = seed_papers()
    m = Matcher(papers, TfidfVectoriser([p.text for p in papers]), zh=make_chinese_terms())
    spec = demo_reader(expanded=["prompt injection"])
    assert m.offline_terms(spec) == [] and m.query_text(spec) == spec.text


def test_glossary_longest_term_first_and_bad_lines(tmp_path):
    zh = ChineseTerms({"语言模型": ["language model"], "大语言模型": ["LLM"], "安全": ["safety"]})
    assert [(t.zh, t.en) for t in zh.expand("大语言模型的安全，English words stay")] == [
        ("大语言模型", "LLM"),
        ("安全", "safety"),
    ]
    bad = tmp_path / "g.tsv"
    bad.write_text("# comment\n量子\tquantum\n越狱 jailbreak\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3"):
        load_glossary(bad)
    assert clean_senses(["to jailbreak (an iOS device etc)", "variant of 越獄", "CL:個"]) == ["jailbreak"]
    with pytest.raises(ValueError, match="unknown mode"):
        ChineseTerms({}, mode="deepl")


def test_plain_install_themes_are_coherent_and_cross_domain_is_earned(monkeypatch):
    """Issue 16 part 6, on the sample day with the plain install (LSA, no embeddings): the nonsense the
    issue found is gone. No theme pairs LLM summarisation with dengue in Kinshasa, a latent-diffusion
    motion model with the Hormone Cell Atlas, or mixture-of-experts transformers with a photonic qubit;
    no label comes from a feed's boilerplate; every theme's label terms are in two of its papers."""
    import academichub.editions.vectorise as v
    from academichub.editions.themes import COHERENCE_MIN, _loo

    def unavailable(*a, **k):
        raise v.RepresentationUnavailable("not installed")

    monkeypatch.setattr(v, "SemanticVectoriser", unavailable)
    papers = seed_papers()
    themes = find_themes(papers)
    together = {frozenset(t.paper_ids) for t in themes}

    def apart(a: str, b: str) -> bool:
        return not any({a, b} <= ids for ids in together)

    summarisation, dengue = "2606.90013", "doi:10.1101/sample.2026-06-22.0002"
    motion, hormone_atlas = "2606.90015", "doi:10.1126/sample.science.0001"
    moe, photonic = "2606.14398", "2606.12020"
    assert apart(summarisation, dengue) and apart(motion, hormone_atlas) and apart(moe, photonic)
    labels = {term for t in themes for term in t.label}
    assert not labels & {"research article", "sample research", "listed abstract", "article", "sample"}
    assert themes and all(len(t.paper_ids) >= 2 and t.label for t in themes)
    vec = TfidfVectoriser([p.text for p in papers if p.kind == "article"])
    for t in themes:
        rows = vec.encode([p.text for p in papers if p.id in t.paper_ids])
        shared = {term for term, n in zip(vec.terms(), (rows > 0).sum(axis=0).A1, strict=True) if n >= 2}
        assert all(any(w in shared for w in (term, *term.split())) for term in t.label), t
        if t.cross_domain:
            assert len(t.fields) >= 2
    # and the rule, on its own: an incoherent pair is no theme, a coherent one is
    from sklearn.preprocessing import normalize

    from academichub.editions.themes import coherent_members

    by_id = {p.id: p for p in papers}
    pair = [by_id[summarisation], by_id[dengue]]
    rows = normalize(vec.encode([p.text for p in pair]))
    assert float(_loo(rows, [0, 1])[0]) < COHERENCE_MIN
    assert coherent_members(rows, [0, 1], ["computer science", "medicine"]) == []


def test_a_radar_with_enough_ratings_blends_a_classifier_and_one_without_is_unchanged():
    """matching/learned.py: below MIN_POSITIVES likes the scores are exactly Rocchio's; from there a
    per-radar logistic regression lifts papers like the liked ones and lowers ones like the disliked."""
    from dataclasses import replace

    from academichub.matching.learned import MIN_POSITIVES

    papers = seed_papers()
    research = [p for p in papers if p.kind == "article"]
    by_id = {p.id: p for p in research}
    vec = TfidfVectoriser([p.text for p in papers])
    plain, learning = Matcher(papers, vec, learn=False), Matcher(papers, vec, learn=True)
    agents = ["2602.14211", "2606.90006", "2606.90008", "2606.12563", "2606.90014"]  # agent/tool-use papers
    quantum = ["2606.12020", "2604.25953"]
    spec = ProfileSpec(key="r", interests="machine learning", top_n=len(research))

    def scores(m, s):
        return {x.paper_id: x.score for x in m.match([s], min_score=-1.0, explain=False)["r"]}

    few = replace(spec, liked=[by_id[i].text for i in agents[: MIN_POSITIVES - 1]])
    assert scores(plain, few) == scores(learning, few)
    rated = replace(spec, liked=[by_id[i].text for i in agents], disliked=[by_id[i].text for i in quantum])
    before, after = scores(plain, rated), scores(learning, rated)
    assert before != after
    other = [p.id for p in research if p.id not in agents + quantum]
    ranks = {pid: i for i, pid in enumerate(sorted(after, key=lambda k: -after[k]))}
    old = {pid: i for i, pid in enumerate(sorted(before, key=lambda k: -before[k]))}
    assert sum(ranks[i] for i in agents) <= sum(old[i] for i in agents)  # liked kinds rise (or stay)
    assert all(ranks[i] >= len(ranks) * 3 // 4 for i in quantum)  # disliked kinds stay at the bottom
    assert set(after) <= set(other + agents + quantum)


def test_phrase_presence_found_once_per_phrase_is_what_reading_the_texts_gives():
    """The matcher's phrase index reads the texts once per new phrase: asked again, in another order,
    mixed with new phrases, it answers exactly as reading every text again would."""
    import re

    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    from academichub.matching.words import TOKEN, PhrasePresence, _phrase_key

    def _phrase_presence(texts, phrases):  # reading every text for the phrases, with scikit-learn
        if not phrases:
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        longest = max([len(p.split(" ")) for p in phrases] or [1])
        cv = CountVectorizer(
            vocabulary={p: i for i, p in enumerate(phrases)},
            ngram_range=(1, longest),
            binary=True,
            token_pattern=TOKEN,
            dtype=np.float32,
        )
        return cv.transform(texts).tocsr()

    texts = [
        "Quantum error correction with surface codes",
        "large language models and prompt injection attacks; error-correcting codes",
        "error correction for language models? no: for qubits. Error error correction",
        "graph neural networks, c++ and x-ray models models",
        "",
    ]
    index = PhrasePresence(texts)
    for phrases in (
        ["error correction", "prompt injection"],
        ["prompt injection", "graph neural networks", "error correction", "surface"],
        [],
        ["qubits", "absent phrase", "error correction", "error error correction", "models models"],
        [_phrase_key(k) for k in ("C++", "X-ray models", "error-correcting codes", "codes")],
        ["neural graph", "with", "correction error"],
    ):
        assert all(re.fullmatch(r"\S+( \S+)*", p) for p in phrases)
        assert (index(phrases) != _phrase_presence(texts, phrases)).nnz == 0, phrases
        assert index(phrases).shape == (len(texts), len(phrases))
    assert index(["error correction"]).toarray().ravel().tolist() == [1, 0, 1, 0, 0]
