"""A 3-reader ``academichub run`` against an OpenAI-compatible server that never answers.

Starts tests/fake_llm.py in "hang" mode on a local threaded server, adds three readers (zh, en,
bilingual), runs the sample day through the real CLI in a subprocess, and prints the CLI's LLM line,
the exit code, the wall time and how many requests the server received.

    WT=/work/main T=2 python bench/llm_hang_bench.py      # the code at WT, request timeout T seconds
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

from pytest_httpserver import HTTPServer  # noqa: E402

from academichub.settings import SAMPLE_DAY_DIR  # noqa: E402
from tests.fake_llm import FakeLLM  # noqa: E402


def main() -> None:
    code_dir, timeout = os.environ.get("WT", str(HERE)), os.environ.get("T", "60")
    fake = FakeLLM()
    fake.hang_seconds = 3600
    fake.mode = {"paper": "hang", "theme": "hang", "opening": "hang"}
    server = HTTPServer(threaded=True)
    server.start()
    server.expect_request("/v1/chat/completions", method="POST").respond_with_handler(fake)
    tmp = tempfile.mkdtemp()
    env = dict(
        os.environ,
        PYTHONPATH=code_dir,
        ACADEMICHUB_LLM_TIMEOUT=timeout,
        ACADEMICHUB_DATABASE_URL=f"sqlite:///{tmp}/a.db",
        ACADEMICHUB_OUTBOX_DIR=f"{tmp}/outbox",
        OPENAI_BASE_URL=server.url_for("/v1"),
        OPENAI_API_KEY="x",
        ACADEMICHUB_LLM_MODEL="m",
        PREFECT_HOME=f"{tmp}/prefect",
        ACADEMICHUB_ARXIV_MIN_INTERVAL="0",
    )
    cli = [sys.executable, "-m", "academichub.cli"]
    try:
        for address, lang in (("zh@example.org", "zh"), ("en@example.org", "en"), ("bi@example.org", "bilingual")):
            subprocess.run(
                [*cli, "subscribers", "add", address, "--lang", lang, "--interests", "LLM safety"]
                + ["--keywords", "prompt injection, jailbreak, LLM safety"],
                env=env,
                cwd=tmp,
                check=True,
                capture_output=True,
            )
        t0 = time.monotonic()
        run = [*cli, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22"]
        done = subprocess.run(run, env=env, cwd=tmp, capture_output=True, text=True)
        seconds = time.monotonic() - t0
        print("\n".join(line for line in done.stdout.splitlines() if "LLM" in line))
        print(f"exit {done.returncode}, {seconds:.1f} s, the server received {len(fake.requests)} requests")
    finally:
        fake.release.set()
        server.stop()


if __name__ == "__main__":
    main()
