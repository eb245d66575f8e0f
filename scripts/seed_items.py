"""Read the AcademicHub seed pages (../shared/seeds/*.txt) into items: label, date, title, authors, abstract."""

from __future__ import annotations

import re
from pathlib import Path

HEADER = re.compile(r"^(?P<label>(?:arXiv|medRxiv|bioRxiv|Science|Nature|Cell)\b.*?)\s+(?P<date>\d{4}-\d{2}-\d{2})$")


def read_seed(path: Path) -> list[dict]:
    lines = [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines()]
    items, i = [], 0
    while i < len(lines):
        if re.fullmatch(r"\d{2}\.", lines[i].strip()) and i + 1 < len(lines) and HEADER.match(lines[i + 1].strip()):
            m = HEADER.match(lines[i + 1].strip())
            block = []
            j = i + 2
            while j < len(lines) and not (
                re.fullmatch(r"\d{2}\.", lines[j].strip()) and j + 1 < len(lines) and HEADER.match(lines[j + 1].strip())
            ):
                if lines[j].strip():
                    block.append(lines[j].strip())
                j += 1
            title = block[0] if block else ""
            rest = block[1:]
            authors = ""
            if rest and rest[0].startswith("作者:"):
                authors = rest[0].split(":", 1)[1].strip()
                rest = rest[1:]
            items.append(
                {
                    "label": m.group("label"),
                    "date": m.group("date"),
                    "title": title,
                    "authors": authors,
                    "abstract": " ".join(rest),
                }
            )
            i = j
        else:
            i += 1
    return items


def read_seeds(folder: Path) -> list[dict]:
    seen, out = set(), []
    for path in sorted(folder.glob("*.txt")):
        for item in read_seed(path):
            if item["title"] and item["title"] not in seen:
                seen.add(item["title"])
                out.append(item)
    return out
