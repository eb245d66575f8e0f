"""A real Prefect server, as docs/operations.md runs one: `prefect server start`, the work pool,
`prefect --no-prompt deploy --all` with the repo's prefect.yaml, the server's scheduler creating the
scheduled deployments' runs, the list commands, and a process worker running one deployment.

Everything runs in subprocesses with their own PREFECT_HOME (the server's SQLite database is in it)
on a free loopback port; nothing here depends on the date or the time of day.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from academichub.settings import SAMPLE_DAY_DATE, SAMPLE_DAY_DIR

REPO = Path(__file__).resolve().parents[1]
DEPLOYMENTS = {"ingest", "prepare-edition", "deliver-due", "daily-run", "refresh-libraries", "process-ses-events"}
SCHEDULED = {
    "prepare-edition",
    "deliver-due",
    "refresh-libraries",
    "process-ses-events",
}  # prefect.yaml schedules these
CLI_TIMEOUT = 120  # seconds for one CLI command (a loaded 2-core machine is slow to import Prefect)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, api_url: str, **extra: str) -> dict[str, str]:
    """The caller's environment without its Prefect and AcademicHub settings, plus this server's. Without
    libfaketime too: Prefect's server and worker do not run under it (scripts/suite_at_offset.sh)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ACADEMICHUB_", "FAKETIME", "LD_PRELOAD"))
    }
    env.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            "ACADEMICHUB_HOME": str(REPO),  # prefect.yaml's pull step
            "COLUMNS": "250",  # Rich tables: no truncated names or ids
            "NO_COLOR": "1",
        }
    )
    env.update(extra)
    return env


def _prefect(env: dict[str, str], *args: str, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess:
    """Run the prefect CLI in its own process group; the whole group is killed if it overruns."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", *args],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, _ = proc.communicate()
        raise AssertionError(f"`prefect {' '.join(args)}` did not finish in {timeout} s:\n{out[-4000:]}") from None
    finally:
        _kill_group(proc)  # anything it left behind in its group
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def _ok(env: dict[str, str], *args: str, timeout: float = CLI_TIMEOUT) -> str:
    result = _prefect(env, *args, timeout=timeout)
    assert result.returncode == 0, f"`prefect {' '.join(args)}` exited {result.returncode}:\n{result.stdout[-4000:]}"
    return result.stdout


def _kill_group(proc: subprocess.Popen, grace: float = 10) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=grace)


def _wait_for_health(server: subprocess.Popen, api_url: str, log: Path, limit: float = 150) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert server.poll() is None, f"prefect server exited with {server.returncode}:\n{log.read_text()[-4000:]}"
        try:
            if httpx.get(f"{api_url}/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"prefect server did not answer /api/health in {limit} s:\n{log.read_text()[-4000:]}")


def _flow_runs(api: httpx.Client, states: list[str]) -> list[dict]:
    response = api.post(
        "/flow_runs/filter", json={"flow_runs": {"state": {"type": {"any_": states}}}, "limit": 200, "offset": 0}
    )
    response.raise_for_status()
    return response.json()


def test_deploy_schedule_and_run_on_a_real_prefect_server(tmp_path):
    home = tmp_path / "prefect-home"
    home.mkdir()
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = _env(home, api_url)
    log = tmp_path / "server.log"
    started = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.monotonic() - started - sum(phases.values()), 1)

    with log.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_health(server, api_url, log)
        phase("server up")
        with httpx.Client(base_url=api_url, timeout=30) as api:
            _ok(env, "work-pool", "create", "academichub", "--type", "process")
            out = _ok(env, "--no-prompt", "deploy", "--all", timeout=240)
            for name in DEPLOYMENTS:
                assert f"Deployment '{name}/{name}' successfully created" in out, out[-4000:]
            phase("pool and deploy")

            # The scheduler (not this test) creates the scheduled deployments' runs.
            deployments = api.post("/deployments/filter", json={"limit": 50, "offset": 0})
            deployments.raise_for_status()
            name_of = {d["id"]: d["name"] for d in deployments.json()}
            assert set(name_of.values()) == DEPLOYMENTS
            deadline = time.monotonic() + 90
            scheduled: set[str] = set()
            while time.monotonic() < deadline:
                scheduled = {name_of.get(r["deployment_id"]) for r in _flow_runs(api, ["SCHEDULED"])}
                if SCHEDULED <= scheduled:
                    break
                time.sleep(2)
            assert SCHEDULED <= scheduled, (
                f"the scheduler made runs only for {sorted(n for n in scheduled if n)} in 90 s:\n"
                f"{log.read_text()[-4000:]}"
            )
            assert not scheduled - SCHEDULED, f"unscheduled deployments got runs: {scheduled - SCHEDULED}"
            phase("scheduled runs")

            # The list commands (Prefect 3.8.8's server answered them with 422, loc: body, limit).
            assert "SCHEDULED" in _ok(env, "flow-run", "ls")
            flows = _ok(env, "flow", "ls")
            for name in DEPLOYMENTS:
                assert name in flows, flows
            _ok(env, "deployment", "ls")  # `prefect artifact ls` once there is an artifact, below
            phase("list commands")

            # Only the run started here may reach the worker: pause the schedules (this deletes their
            # future runs) and delete any run that came due meanwhile.
            _ok(env, "--no-prompt", "deployment", "schedule", "pause", "--all")
            for run in _flow_runs(api, ["SCHEDULED", "PENDING"]):
                api.delete(f"/flow_runs/{run['id']}").raise_for_status()
            out = _ok(
                env,
                "deployment",
                "run",
                "ingest/ingest",
                "--param",
                f"from_paths={json.dumps([str(SAMPLE_DAY_DIR)])}",
                "--param",
                f"date_={json.dumps(SAMPLE_DAY_DATE)}",
            )
            match = re.search(r"UUID: ([0-9a-f-]{36})", out)
            assert match, out
            run_id = match.group(1)
            phase("pause, run ingest")

            work = tmp_path / "worker"
            work.mkdir()
            worker_env = _env(
                home,
                api_url,
                ACADEMICHUB_DATABASE_URL=f"sqlite:///{work / 'academichub.db'}",
                ACADEMICHUB_OUTBOX_DIR=str(work / "outbox"),
            )
            worker_out = _ok(worker_env, "worker", "start", "--pool", "academichub", "--run-once", timeout=240)
            phase("worker")

            run = api.get(f"/flow_runs/{run_id}")
            run.raise_for_status()
            assert run.json()["state"]["type"] == "COMPLETED", f"{run.json()['state']}\n{worker_out[-4000:]}"
            artifacts = api.post(
                "/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run_id]}}, "limit": 10, "offset": 0}
            )
            artifacts.raise_for_status()
            assert "ingest-report" in {a["key"] for a in artifacts.json()}
            # The run read the bundled sample day into the worker's database.
            with sqlite3.connect(work / "academichub.db") as db:
                assert db.execute("SELECT count(*) FROM paper").fetchone()[0] > 0
            assert "ingest" in _ok(env, "artifact", "ls")

            server_log = log.read_text()
            for sign in ("InvalidRequestError", "Traceback"):
                assert sign not in server_log, server_log[-4000:]
            print(f"real Prefect server test: {time.monotonic() - started:.0f} s {phases}")
    finally:
        _kill_group(server, grace=15)
