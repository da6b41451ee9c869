"""The layout is the architecture: dependencies flow one way (teaching -> analysis -> runs ->
model), benchmarks and the command line sit outside the library's import graph, the console
script runs the same front end as run.py, and a server started by the project stops with it.
"""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, answers, assert_port_free, cli, free_port

# package -> packages it must never import
FORBIDDEN = {
    "model": ("experiments", "run"),
    "experiments.runs": ("experiments.analysis", "experiments.teaching", "experiments.bench",
                         "experiments.calibration", "experiments.cli", "run"),
    "experiments.analysis": ("experiments.teaching", "experiments.bench", "experiments.cli",
                             "experiments.calibration", "run"),
    "experiments.calibration": ("experiments.teaching", "experiments.bench", "experiments.cli",
                                "run"),
    "experiments.teaching": ("experiments.bench", "experiments.cli", "run"),
    "experiments.bench": ("experiments.cli", "experiments.teaching", "run"),
}


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names), including imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def _hits(name: str, banned: str) -> bool:
    return name == banned or name.startswith(banned + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_flow_one_way(package):
    bad = [(_module(p), name) for p in _sources(package) for name in _imports(p)
           for banned in FORBIDDEN[package] if _hits(name, banned)]
    assert not bad, f"{package} must not import {FORBIDDEN[package]}: {bad}"


def test_only_the_command_line_imports_the_benchmarks():
    users = {_module(p) for pkg in ("model", "experiments") for p in _sources(pkg)
             if any(_hits(n, "experiments.bench") for n in _imports(p))
             and not _module(p).startswith("experiments.bench")}
    assert users == {"experiments.cli"}


def test_the_import_checker_sees_a_forbidden_import(tmp_path):
    # The checker above must be able to fail: a function-level import is found too.
    src = tmp_path / "x.py"
    src.write_text("def f():\n    from experiments.teaching.story import tell\n", encoding="utf-8")
    assert any(_hits(n, "experiments.teaching") for n in _imports(src))


@pytest.mark.parametrize("package", ["experiments", "experiments.runs", "experiments.analysis",
                                     "experiments.calibration", "experiments.teaching",
                                     "experiments.bench"])
def test_every_package_says_what_lives_there_and_what_it_may_import(package):
    init = ROOT / package.replace(".", "/") / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc) > 150
    if package != "experiments":
        assert "May import" in doc


def test_the_console_script_runs_the_same_front_end_as_run_py():
    govsim = shutil.which("govsim", path=str(Path(sys.executable).parent))
    assert govsim, "the govsim console script is installed with the package (pip install -e .)"
    a = subprocess.run([govsim, "scenarios"], capture_output=True, text=True, timeout=120)
    b = cli("scenarios")
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert a.stdout == b.stdout and "stability-ai" in a.stdout
    bad = subprocess.run([govsim, "simulate", "--scenario", "nope"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown scenario 'nope'")


def test_a_closed_pipe_ends_a_command_quietly():
    cmd = f"{sys.executable} {ROOT / 'run.py'} params | head -n 1"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.stdout.startswith("Parameters of scenario")
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr


def _children(pid: int) -> set[int]:
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.add(int(d.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_the_dashboard_server_stops_with_its_launcher(sig):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "dashboard", "--port",
                             str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    servers: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while not answers(url):
            assert proc.poll() is None and time.monotonic() < deadline, "no dashboard server"
            time.sleep(0.5)
        servers = _children(proc.pid)
        assert servers, "the dashboard runs as a child process of run.py"
        proc.send_signal(sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while (any(_alive(s) for s in servers) or answers(url)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(s) for s in servers), "the server outlived its launcher"
        assert not answers(url)
        assert_port_free(port)
    finally:
        proc.kill()
        for s in servers:
            try:
                os.kill(s, signal.SIGKILL)
            except ProcessLookupError:
                pass
