"""Matching quality on the judged evaluation set must not drop below the recorded level."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest

from academichub.matching.evaluate import evaluate, load_eval, ndcg_at, precision_at
from academichub.papers.ingest import collect_paths
from academichub.papers.parse import parse_document
from academichub.papers.sources import paper_facets
from academichub.papers.views import PaperFacts
from academichub.settings import SAMPLE_DAY_DIR

EVAL = Path(__file__).parent / "eval"


def seed_papers() -> list[PaperFacts]:
    papers: dict[str, PaperFacts] = {}
    for path in collect_paths([SAMPLE_DAY_DIR]):
        if path.suffix == ".xml":
            for r in parse_document(path.read_bytes()).records:
                papers.setdefault(
                    r.id,
                    PaperFacts(
                        r.id,
                        r.title,
                        r.abstract,
                        r.kind,
                        tuple(r.categories),
                        paper_facets(r.categories, r.server, [r.source_label]),
                        tuple(r.authors),
                    ),
                )
    return list(papers.values())


def test_metrics():
    rel = {"a": 2, "b": 1}
    assert precision_at(["a", "x", "b", "y", "z"], rel, 5) == 0.4
    assert ndcg_at(["a", "b", "x"], rel, 5) == pytest.approx(1.0)
    assert ndcg_at(["x", "y", "z", "b", "a"], rel, 5) < 0.5


def test_eval_set_is_complete():
    judged = load_eval(EVAL / "profiles.toml")
    ids = {p.id for p in seed_papers()}
    assert len(judged) >= 8 and sum(1 for j in judged if not j.spec.interests.isascii()) >= 2
    for j in judged:
        assert set(j.relevant) <= ids, f"{j.spec.key} judges a paper that is not in the seed set"


@pytest.mark.parametrize("representation", ["tfidf", "semantic"])
def test_quality_does_not_drop(representation):
    if representation == "semantic" and importlib.util.find_spec("sentence_transformers") is None:
        pytest.skip("semantic extra not installed (pip install -e '.[semantic]')")
    recorded = tomllib.loads((EVAL / "recorded.toml").read_text())[representation]
    result = evaluate(seed_papers(), load_eval(EVAL / "profiles.toml"), representation)["mean"]
    for metric, level in recorded.items():
        assert result[metric] >= level - 0.005, (
            f"{representation} {metric} fell to {result[metric]:.3f} (recorded {level})"
        )
