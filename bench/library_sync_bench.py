"""A Zotero library of N items synced from a local server (tests/test_library_sync.py's LocalZotero,
serving pyzotero's recorded items copied under new keys, titles and DOIs): the first, full refresh;
a refresh when nothing changed (one request, 304); a refresh after C items changed and one was
deleted. Wall time, requests, and the rows of the radar's library.

    PYTHONPATH=. .venv/bin/python bench/library_sync_bench.py [--items 2000] [--changed 25]
"""

from __future__ import annotations

import argparse
import copy
import logging
import tempfile
import time
from pathlib import Path

from pytest_httpserver import HTTPServer

from academichub.db import open_database
from academichub.papers.libsync import refresh_libraries
from academichub.services import Services
from academichub.settings import Settings
from subscribers.libsources import SourceInput
from tests.test_library_sync import ITEMS, KEY, LocalZotero, _library, _reader

ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


def key_of(n: int) -> str:
    out = ""
    for _ in range(8):
        n, r = divmod(n, len(ALPHABET))
        out += ALPHABET[r]
    return out


def library(n: int) -> list[dict]:
    items = []
    for i in range(n):
        item = copy.deepcopy(ITEMS[i % len(ITEMS)])
        item["key"] = item["data"]["key"] = key_of(i)
        item["data"].update(title=f"{item['data']['title']} ({i})", DOI=f"10.5555/bench.{i}", url="", extra="")
        items.append(item)
    return items


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--changed", type=int, default=25)
    args = ap.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per request
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
                outbox_dir=Path(tmp),
                library_zotero_api=server.url_for(""),
                _env_file=None,
            )
            open_database(settings)
            zotero = LocalZotero(server, library(args.items), page=100)
            services: Services = _reader(settings, SourceInput.zotero("475425", KEY))
            for label, change in (("full", None), ("unchanged (304)", None), ("changed", args.changed)):
                if change:
                    for i in range(change):
                        zotero.change(key_of(i), title=f"changed {i}")
                    zotero.delete(key_of(change))
                zotero.requests.clear()
                t0 = time.perf_counter()
                report = refresh_libraries(services, force=True)
                took = time.perf_counter() - t0
                print(
                    f"{label:16} {took * 1000:8.0f} ms  {len(zotero.requests):3} requests  "
                    f"{len(_library(services)):5} rows  {report.outcomes[0].state}"
                )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
