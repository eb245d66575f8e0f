"""A reader's own papers from a reference manager's export: BibTeX, RIS, CSL-JSON, or a plain list of
arXiv ids and DOIs (one a line). Everything in the file is untrusted: the file, the number of entries
and every field are bounded; an entry that cannot be read is reported by its number, key or line and
why, and the good ones are kept. Ids become the project's paper ids (``2606.12345``, ``doi:10.x/y``).

The BibTeX and RIS readers are in ``academichub.papers.libformats``; resolving ids without a title
(the stored corpus, arXiv, Crossref) is ``academichub.papers.resolve``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from academichub.papers.markup import html_to_text, latex_to_unicode, squash
from academichub.papers.normalise import ARXIV_ID, clean_doi, find_arxiv_id, title_key

MAX_FILE_BYTES = 5 * 1024 * 1024  # a 2,000-paper Zotero BibTeX export with abstracts is about 4 MB
MAX_ENTRIES = 2000
MAX_RECORDS = 2 * MAX_ENTRIES  # records of any kind read (good or not): the rest of a longer file is not
TITLE_MAX = 300
ABSTRACT_MAX = 2000  # what is stored and matched of an abstract
MAX_JSON_CONTAINERS = 400_000  # "{" and "[" in a CSL-JSON file (an item with 10 authors has about 15)
MAX_PROBLEMS = 50  # problems listed; the rest are counted
FORMATS = ("bibtex", "ris", "csl-json", "ids")
_EXTENSIONS = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".json": "csl-json", ".txt": "ids"}


class LibraryError(ValueError):
    """The file as a whole cannot be read (too large, not text, no entries at all)."""


@dataclass(slots=True)
class LibraryEntry:
    """One of the reader's papers: an id (when the file gave one), a title, a bounded abstract, a year."""

    id: str | None = None
    title: str = ""
    abstract: str = ""
    year: int | None = None
    source: str = ""  # the file's format; after resolution "corpus", "arxiv" or "crossref" when they filled it

    def as_row(self) -> dict:
        return {"id": self.id, "title": self.title, "abstract": self.abstract, "year": self.year, "source": self.source}

    @property
    def resolved(self) -> bool:
        return bool(self.title)


@dataclass(slots=True)
class LibraryParse:
    format: str
    entries: list[LibraryEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "entry 3 (smith2020): no title and no id", ...
    skipped: int = 0  # problems beyond MAX_PROBLEMS, counted only

    def problem(self, where: str, why: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where}: {why}")
        else:
            self.skipped += 1

    def stop(self, where: str, why: str) -> None:
        """The file was not read to its end: said first, however many problems came before."""
        self.problems.insert(0, f"{where}: {why}")
        if len(self.problems) > MAX_PROBLEMS:
            self.problems.pop()
            self.skipped += 1

    def problem_lines(self) -> list[str]:
        more = [f"... and {self.skipped} more problem(s)"] if self.skipped else []
        return self.problems + more


# --- fields -------------------------------------------------------------------------------------

_BRACES = re.compile(r"(?<!\\)[{}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ARXIV_PREFIXED = re.compile(r"\barxiv\s*[:/]\s*" + ARXIV_ID.pattern, re.IGNORECASE)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\." + ARXIV_ID.pattern, re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d|2100)(?!\d)")


def clean_text(value: object, limit: int) -> str:
    """A field as plain text: LaTeX accents and braces, HTML/JATS tags and control characters gone,
    spaces squashed, cut at ``limit`` characters (at a word when there is one)."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value[:20] if isinstance(v, str | int | float))
    text = str(value)[: limit * 4]
    if "<" in text:
        text = html_to_text(text)
    text = _BRACES.sub("", latex_to_unicode(text)) if ("\\" in text or "{" in text or "$" in text) else text
    text = squash(_CONTROL.sub(" ", text))
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0]
        text = (cut if len(cut) > limit // 2 else text[:limit]).rstrip(" ,;:") + "…"
    return text


def paper_id_of(*candidates: object) -> str | None:
    """The paper id an entry's fields name: an arXiv id (from an arXiv URL, ``arXiv:ID``, an arXiv
    DOI or a bare id) first, otherwise ``doi:<lower-case DOI>``."""
    values = [str(c)[:500] for c in candidates if isinstance(c, str | int | float) and str(c).strip()]
    for value in values:
        found = find_arxiv_id(value)
        if found:
            return found[0]
        m = _ARXIV_PREFIXED.search(value) or _ARXIV_DOI.search(value) or ARXIV_ID.fullmatch(value.strip())
        if m:
            return m.group("id")
    for value in values:
        doi = clean_doi(value)
        if doi:
            return f"doi:{doi}"
    return None


def year_of(*candidates: object) -> int | None:
    for value in candidates:
        if isinstance(value, int) and 1800 <= value <= 2100:
            return value
        if isinstance(value, str):
            m = _YEAR.search(value[:200])
            if m:
                return int(m.group(1))
    return None


def make_entry(
    out: LibraryParse, where: str, *, ids: list[object], title: object, abstract: object, year: list[object]
) -> None:
    """Check one entry's fields and keep it, or say why not."""
    entry = LibraryEntry(
        id=paper_id_of(*ids),
        title=clean_text(title, TITLE_MAX),
        abstract=clean_text(abstract, ABSTRACT_MAX),
        year=year_of(*year),
        source=out.format,
    )
    if not entry.id and not entry.title:
        out.problem(where, "no title and no arXiv id or DOI")
        return
    out.entries.append(entry)


# --- formats ------------------------------------------------------------------------------------


def parse_ids(text: str, out: LibraryParse) -> None:
    """One arXiv id, DOI, or arXiv/doi.org link a line; blank lines and ``#`` comments are skipped."""
    for number, line in enumerate(text.splitlines(), 1):
        value = line.strip()
        if not value or value.startswith("#"):
            continue
        if len(out.entries) >= MAX_ENTRIES:
            out.problem(f"line {number}", f"more than {MAX_ENTRIES} entries: the rest were not read")
            return
        pid = paper_id_of(value) if len(value) <= 500 else None
        if pid is None:
            out.problem(f"line {number}", f"{_shown(value)} is not an arXiv id or a DOI")
            continue
        out.entries.append(LibraryEntry(id=pid, source=out.format))


def parse_csl_json(text: str, out: LibraryParse) -> None:
    """CSL-JSON (Zotero's and Mendeley's "CSL JSON" export): a list of items with ``title``,
    ``abstract``, ``DOI``, ``URL``, ``number`` and ``issued.date-parts``."""
    containers = text.count("{") + text.count("[")
    if containers > MAX_JSON_CONTAINERS:  # each is a Python object: 1.7 million empty ones took 123 MiB
        raise LibraryError(
            f"the JSON holds {containers:,} objects and lists; a CSL-JSON export of {MAX_ENTRIES:,} items "
            f"needs far fewer (at most {MAX_JSON_CONTAINERS:,} are read)"
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise LibraryError("the JSON is nested too deeply to be a CSL-JSON export") from None
    except ValueError:  # Python's limit on an int's digits (sys.int_info.default_max_str_digits)
        raise LibraryError("not valid JSON here: a number with more than 4,300 digits") from None
    if isinstance(data, dict):
        data = data.get("items", [data])
    if not isinstance(data, list):
        raise LibraryError("CSL-JSON must be a list of items")
    for number, item in enumerate(data, 1):
        if number > MAX_RECORDS:  # 1.7 million empty objects took 40 s
            out.stop(f"entry {number}", f"more than {MAX_RECORDS:,} records: the rest of the file was not read")
            return
        if len(out.entries) >= MAX_ENTRIES:
            out.problem(f"entry {number}", f"more than {MAX_ENTRIES} entries: the rest were not read")
            return
        if not isinstance(item, dict):
            out.problem(f"entry {number}", f"an item must be an object, not {type(item).__name__}")
            continue
        key = item.get("id") if isinstance(item.get("id"), str | int) else None
        where = f"entry {number}" + (f" ({_shown(str(key))})" if key is not None else "")
        title = item.get("title")
        if title is not None and not isinstance(title, str):
            out.problem(where, "title must be a string")
            continue
        issued = item.get("issued")
        parts = issued.get("date-parts") if isinstance(issued, dict) else None
        first = parts[0][0] if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0] else None
        raw = issued.get("raw") if isinstance(issued, dict) else None
        make_entry(
            out,
            where,
            ids=[item.get("URL"), item.get("number"), item.get("DOI"), item.get("archive_location")],
            title=title,
            abstract=item.get("abstract") if isinstance(item.get("abstract"), str) else "",
            year=[first, raw],
        )


def detect_format(text: str, filename: str | None = None) -> str:
    """The format from the content; the file's extension decides only when the content does not."""
    head = text.lstrip()[:4096]
    if head.startswith(("[", "{")):
        return "csl-json"
    if re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]", head, re.MULTILINE):
        return "bibtex"
    if re.search(r"^TY  -", head, re.MULTILINE):
        return "ris"
    suffix = Path(filename).suffix.lower() if filename else ""
    return _EXTENSIONS.get(suffix, "ids")


def parse_library(data: bytes, filename: str | None = None) -> LibraryParse:
    """Read an export (bytes as uploaded or read from disk): its entries, and what could not be read."""
    from academichub.papers.libformats import parse_bibtex, parse_ris

    if len(data) > MAX_FILE_BYTES:
        raise LibraryError(f"the file is {len(data):,} bytes; a library file may be at most {MAX_FILE_BYTES:,}")
    text = _utf16(data)  # Windows reference managers save UTF-16 with a byte-order mark
    if text is None and b"\x00" in data[:4096]:
        raise LibraryError("this is not a text file (BibTeX, RIS, CSL-JSON or a list of ids)")
    if text is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")  # older BibTeX files; every byte is a character
    text = text.replace("\x00", "")
    out = LibraryParse(format=detect_format(text, filename))
    {"bibtex": parse_bibtex, "ris": parse_ris, "csl-json": parse_csl_json, "ids": parse_ids}[out.format](text, out)
    out.entries = dedupe(out.entries)
    if not out.entries:
        why = "; ".join(out.problems[:3]) or "the file is empty"
        raise LibraryError(f"no paper could be read from this {out.format} file ({why})")
    return out


def _utf16(data: bytes) -> str | None:
    """The text of a UTF-16 file with a byte-order mark (broken pairs replaced), else None."""
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    return data.decode("utf-16", errors="replace").lstrip("\ufeff")


def read_library_file(path: Path) -> LibraryParse:
    if not path.is_file():
        raise LibraryError(f"no such file: {path}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise LibraryError(f"{path} is {path.stat().st_size:,} bytes; a library file may be at most {MAX_FILE_BYTES:,}")
    try:
        return parse_library(path.read_bytes(), path.name)
    except LibraryError as exc:
        raise LibraryError(f"{path}: {exc}") from None


def dedupe(entries: list[LibraryEntry]) -> list[LibraryEntry]:
    """One entry per id (or per title when there is none); the one with more text wins the place."""
    kept: dict[str, LibraryEntry] = {}
    for e in entries:
        key = e.id or "title:" + title_key(e.title)
        old = kept.get(key)
        if old is None or len(e.title) + len(e.abstract) > len(old.title) + len(old.abstract):
            kept[key] = e
    return list(kept.values())


def _shown(value: str, limit: int = 60) -> str:
    value = _CONTROL.sub("?", value)
    return repr(value if len(value) <= limit else value[:limit] + "…")
