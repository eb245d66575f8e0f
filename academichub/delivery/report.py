"""What a run tells its operator: the daily run's and deliver-due's reports, as values (for the CLI
and the tests) and as Markdown (for the Prefect UI's artifacts). Their size does not grow with the
audience beyond the rows a report lists."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from academichub.briefing.pieces import LlmReport
from academichub.delivery.engine import Delivery, Outcome
from academichub.editions.theme import Theme
from academichub.papers.report import IngestReport


@dataclass(slots=True)
class RunReport:
    edition_date: date
    ingest: IngestReport | None
    edition_size: int
    deliveries: list[Delivery] = field(default_factory=list)
    dry_run: bool = False
    outbox: str | None = None
    llm: LlmReport | None = None
    themes: list[Theme] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds per stage, where measured


PROBLEMS_SHOWN = 200


@dataclass(slots=True)
class Tally:
    """What happened to a batch's (or a run's) readers, in a size that does not grow with them:
    counts by state and by reason, and the first ``PROBLEMS_SHOWN`` failed or stuck deliveries."""

    states: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)  # (state, reason) -> readers
    problems: list[Delivery] = field(default_factory=list)
    matched: Counter = field(default_factory=Counter)  # readers whose matches were "kept" / matched "afresh"

    @classmethod
    def of(cls, deliveries: list[Delivery]) -> Tally:
        t = cls()
        for d in deliveries:
            state = str(d.counted_as)  # counted by plain text: the tally travels to artifacts, logs and JSON
            t.states[state] += 1
            if d.state in (Outcome.SKIPPED, Outcome.FAILED, Outcome.STUCK):
                t.reasons[(state, d.reason or "")] += 1
                if d.state != Outcome.SKIPPED and len(t.problems) < PROBLEMS_SHOWN:
                    t.problems.append(d)
        return t

    def merge(self, other: Tally) -> Tally:
        return Tally(
            self.states + other.states,
            self.reasons + other.reasons,
            (self.problems + other.problems)[:PROBLEMS_SHOWN],
            self.matched + other.matched,
        )

    @property
    def sent(self) -> int:
        return self.states[Outcome.SENT]


@dataclass(slots=True)
class DeliverReport:
    edition_date: date
    edition_size: int
    due: int
    skipped: int  # at queueing: paused, suppressed
    batches: int
    tally: Tally
    llm: LlmReport
    stages: dict[str, float] = field(default_factory=dict)
    ledger: dict[str, int] = field(default_factory=dict)  # the day's ledger rows by state after the run

    @property
    def unsettled(self) -> int:
        """The day's readers the ledger still has queued or claimed after the run (none, unless a run
        failed or another is under way): they are sent by the next deliver-due."""
        return sum(self.ledger.get(s, 0) for s in ("queued", "claimed"))


def deliver_markdown(r: DeliverReport, now: datetime, batch_size: int) -> str:
    lines = [
        f"# Deliveries due at {now.isoformat(timespec='minutes')} for the edition of {r.edition_date.isoformat()}",
        "",
        f"- edition: **{r.edition_size}** papers",
        f"- due now: **{r.due}**, skipped at queueing (paused, suppressed): **{r.skipped}**, "
        f"batches: **{r.batches}** of up to {batch_size}",
        "- deliveries: " + (", ".join(f"{k} {v}" for k, v in sorted(r.tally.states.items())) or "none"),
    ]
    if r.ledger:
        lines.append(
            "- the edition's ledger after this run (every run and worker of the day; the count to trust when a "
            "batch was rerun after its worker was lost, since the rerun counts what the lost one sent as "
            "skipped, already sent): " + ", ".join(f"{k} {v}" for k, v in sorted(r.ledger.items()))
        )
    if r.tally.matched:
        lines.append(
            f"- matches: kept from prepare-edition for **{r.tally.matched['kept']}** readers, matched at delivery "
            f"for **{r.tally.matched['afresh']}** (changed their radars, feedback or library since, or new)"
        )
    lines += llm_lines(r.llm)
    lines.append(
        "- slowest stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(r.stages.items(), key=lambda kv: -kv[1]))
    )
    if r.tally.reasons:
        lines += ["", "| state | reason | readers |", "|---|---|---:|"]
        lines += [
            f"| {state} | {reason.replace('|', '/') or '-'} | {n} |"
            for (state, reason), n in r.tally.reasons.most_common()
        ]
    if r.tally.problems:
        shown = len(r.tally.problems)
        lines += [
            "",
            f"Failed or stuck (first {shown}; all of them: `academichub deliveries`):",
            "",
            "| subscriber | state | reason |",
            "|---|---|---|",
        ]
        lines += [f"| {d.who} | {d.counted_as} | {(d.reason or '').replace('|', '/')} |" for d in r.tally.problems]
    return "\n".join(lines) + "\n"


def llm_lines(L: LlmReport) -> list[str]:
    """The LLM part of a run report: calls, tokens by level, cost, cache reuse, fallbacks."""
    lines = []
    cost = f", estimated cost ${L.cost_usd:.4f}" if L.cost_usd is not None else ""
    retried = f" ({L.attempts} requests)" if L.attempts != L.calls else ""
    lines.append(
        f"- LLM {L.model or 'not configured'}: {L.calls} calls{retried}, "
        f"{L.prompt_tokens} prompt + {L.completion_tokens} completion tokens{cost}"
    )
    if L.by_kind:
        lines.append(
            "- tokens by level: "
            + ", ".join(f"{k}: {v[0]} calls, {v[1] + v[2]} tokens" for k, v in sorted(L.by_kind.items()))
        )
    if L.cache_hits:
        lines.append("- reused from cache: " + ", ".join(f"{k}: {v}" for k, v in sorted(L.cache_hits.items())))
    lines.append(
        "- fallbacks to extractive text: " + (", ".join(f"{k}: {v}" for k, v in sorted(L.fallbacks.items())) or "none")
    )
    if L.fallbacks.get("deadline"):
        lines.append("- the run's LLM deadline was reached: the extractive composer finished the day")
    if L.fallbacks.get("server_down"):
        lines.append("- the LLM server stopped answering (server_down): the extractive composer finished the day")
    if L.fallbacks.get("bad_response"):
        lines.append("- the LLM server sent answers of the wrong shape (bad_response): the answers were not used")
    return lines


def run_markdown(r: RunReport, title: str | None = None, deliveries: bool = True) -> str:
    title = title or f"Daily run {r.edition_date.isoformat()}{' (dry run)' if r.dry_run else ''}"
    lines = [f"# {title}", "", f"- edition: **{r.edition_size}** papers"]
    if deliveries:
        lines.append(f"- briefings: **{len(r.deliveries)}**")
    if r.outbox:
        lines.append(f"- outbox: `{r.outbox}`")
    if r.themes:
        cross = [t for t in r.themes if t.cross_domain]
        lines.append(
            f"- themes: **{len(r.themes)}**, of which **{len(cross)} cross-domain**: "
            + "; ".join(f"{', '.join(t.label)} ({' + '.join(t.fields)}, {len(t.paper_ids)} papers)" for t in cross)
            if cross
            else f"- themes: **{len(r.themes)}**"
        )
        lines.append(
            "- largest themes: "
            + "; ".join(
                f"{', '.join(t.label)} ({len(t.paper_ids)})"
                for t in sorted(r.themes, key=lambda t: -len(t.paper_ids))[:5]
            )
        )
    if r.llm:
        lines += llm_lines(r.llm)
    if not deliveries:
        return "\n".join(lines) + "\n"
    states: dict[str, int] = {}
    for d in r.deliveries:
        states[d.counted_as] = states.get(d.counted_as, 0) + 1
    lines.append("- deliveries: " + (", ".join(f"{k} {v}" for k, v in sorted(states.items())) or "none"))
    lines += ["", "| subscriber | language | papers | state | subject |", "|---|---|---:|---|---|"]
    lines += [
        f"| {d.who} | {d.language} | {d.papers} | {d.state}{' (' + d.reason + ')' if d.reason else ''} "
        f"| {d.subject.replace('|', '/')} |"
        for d in r.deliveries
    ]
    return "\n".join(lines) + "\n"
