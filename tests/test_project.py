"""Project wiring: prefect.yaml entrypoints import and their parameters validate; .ci/run runs the README command."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from prefect.flows import Flow

ROOT = Path(__file__).resolve().parents[1]


def test_prefect_yaml_entrypoints_import_and_parameters_validate():
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    assert config["deployments"]
    for dep in config["deployments"]:
        module, func = dep["entrypoint"].split(":")
        flow = getattr(importlib.import_module(module.removesuffix(".py").replace("/", ".")), func)
        assert isinstance(flow, Flow)
        flow.validate_parameters(dep.get("parameters") or {})
        for schedule in dep.get("schedules") or []:
            assert schedule["timezone"] and len(schedule["cron"].split()) == 5
            ZoneInfo(schedule["timezone"])
        assert "secret" not in str(dep).lower()
    assert {"prepare-edition", "deliver-due", "refresh-libraries", "process-ses-events"} <= {
        d["name"] for d in config["deployments"]
    }


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.+?)\n```", readme)
    assert len(commands) >= 2
    assert "academichub demo" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_library_modules_do_not_import_prefect():
    import subprocess
    import sys

    modules = [
        "academichub.papers.ingest",
        "academichub.editions.caches",
        "academichub.briefing.cache",
        "subscribers.bounces",
    ]
    code = f"import sys; import {', '.join(modules)}; sys.exit('prefect' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
