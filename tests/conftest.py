"""Shared fixtures and helpers for the test suite.

Conventions
-----------
* Scenarios are loaded fresh for every test (``Parameters`` objects are mutable).
* Seeds are fixed and come from :func:`experiments.runs.seeds.run_seeds` with a root seed.
* ``batch`` runs a scenario over many seeds once per session and caches the finished models;
  tests must only read those models, never step or change them.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:           # the package is used from the checkout, not installed
    sys.path.insert(0, str(ROOT))

from experiments.runs.seeds import run_seeds  # noqa: E402
from model import StartupModel, load  # noqa: E402

ROOT_SEED = 123
BASELINE = "stability-ai"


# --------------------------------------------------------------------------- plain helpers

def cli(*args, timeout=300):
    """Run ``run.py`` with ``args`` in a subprocess, as a user would."""
    import subprocess
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def in_process(*args, results=ROOT / "results"):
    """``run.py`` with ``args`` in this process (same code path as the command, no
    interpreter start-up): a CompletedProcess with the exit status, stdout and stderr."""
    import contextlib
    import io
    import subprocess

    from experiments.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args], results=results, prog="run.py")
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now (for a server a test starts)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    """Whether a server answers ``url`` with 200 within two seconds."""
    import urllib.request
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except OSError:
        return False


def assert_port_free(port: int) -> None:
    """Nothing listens on ``port`` any more (binding it again succeeds)."""
    import socket
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def make_params(name: str = BASELINE, *sets: str):
    """Validated parameters of scenario ``name`` with ``path=value`` overrides."""
    return load(name, list(sets)).params


def seeds(n: int, root: int = ROOT_SEED) -> list[int]:
    return run_seeds(root, n)


def simulate(params, seed: int) -> StartupModel:
    """One finished run."""
    return StartupModel(params, seed=seed).run()


def events(model, kind: str | tuple[str, ...], role: str | None = None) -> list:
    kinds = (kind,) if isinstance(kind, str) else kind
    return [e for e in model.events if e.event in kinds and (role is None or e.role == role)]


def column(model, name: str) -> list:
    return list(model.datacollector.model_vars[name])


def founder_events(model, kind: str | tuple[str, ...]) -> list:
    """Events of ``kind`` acted by the founder-CEO."""
    return events(model, kind, role="founder-CEO")


@functools.lru_cache(maxsize=None)
def _batch(name: str, sets: tuple[str, ...], n: int, root: int) -> tuple[StartupModel, ...]:
    params = make_params(name, *sets)
    return tuple(StartupModel(params, seed=s).run() for s in run_seeds(root, n))


def batch(name: str = BASELINE, sets: tuple[str, ...] | list[str] = (), n: int = 30,
          root: int = ROOT_SEED) -> tuple[StartupModel, ...]:
    """Finished runs of ``name`` (with overrides) over ``n`` seeds; cached for the session."""
    return _batch(name, tuple(sets), n, root)


def km_median_exit(models) -> float | None:
    """Kaplan-Meier median week of the founder's exit (censored at the last week run)."""
    from experiments.analysis.statistics import km_quantiles
    times = [m.ceo_exit_week if m.ceo_exit_week is not None else m.week - 1 for m in models]
    return km_quantiles(times, [m.ceo_exit_week is not None for m in models]).median


# --------------------------------------------------------------------------- fixtures

@pytest.fixture
def baseline():
    """The reference scenario, freshly loaded."""
    return load(BASELINE)


@pytest.fixture
def params_with():
    """``params_with("ceo.listening=0.8", ..., scenario="stability-ai")`` -> Parameters."""
    def build(*sets: str, scenario: str = BASELINE):
        return make_params(scenario, *sets)
    return build
