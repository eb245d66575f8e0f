"""Level 3, the reader's opening (pure): how the readers of a day are put into requests, what each
request says, and what its answer must be.

The opening is the only level paid per reader, so its prompt is built to cost little per reader
without taking away what makes it personal (docs/benchmarks.md, "LLM tokens for a day"):

- a request holds up to ``OPENING_BATCH`` readers, and ``group_readers`` puts readers who share top
  papers into the same request; each paper of a request is listed once, numbered, with its title and
  cached key contribution, so a paper five of its readers receive costs its title once, not five times;
- a reader is one line: a label (``r1``…, never an address), their interests as their own key phrases
  (``key_terms``), and the numbers of their top ``OPENING_PAPERS`` papers — every reader still gets
  their own interests and their own papers;
- the answer is ``{"r1": ["…", [1]], …}`` (the opening, the numbers it draws on): no field names
  repeated per reader, numbers instead of ids, mapped back to paper ids here. A reader that is not
  in the request, a number that is not one of that reader's papers, a missing reader or a text that
  fails ``check_text`` rejects the answer (the writer repairs once, then the readers of the request
  get the template's opening).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from typing import Annotated

from pydantic import Field, RootModel

from academichub.briefing.rules import LANGUAGE_RULE, LIMITS, Invalid, check_text, data, messages, parse_json

OPENING_PAPERS = 3  # the opening is about the day's top picks, not a list of all of them
OPENING_BATCH = 24  # readers per request: the instructions are paid once, and more readers share papers
OPENING_TOKENS = 140  # completion allowance per reader
INTEREST_CHARS = 200  # a reader's key phrases, at most (whole phrases)
TITLE_CHARS = 300
SCAN = 64  # readers of one paper looked at when filling a request (bounds the grouping's work)

Reader = tuple[str, str, list[tuple[str, str, str]]]  # (cache key, interests, [(paper id, title, contribution)])
_PHRASES = re.compile(r"[,;，；、。|\n]+")


OpeningAnswer = tuple[Annotated[str, Field(min_length=1)], list[int]]  # the opening, the numbers it draws on


class OpeningAnswers(RootModel[dict[str, OpeningAnswer]]):
    """The answer: reader label -> [their opening, the numbers of the papers it draws on]."""


def key_terms(interests: str, limit: int = INTEREST_CHARS) -> str:
    """The reader's interests as the opening needs them: their own phrases (split at commas,
    semicolons, 、 and line ends), in their order, each once, whole phrases up to ``limit`` characters
    (a first phrase longer than that is cut at a word). Nothing is reworded, so the opening still
    answers to what the reader wrote; only repetition and length go."""
    out: list[str] = []
    seen: set[str] = set()
    used = 0
    for raw in _PHRASES.split(interests):
        phrase = data(raw).strip(" .:")
        if not phrase or phrase.casefold() in seen:
            continue
        if used + len(phrase) > limit:
            if not out:
                out.append(phrase[:limit].rsplit(" ", 1)[0] if " " in phrase[:limit] else phrase[:limit])
            break
        out.append(phrase)
        seen.add(phrase.casefold())
        used += len(phrase) + 2
    return ", ".join(out)


def group_readers(tops: list[list[str]], size: int = OPENING_BATCH) -> list[list[int]]:
    """Readers (their top paper ids) as requests of ``size`` (indices), readers who share papers
    together. Greedy: a request starts with the reader whose papers the most readers receive, then
    takes, one by one, the reader with the largest share of their papers already in the request
    (among the first ``SCAN`` waiting readers of each of its papers); when no waiting reader shares
    one, the next reader in the starting order. Deterministic; every reader in exactly one request."""
    popularity = Counter(p for top in tops for p in set(top))
    waiting: dict[str, dict[int, None]] = {}  # paper -> readers not yet placed (ordered)
    for i, top in enumerate(tops):
        for p in top:
            waiting.setdefault(p, {})[i] = None
    order = sorted(range(len(tops)), key=lambda i: (-max((popularity[p] for p in tops[i]), default=0), i))
    placed = [False] * len(tops)
    groups: list[list[int]] = []
    nxt = 0

    def place(i: int, group: list[int], papers: set[str]) -> None:
        placed[i] = True
        group.append(i)
        papers.update(tops[i])
        for p in tops[i]:
            waiting[p].pop(i, None)

    for start in order:
        if placed[start]:
            continue
        group: list[int] = []
        papers: set[str] = set()
        place(start, group, papers)
        while len(group) < size:
            shared: Counter[int] = Counter()
            for p in papers:
                shared.update(islice(waiting[p], SCAN))
            if shared:
                pick = max(shared, key=lambda j: (shared[j] / len(tops[j]), -j))
            else:
                while nxt < len(order) and placed[order[nxt]]:
                    nxt += 1
                if nxt == len(order):
                    break
                pick = order[nxt]
            place(pick, group, papers)
        groups.append(group)
    return groups


@dataclass(frozen=True)
class OpeningRequest:
    """One request: readers by label (``r1``…) and the number of each paper they receive."""

    language: str
    readers: dict[str, Reader]
    numbers: dict[str, int]  # paper id -> its number in this request

    def __len__(self) -> int:
        return len(self.readers)

    @property
    def max_tokens(self) -> int:
        return OPENING_TOKENS * len(self.readers)

    def messages(self) -> list[dict]:
        listed: dict[str, tuple[str, str]] = {}
        for _key, _interests, papers in self.readers.values():
            for pid, title, contrib in papers[:OPENING_PAPERS]:
                listed.setdefault(pid, (title, contrib))
        catalogue = "\n".join(
            f"{self.numbers[pid]}: {data(title)[:TITLE_CHARS]}" + (f" — {data(contrib)}" if contrib else "")
            for pid, (title, contrib) in listed.items()
        )
        lines = "\n".join(
            f"{label}: {key_terms(interests)} | " + " ".join(str(self.numbers[p[0]]) for p in papers[:OPENING_PAPERS])
            for label, (_key, interests, papers) in self.readers.items()
        )
        ask = (
            f"{LANGUAGE_RULE[self.language]} For each reader (interests | their papers) write a personal opening of "
            "at most two sentences: why those papers matter given their interests. Cite only their own papers, by "
            f'number, never in the text. Return {{"r1": ["opening", [1]], ...}} for r1 to r{len(self.readers)}.\n'
            f"<papers>\n{catalogue}\n</papers>\n<readers>\n{lines}\n</readers>"
        )
        return messages(ask)

    def validate(self, content: str) -> dict[str, tuple[str, list[str]]]:
        """cache key -> (opening, the paper ids it cites), for every reader of the request, or Invalid."""
        got: dict[str, tuple[str, list[str]]] = {}
        for label, (opening, cite) in parse_json(content, OpeningAnswers).root.items():
            reader = self.readers.get(label)
            if reader is None:
                raise Invalid("invalid_json", f"answered for an unknown reader {label[:20]!r}")
            own = {self.numbers[p[0]]: p[0] for p in reader[2][:OPENING_PAPERS]}
            stray = [str(n)[:12] for n in cite if n not in own]
            if stray:
                raise Invalid("unknown_citation", f"cites papers that are not {label}'s: {', '.join(stray[:3])}")
            text = check_text(opening, self.language, LIMITS["opening"], set(own.values()))
            got[reader[0]] = (text, list(dict.fromkeys(own[n] for n in cite)))
        if len(got) != len(self.readers):
            raise Invalid("invalid_json", f"answered for {len(got)} of {len(self.readers)} readers")
        return got


def opening_requests(readers: list[Reader], language: str, size: int = OPENING_BATCH) -> list[OpeningRequest]:
    """``readers`` (each with at least one paper, best first) as requests, readers who share papers
    together (``group_readers``); papers numbered in the order the request's readers list them."""
    groups = group_readers([[p[0] for p in r[2][:OPENING_PAPERS]] for r in readers], size)
    out = []
    for group in groups:
        chosen = {f"r{n}": readers[i] for n, i in enumerate(group, 1)}
        numbers: dict[str, int] = {}
        for _key, _interests, papers in chosen.values():
            for pid, _t, _c in papers[:OPENING_PAPERS]:
                numbers.setdefault(pid, len(numbers) + 1)
        out.append(OpeningRequest(language, chosen, numbers))
    return out
