"""Dask worker preload for bench/day_bench.py --dask: the same SES mock in every worker process
(each message built to its final bytes, then dropped)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (str(ROOT), str(ROOT / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

import day_bench  # noqa: E402

import academichub.services as services_mod  # noqa: E402

_MOCK = day_bench.MockedSes()
services_mod.make_mailer = lambda settings: _MOCK  # noqa: E731 - what Services.mailer builds
