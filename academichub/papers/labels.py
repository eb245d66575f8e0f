"""The one form a paper's source is shown in: in emails, on pages, in the API and the CLI, and what
the web's source filter accepts.

An arXiv category is written as arXiv and the catalogue write it (``arXiv (cs.AI)``,
``arXiv (quant-ph)``, never ``arXiv (CS.AI)``); a journal by its name, without the trailing
``(Express)``-style part its feed may add (``Science (Express)`` is ``Science``, the catalogue's
label); a preprint server's subject as ``medRxiv (Epidemiology)``. Labels stored before this form are
shown in it too (``shown_label`` is applied when a card is made)."""

from __future__ import annotations

import re

_ARXIV = re.compile(r"^arXiv \(([A-Za-z][A-Za-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?)\)$")
_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")


def arxiv_category(text: str) -> str:
    """An arXiv category in arXiv's own spelling, whatever its case: ``CS.CV`` → ``cs.CV``,
    ``QUANT-PH`` → ``quant-ph``, ``COND-MAT.MES-HALL`` → ``cond-mat.mes-hall`` (a subject class is
    upper case when it is an abbreviation of at most three letters; tests check every catalogue key)."""
    archive, _, subject = text.partition(".")
    if not subject:
        return archive.lower()
    short = len(subject) <= 3 and "-" not in subject
    return f"{archive.lower()}.{subject.upper() if short else subject.lower()}"


def arxiv_label(category: str | None) -> str:
    return f"arXiv ({arxiv_category(category)})" if category else "arXiv"


def shown_label(label: str, server: str = "") -> str:
    """A source label in the one form (see the module's docstring); ``server`` is the paper's
    (``journal`` for a journal)."""
    m = _ARXIV.match(label)
    if m:
        return arxiv_label(m.group(1))
    if server == "journal":
        return _SUFFIX.sub("", label) or label
    return label


def source_matches(wanted: str, label: str) -> bool:
    """Whether a source filter (``?source=``, typed or picked) names this shown label: the same
    words in any case, in the old arXiv form, or a journal's feed name with its suffix."""
    wanted = " ".join(wanted.split())
    if not wanted:
        return True
    label = label.casefold()
    return any(label == w.casefold() for w in (wanted, shown_label(wanted), shown_label(wanted, "journal")))


_SMALL = frozenset({"and", "or", "of", "the", "in", "for", "with", "except", "including"})


def subject_label(server_name: str, subject: str) -> str:
    """A bioRxiv/medRxiv paper's label: ``medRxiv (Allergy and Immunology)``, as the catalogue names
    the subject (the API writes it in lower case)."""
    words = subject.split()
    if not words:
        return server_name
    shown = [w if i and w.lower() in _SMALL else w[:1].upper() + w[1:] for i, w in enumerate(words)]
    return f"{server_name} ({' '.join(shown)})"
