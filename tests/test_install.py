"""AcademicHub as a user installs it: the wheel built from this tree, installed into a fresh virtual
environment and run from a directory outside the checkout (no editable install, no PYTHONPATH).

To keep the suite fast the fresh environment borrows the already installed dependencies (a ``.pth``
line naming this environment's site-packages, which does not run that folder's own ``.pth`` files, so
an editable ``academichub`` there stays invisible); ``academichub`` itself comes from the wheel, and
the test checks that it does."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("academichub", "flows", "subscribers")
# What the package reads at run time besides its modules.
DATA = (
    "academichub/templates",
    "academichub/web/static",
    "academichub/sample",
    "academichub/migrations",
    "academichub/matching/data",
)


def _data_files() -> set[str]:
    found = {"academichub/sources.toml"}
    for folder in DATA:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                found.add(path.relative_to(ROOT).as_posix())
    return found


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built (as pip builds one) from a copy of the tree: no build/ or egg-info left here."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    # No build isolation: the build backend (setuptools) is installed here, and no test needs the internet.
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", out, src])
    (built,) = out.glob("academichub-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; the dependencies borrowed from this one."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", "--clear", venv])
    python = venv / "bin" / "python"
    # Installed before the dependencies are borrowed: pip sees an environment without academichub.
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel])
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_borrowed_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(borrowed)))
    return venv


def _clean_env(home: Path) -> dict[str, str]:
    """The environment of a new user: nothing of this checkout or of the test run."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith(("ACADEMICHUB_", "PREFECT_"))
    }
    env["PREFECT_HOME"] = str(home / ".prefect")
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


def test_the_wheel_ships_templates_static_files_migrations_sources_and_the_sample_day(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_data_files() - names)
    assert not missing, f"not in {wheel.name}: {missing}"
    assert {"academichub/cli/main.py", "flows/daily.py", "subscribers/service.py"} <= names
    assert not any(n.startswith(("tests/", "bench/", "templates/")) for n in names)  # only the packages


def test_the_installed_wheel_runs_the_demo_and_serves_a_page_from_outside_the_checkout(venv, tmp_path):
    python, exe = venv / "bin" / "python", venv / "bin" / "academichub"
    env = _clean_env(tmp_path)
    user = tmp_path / "newcomer"  # an empty folder far from the checkout
    user.mkdir()
    where = _run(
        [python, "-c", "import academichub, flows, subscribers, prefect; print(academichub.__file__, flows.__file__)"],
        cwd=user,
        env=env,
    ).stdout.split()
    for path in where:
        assert Path(path).resolve().is_relative_to(venv.resolve()), f"{path} is not the installed wheel's"

    demo = _run([exe, "demo"], cwd=user, env=env, timeout=600)
    assert "Open the emails:" in demo.stdout, demo.stdout
    emails = sorted((user / "var" / "outbox").rglob("*.html"))
    assert len(emails) == 2, demo.stdout  # the two sample subscribers
    html = emails[0].read_text(encoding="utf-8")
    assert "<table" in html and "{{" not in html and "<mj-" not in html  # rendered MJML, not a template

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [exe, "serve", "--port", str(port)], cwd=user, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        page = None
        deadline = time.monotonic() + 120
        while page is None and time.monotonic() < deadline:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True, timeout=30)
            except httpx.TransportError:
                time.sleep(0.5)
        assert page is not None, "academichub serve did not answer"
        assert page.status_code == 200
        assert "2026-06-22" in page.text  # the demo's edition
        css = re.search(r'href="(/static/[^"]+\.css)"', page.text)
        assert css, "the page links no stylesheet"
        style = httpx.get(f"http://127.0.0.1:{port}{css.group(1)}", timeout=30)
        assert style.status_code == 200 and style.headers["content-type"].startswith("text/css") and style.text
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_extra_the_project_asks_for_exists():
    """pip warns (and installs nothing) for an extra a package does not have, e.g. moto[sesv2]."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for group in project["optional-dependencies"].values() for r in group]
    checked = 0
    for req in wanted:
        if not req.extras or req.name == "academichub":
            continue
        try:
            provided = metadata.metadata(req.name).get_all("Provides-Extra") or []
        except metadata.PackageNotFoundError:
            continue  # not installed here (an extra of an extra): nothing to compare with
        normalised = {re.sub(r"[-_.]+", "-", e).lower() for e in provided}
        unknown = {e for e in req.extras if re.sub(r"[-_.]+", "-", e).lower() not in normalised}
        assert not unknown, f"{req}: {req.name} has no extra {sorted(unknown)} (it has {sorted(provided)})"
        checked += 1
    assert checked >= 3  # moto, psycopg, uvicorn at least
