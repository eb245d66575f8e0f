"""BibTeX (bibtexparser 2) and RIS (rispy) exports into ``LibraryEntry`` rows; see
``academichub.papers.library`` for the bounds and the other formats."""

from __future__ import annotations

import logging
import re

import bibtexparser
import rispy
from bibtexparser.model import DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

from academichub.papers.library import MAX_ENTRIES, LibraryParse, _shown, make_entry

# bibtexparser logs each block it cannot parse; those are the problems this module reports per entry.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)

_RIS_START = re.compile(r"^TY  -", re.MULTILINE)


def parse_bibtex(text: str, out: LibraryParse) -> None:
    """Entries with ``title``, ``abstract``, ``year``/``date``, ``doi``, ``eprint`` (arXiv),
    ``url`` and Google Scholar's ``journal = {arXiv preprint arXiv:…}``; LaTeX accents and braces
    become text. A block that cannot be parsed is reported by its line; the others are kept."""
    library = bibtexparser.parse_string(text)
    blocks = sorted(
        [*library.entries, *library.failed_blocks], key=lambda b: b.start_line if b.start_line is not None else 0
    )
    number = 0
    for block in blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateFieldKeyBlock):
            number += 1
            dup = block.ignore_error_block
            key = getattr(dup, "key", "?")
            field_names = ", ".join(sorted(block.duplicate_keys))[:100]
            out.problem(f"entry {number} ({_shown(str(key))}, line {line})", f"{field_names} twice; the last kept")
            if isinstance(dup, Entry):
                block = dup
            else:
                continue
        elif isinstance(block, ParsingFailedBlock):
            number += 1
            raw = (block.raw or "").strip()
            first = raw.splitlines()[0] if raw else ""
            out.problem(f"entry {number} (line {line}: {_shown(first, 40)})", _why(block.error))
            continue
        else:
            number += 1
        if not isinstance(block, Entry):
            continue
        if len(out.entries) >= MAX_ENTRIES:
            out.problem(f"entry {number} (line {line})", f"more than {MAX_ENTRIES} entries: the rest were not read")
            return
        fields = {k.lower(): f.value for k, f in block.fields_dict.items() if isinstance(f.value, str)}
        eprint = fields.get("eprint", "")
        arxiv = f"arXiv:{eprint}" if eprint and "arxiv" in fields.get("archiveprefix", "arxiv").lower() else ""
        make_entry(
            out,
            f"entry {number} ({_shown(block.key)}, line {line})",
            ids=[arxiv, fields.get("arxivid"), fields.get("doi"), fields.get("url"), fields.get("journal"), eprint],
            title=fields.get("title"),
            abstract=fields.get("abstract"),
            year=[fields.get("year"), fields.get("date")],
        )


def _why(error: object) -> str:
    reason = getattr(error, "abort_reason", None) or str(error or "") or "it cannot be parsed"
    return " ".join(str(reason).replace("`", "'").split())[:200]


def parse_ris(text: str, out: LibraryParse) -> None:
    """RIS records (``TY  -`` to ``ER  -``), each parsed by rispy on its own so that one broken record
    is reported by its number and line and the others are kept."""
    starts = [m.start() for m in _RIS_START.finditer(text)]
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], len(text)], strict=True), 1):
        line = text.count("\n", 0, start) + 1
        where = f"record {number} (line {line})"
        if len(out.entries) >= MAX_ENTRIES:
            out.problem(where, f"more than {MAX_ENTRIES} entries: the rest were not read")
            return
        chunk = text[start:end]
        if not re.search(r"^ER  -", chunk, re.MULTILINE):
            out.problem(where, "the record has no end (an 'ER  -' line)")
            continue
        try:
            records = rispy.loads(chunk)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            out.problem(where, _why(exc))
            continue
        if not records:
            out.problem(where, "rispy found no record")
            continue
        rec = records[0]
        urls = rec.get("urls") if isinstance(rec.get("urls"), list) else []
        make_entry(
            out,
            where,
            ids=[*urls[:5], rec.get("doi"), rec.get("note"), rec.get("journal_name")],
            title=rec.get("title") or rec.get("primary_title"),
            abstract=rec.get("abstract") or rec.get("notes_abstract"),
            year=[rec.get("year"), rec.get("publication_year"), rec.get("date")],
        )
