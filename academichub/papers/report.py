"""Run reports: plain data plus pure renderers (markdown for Prefect artifacts, text for the CLI)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date

MAX_ITEM_LINES = 50  # per list in the markdown report; the JSON report keeps every line

HEALTH_MARK = {
    "ok": "ok",
    "not_modified": "unchanged",
    "no_announcement": "no announcement",
    "suspect": "SUSPECT",
    "failed": "FAILED",
}


@dataclass(slots=True)
class SourceReport:
    key: str
    origin: str
    format: str
    status: int | None
    items: int
    new: int
    bytes: int
    duration_ms: int
    health: str
    note: str = ""
    error: str | None = None
    rejected: list[str] = field(default_factory=list)  # "item: reason" for each item skipped
    bounded: list[str] = field(default_factory=list)  # "item: what was cut or dropped" for items kept


@dataclass(slots=True)
class IngestReport:
    run_id: str
    edition_date: date
    sources: list[SourceReport] = field(default_factory=list)
    new_papers: int = 0
    updated_papers: int = 0
    merges: dict[str, int] = field(default_factory=dict)
    edition_added: int = 0
    held: str | None = None  # why the day's edition cannot be trusted (nobody is sent it), or None
    kept: str | None = None  # this run's sources failed, but an earlier run of the day made the edition
    feeds_dated: date | None = None  # the day the feeds give themselves (health.own_date), or None

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.health == "failed"]

    @property
    def suspect(self) -> list[SourceReport]:
        return [s for s in self.sources if s.health == "suspect"]

    def as_dict(self) -> dict:
        d = asdict(self)
        d["edition_date"] = self.edition_date.isoformat()
        d["feeds_dated"] = self.feeds_dated.isoformat() if self.feeds_dated else None
        return d


_MARKDOWN = re.compile(r"([\\`*\[\]<>|])")  # what would make a feed's text markup, a link or a broken table


def _cell(text: object) -> str:
    """Text from outside (a feed's error, an item's title) as literal Markdown: a `<tag>` stays visible,
    a `[link](…)` is no link, a `|` does not split the table."""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", " ")


def ingest_markdown(r: IngestReport) -> str:
    lines = [
        f"# Ingest {r.edition_date.isoformat()} (run {r.run_id})",
        "",
        f"- new papers: **{r.new_papers}**, updated: {r.updated_papers}, added to the edition: **{r.edition_added}**",
        "- duplicates merged: " + (", ".join(f"{k}: {v}" for k, v in sorted(r.merges.items())) or "none"),
    ]
    if r.held:
        lines.insert(2, f"- **EDITION HELD**: {r.held}. Nobody is sent this day until a run of it succeeds.")
    if r.kept:
        lines.append(f"- this run's sources failed ({r.kept}); the edition an earlier run of the day made is kept")
    if r.failed:
        lines.append(f"- **{len(r.failed)} source(s) FAILED**: " + ", ".join(s.key for s in r.failed))
    if r.suspect:
        lines.append(f"- **{len(r.suspect)} source(s) SUSPECT**: " + ", ".join(s.key for s in r.suspect))
    lines += [
        "",
        "| source | health | items | new | HTTP | bytes | ms | note |",
        "|---|---|---:|---:|---|---:|---:|---|",
    ]
    for s in r.sources:
        lines.append(
            f"| {_cell(s.key)} | {HEALTH_MARK.get(s.health, s.health)} | {s.items} | {s.new} | {s.status or '-'} | "
            f"{s.bytes} | {s.duration_ms} | {_cell(s.note or '')} |"
        )
    rejected = [(s.key, line) for s in r.sources for line in s.rejected]
    bounded = [(s.key, line) for s in r.sources for line in s.bounded]
    for title, rows in (("Items skipped (the rest of each feed was kept)", rejected), ("Items bounded", bounded)):
        if rows:
            lines += ["", f"## {title}", ""]
            lines += [f"- {_cell(key)}: {_cell(line)}" for key, line in rows[:MAX_ITEM_LINES]]
            if len(rows) > MAX_ITEM_LINES:
                lines.append(f"- … and {len(rows) - MAX_ITEM_LINES} more (the JSON report lists them all)")
    return "\n".join(lines) + "\n"
