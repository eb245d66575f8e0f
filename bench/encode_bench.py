"""Encoder speed and what it does to relevance: all-MiniLM-L6-v2 at 256 and 128 word pieces, and torch
dynamic int8, on the recorded feeds' abstracts (one torch thread, process CPU time), then nDCG@5 and
recall@10 of the radar set's English profiles with the semantic representation at 256 and 128.

    .venv/bin/python bench/encode_bench.py     # needs the semantic extra; about a minute
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

import torch  # noqa: E402

from academichub.editions.vectorise import SemanticVectoriser, _load_minilm  # noqa: E402
from academichub.matching.evaluate import day_papers, evaluate, load_eval, load_radar, ndcg_at, recall_at  # noqa: E402
from academichub.matching.match import Matcher  # noqa: E402
from academichub.papers.parse import parse_document  # noqa: E402


def abstracts() -> list[str]:
    texts = []
    for p in sorted((ROOT.parent / "shared" / "feeds").rglob("*")):
        if p.is_file() and p.suffix in (".xml", ".json"):
            try:
                texts += [f"{r.title}. {r.abstract}" for r in parse_document(p.read_bytes()).records if r.abstract]
            except Exception:  # noqa: BLE001 - the error samples are no feeds
                continue
    return texts


def speed(texts: list[str]) -> None:
    torch.set_num_threads(1)
    model = _load_minilm()

    def run(m, length):
        m.max_seq_length = length
        start = time.process_time()
        v = m.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        return time.process_time() - start, v

    base_t, base = run(model, 256)
    print(f"{len(texts)} abstracts; fp32 256: {base_t:.2f} CPU-s")
    quantised = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    for name, m, length in (("fp32", model, 128), ("int8", quantised, 256), ("int8", quantised, 128)):
        t, v = run(m, length)
        cos = (v * base).sum(1)
        print(
            f"{name} {length}: {t:.2f} CPU-s ({base_t / t:.2f}x), "
            f"cosine to fp32 256 mean {cos.mean():.3f} min {cos.min():.3f}"
        )
    model.max_seq_length = 128


def relevance() -> None:
    from tests.test_eval_quality import seed_papers

    days, cases = load_radar(ROOT / "tests" / "eval" / "radar.toml")
    papers = {d: day_papers([ROOT / p for p in ps]) for d, ps in days.items()}
    for length in (256, 128):
        _load_minilm().max_seq_length = length
        rows = {}
        for day, ps in papers.items():
            matcher = Matcher(ps, SemanticVectoriser())
            mine = [c for c in cases if c.day == day and c.language == "en"]
            five = matcher.match([replace(c.spec, top_n=5) for c in mine], min_score=-1.0, explain=False)
            ten = matcher.match([replace(c.spec, top_n=10) for c in mine], min_score=-1.0, explain=False)
            for c in mine:
                got5 = [m.paper_id for m in five[c.spec.key]]
                got10 = [m.paper_id for m in ten[c.spec.key]]
                rows[c.spec.key] = (c.split, ndcg_at(got5, c.relevant, 5), recall_at(got10, c.relevant, 10))
        for part in ("tune", "report"):
            r = [v for v in rows.values() if v[0] == part]
            n5, r10 = sum(x[1] for x in r) / len(r), sum(x[2] for x in r) / len(r)
            print(f"{length} word pieces, radar {part} ({len(r)} en): nDCG@5 {n5:.3f} recall@10 {r10:.3f}")
        older = evaluate(seed_papers(), load_eval(ROOT / "tests" / "eval" / "profiles.toml"), "semantic")["mean"]
        print(f"{length} word pieces, profiles.toml: nDCG@5 {older['ndcg@5']:.3f}")
    _load_minilm().max_seq_length = 128


if __name__ == "__main__":
    speed(abstracts())
    relevance()
