"""Reproducibility: the same seed and parameters give the same run, in memory and on disk."""

import subprocess
import sys

import pytest

from conftest import ROOT, make_params, seeds, simulate
from experiments.runs.runner import simulate as runner_simulate
from model import load


def weekly(model) -> dict:
    return {k: list(v) for k, v in model.datacollector.model_vars.items()}


@pytest.mark.parametrize("scenario", ["stability-ai", "board-control", "disciplined-founder"])
def test_same_seed_same_run(scenario):
    for seed in seeds(3):
        a = simulate(make_params(scenario), seed)
        b = simulate(make_params(scenario), seed)
        assert weekly(a) == weekly(b)
        assert list(a.events) == list(b.events)
        assert len(a.events) > 50


def test_same_parameters_object_reused_gives_the_same_run():
    p = make_params()
    seed = seeds(1)[0]
    a, b = simulate(p, seed), simulate(p, seed)
    assert weekly(a) == weekly(b) and list(a.events) == list(b.events)


def test_different_seeds_give_different_runs():
    p = make_params()
    runs = [simulate(p, s) for s in seeds(4)]
    cash = [tuple(r.datacollector.model_vars["cash"]) for r in runs]
    events = [tuple(r.events) for r in runs]
    assert len(set(cash)) == 4
    assert len(set(events)) == 4


def test_runner_does_not_change_the_scenario_it_runs():
    """experiments.runs.runner.simulate(scenario, seed, weeks) must not change ``scenario``.

    It sets ``scenario.params.run.weeks = weeks`` in place (experiments/runner.py), so every
    later run of the same Scenario object silently uses the shortened horizon.
    """
    sc = load("stability-ai")
    horizon = sc.params.run.weeks
    seed = seeds(1)[0]
    short = runner_simulate(sc, seed, weeks=10)
    assert short.week == 10
    assert sc.params.run.weeks == horizon
    full = runner_simulate(sc, seed)
    assert full.week == simulate(load("stability-ai").params, seed).week


def _simulate_cli(out, seed=11, *extra):
    cmd = [sys.executable, str(ROOT / "run.py"), "simulate", "--scenario", "stability-ai",
           "--seed", str(seed), "--quiet", "--out", str(out), *extra]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_runs_with_the_same_seed_write_byte_identical_files(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 11), (b, 11), (c, 12)):
        r = _simulate_cli(out, seed)
        assert r.returncode == 0, r.stderr
    for name in ("weekly.csv", "events.csv", "summary.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "weekly.csv").read_bytes() != (c / "weekly.csv").read_bytes()
    assert (a / "events.csv").read_bytes() != (c / "events.csv").read_bytes()


def test_cli_output_matches_an_in_memory_run(tmp_path):
    import csv
    import json
    r = _simulate_cli(tmp_path / "run", 11)
    assert r.returncode == 0, r.stderr
    m = simulate(make_params(), 11)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["weeks_run"] == m.week
    assert summary["ceo_exit_week"] == m.ceo_exit_week
    assert summary["final_cash"] == pytest.approx(m.ledger.cash)
    with open(tmp_path / "run" / "events.csv", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    assert ([(int(w), e, a, ro, d, c, float(x) if x else None, cp)
             for w, _, e, a, ro, d, c, x, cp in rows] == [tuple(e) for e in m.events])
