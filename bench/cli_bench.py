"""How long the command line takes to answer, side by side with ``python -c "import prefect"``.

    .venv/bin/python bench/cli_bench.py [--runs 7] [--tree PATH]

Every measurement is a fresh process, timed from spawn to exit (wall time), with this interpreter;
the command runs as the console script does (``academichub.cli.main:main``), from an empty folder.
The runs of the things compared alternate (A B C ... A B C ...), so that a busy machine slows them
alike. Reported: the median of the runs, min and max, and which heavy modules the command loaded (one
extra, untimed run that reports ``sys.modules`` at exit).

1. ``academichub --help`` against ``python -c "import prefect"``: the ratio of the medians (target
   below 1/4).
2. On a database holding the sample day with its themes (set up beforehand, not timed): ``papers``,
   ``themes``, ``ingest --from`` one file of the sample day (into a copy of a database holding the
   day without that file: its papers are new), ``match --interests``.

``--tree PATH`` runs the commands of another checkout (``PYTHONPATH=PATH``), e.g. the code before a
change, to compare on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "from academichub.cli.main import main; main()"
REPORT = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: print('LOADED ' + json.dumps(sorted(m for m in "
    "('prefect', 'sklearn', 'torch', 'sqlalchemy', 'uvicorn') if m in sys.modules)), file=sys.stderr))\n" + CLI
)
ONE_FILE = "arxiv-rss-quant-ph.xml"
DAY = "2026-06-22"


def machine() -> str:
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line), "?")
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({model}), {int(mem) / 2**20:.0f} GiB, Python {platform.python_version()}"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


class Runner:
    def __init__(self, tree: Path, work: Path):
        self.tree, self.work = tree, work
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("ACADEMICHUB_", "PREFECT_"))}
        self.env.update(
            PYTHONPATH=str(tree),
            PREFECT_HOME=str(work / "prefect-home"),  # kept between runs, as a user's ~/.prefect is
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            ACADEMICHUB_DATABASE_URL=f"sqlite:///{work / 'academichub.db'}",
            ACADEMICHUB_OUTBOX_DIR=str(work / "outbox"),
        )
        self.cwd = work / "cwd"
        self.cwd.mkdir(exist_ok=True)

    def argv(self, args: list[str], code: str = CLI) -> list[str]:
        return [sys.executable, "-c", code, *args]

    def once(self, argv: list[str], env: dict | None = None) -> float:
        started = time.perf_counter()
        result = subprocess.run(argv, cwd=self.cwd, env=env or self.env, capture_output=True, text=True)
        took = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"{argv[3:] or argv} failed ({result.returncode}):\n{result.stderr[-2000:]}")
        return took

    def loaded(self, args: list[str], env: dict | None = None) -> list[str]:
        result = subprocess.run(
            self.argv(args, REPORT), cwd=self.cwd, env=env or self.env, capture_output=True, text=True
        )
        line = [x for x in result.stderr.splitlines() if x.startswith("LOADED ")]
        return json.loads(line[-1].removeprefix("LOADED ")) if line else ["?"]


def summary(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout whose academichub is measured")
    args = parser.parse_args()
    tree = args.tree.resolve()
    sample = tree / "academichub" / "sample" / f"day-{DAY}"
    work = Path(tempfile.mkdtemp(prefix="cli-bench-"))
    r = Runner(tree, work)
    print(f"machine: {machine()}; tree: {tree}; load average at start: {load()}", flush=True)

    # 1. --help against import prefect, alternating.
    plain = {k: v for k, v in r.env.items() if k != "PYTHONPATH"}
    helps, prefects = [], []
    for _ in range(args.runs):
        helps.append(r.once(r.argv(["--help"])))
        prefects.append(r.once([sys.executable, "-c", "import prefect"], plain))
    rows = [
        ("academichub --help", summary(helps), r.loaded(["--help"])),
        ('python -c "import prefect"', summary(prefects), ["prefect"]),
    ]

    # 2. The commands on the sample day. Set-up (not timed): the day without one file (kept as a copy
    # for the ingest runs), then the file, then the day's themes found and stored.
    without = work / "without-one-file"
    without.mkdir()
    for f in sample.iterdir():
        if f.name != ONE_FILE and f.suffix == ".xml":
            shutil.copy(f, without / f.name)
    r.once(r.argv(["ingest", "--from", str(without), "--date", DAY]))
    shutil.copy(work / "academichub.db", work / "day-without-one-file.db")
    r.once(r.argv(["ingest", "--from", str(sample / ONE_FILE), "--date", DAY]))
    r.once(r.argv(["themes"]))  # finds and stores them (the first time only, with this change)

    ingest_env = {**r.env, "ACADEMICHUB_DATABASE_URL": f"sqlite:///{work / 'ingest.db'}"}
    one_file = ["ingest", "--from", str(sample / ONE_FILE), "--date", DAY]
    commands = {
        "academichub papers": (["papers"], r.env),
        "academichub themes": (["themes"], r.env),
        f"academichub ingest --from {ONE_FILE}": (one_file, ingest_env),
        'academichub match --interests "quantum error correction"': (
            ["match", "--interests", "quantum error correction"],
            r.env,
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(3, args.runs - 2)):
        for name, (argv, env) in commands.items():
            if env is ingest_env:  # a fresh copy: the file's papers are new each time
                shutil.copy(work / "day-without-one-file.db", work / "ingest.db")
            times[name].append(r.once(r.argv(argv), env))
    shutil.copy(work / "day-without-one-file.db", work / "ingest.db")
    rows += [(name, summary(times[name]), r.loaded(argv, env)) for name, (argv, env) in commands.items()]

    print(f"load average at end: {load()}\n")
    print("| command | median s | min s | max s | runs | heavy modules loaded |")
    print("|---|---:|---:|---:|---:|---|")
    for name, s, mods in rows:
        heavy = ", ".join(mods) or "none"
        print(f"| `{name}` | {s['median']:.2f} | {s['min']:.2f} | {s['max']:.2f} | {s['runs']} | {heavy} |")
    ratio = rows[0][1]["median"] / rows[1][1]["median"]
    print(f"\n--help / import prefect (medians): {ratio:.2f} (target < 0.25)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
