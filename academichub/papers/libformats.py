"""BibTeX (bibtexparser 2) and RIS (rispy) exports into ``LibraryEntry`` rows; see
``academichub.papers.library`` for the bounds and the other formats."""

from __future__ import annotations

import bisect
import logging
import re
from itertools import islice

import bibtexparser
import rispy
from bibtexparser.model import DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

from academichub.papers.library import MAX_ENTRIES, MAX_RECORDS, LibraryParse, _shown, make_entry

# bibtexparser logs each block it cannot parse; those are the problems this module reports per entry.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)

_RIS_START = re.compile(r"^TY  -", re.MULTILINE)
# What bibtexparser's splitter costs is its "marks" (braces, quotes, commas, equals signs, line breaks,
# block starts: one Python step each) and its blocks: a 2,000-entry export with abstracts has about
# 34 marks an entry and 2,000 blocks. Past these bounds the rest of a file is not read (and said so),
# so no file costs much more than the largest real export: 1,000,000 ``@a{`` lines took 148 s and
# 1.3 GB, a 3 MB title of ``{"}`` 20 s.
MAX_BLOCKS = MAX_RECORDS
MAX_MARKS = 200_000
_BLOCK_AT = re.compile(r"^[ \t]*@", re.MULTILINE)
_MARK = re.compile(r'[{}",=\n@)]')


def parse_bibtex(text: str, out: LibraryParse) -> None:
    """Entries with ``title``, ``abstract``, ``year``/``date``, ``doi``, ``eprint`` (arXiv),
    ``url`` and Google Scholar's ``journal = {arXiv preprint arXiv:…}``; LaTeX accents and braces
    become text. A block that cannot be parsed is reported by its line; the others are kept."""
    text, cut = _bounded(text)
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
    if cut:
        out.stop(*cut)


def _bounded(text: str) -> tuple[str, tuple[str, str] | None]:
    """The part of a BibTeX text bibtexparser is given (at most ``MAX_BLOCKS`` blocks and
    ``MAX_MARKS`` marks, cut before a block), and the problem to report when it is not all of it."""
    starts = [m.start() for m in islice(_BLOCK_AT.finditer(text), MAX_BLOCKS + 1)]
    cuts = []
    if len(starts) > MAX_BLOCKS:
        cuts.append((starts[MAX_BLOCKS], f"more than {MAX_BLOCKS:,} @ blocks"))
    over = next(islice(_MARK.finditer(text), MAX_MARKS, None), None)
    if over is not None:
        before = starts[: bisect.bisect_right(starts, over.start())]
        at = before[-1] if before and before[-1] > 0 else over.start()
        cuts.append((at, f"more than {MAX_MARKS:,} braces, quotes, commas and line breaks"))
    if not cuts:
        return text, None
    at, why = min(cuts)
    return text[:at], (f"line {text.count(chr(10), 0, at) + 1}", f"{why}: the rest of the file was not read")


def _why(error: object) -> str:
    reason = getattr(error, "abort_reason", None) or str(error or "") or "it cannot be parsed"
    return " ".join(str(reason).replace("`", "'").split())[:200]


def parse_ris(text: str, out: LibraryParse) -> None:
    """RIS records (``TY  -`` to ``ER  -``), each parsed by rispy on its own so that one broken record
    is reported by its number and line and the others are kept."""
    starts = [m.start() for m in islice(_RIS_START.finditer(text), MAX_RECORDS + 1)]
    line, counted = 1, 0  # the line of each start, counted on from the last (not from the top: quadratic)
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], len(text)], strict=True), 1):
        line, counted = line + text.count("\n", counted, start), start
        where = f"record {number} (line {line})"
        if number > MAX_RECORDS:
            out.stop(where, f"more than {MAX_RECORDS:,} records: the rest of the file was not read")
            return
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
