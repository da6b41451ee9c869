"""Parameters given as distributions (model/distributions.py): validated with one-line
errors, drawn per run from the run's seed on a stream of their own, recorded per run in a
sweep's runs.parquet, and without any effect on scenarios that give none."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import cli, seeds
from experiments.runs.runner import simulate
from model import StartupModel, load
from model.parameters import ParameterError
from model.scenarios import from_text

N = 4000      # draws for the moment checks (one per seed, as runs get them)


def one(value: str, path: str = "ceo.listening"):
    return load("stability-ai", [f"{path}={value}"])


def draws(sc, path: str, n: int = N) -> np.ndarray:
    return np.array([sc.draws(s)[path] for s in range(n)])


def test_draws_are_reproducible_per_seed_and_differ_between_seeds():
    sc = one('{dist="beta", a=2, b=3}')
    again = one('{dist="beta", a=2, b=3}')
    first = [sc.draws(s)["ceo.listening"] for s in seeds(20)]
    assert first == [again.draws(s)["ceo.listening"] for s in seeds(20)]
    assert len(set(first)) == 20
    p = sc.params_for(seeds(1)[0])
    assert p.ceo.listening == first[0] and sc.params.ceo.listening == pytest.approx(0.4)


@pytest.mark.parametrize("spec,mean,var", [
    ('{dist="beta", a=2, b=3}', 0.4, 2 * 3 / (25 * 6)),
    ('{dist="uniform", lo=0.2, hi=0.6}', 0.4, 0.4 ** 2 / 12),
    ('{dist="normal", mean=0.5, sd=0.05}', 0.5, 0.05 ** 2),   # bounds 10 sd away
])
def test_draws_have_the_distributions_moments(spec, mean, var):
    x = draws(one(spec), "ceo.listening")
    se = np.sqrt(var / N)
    assert abs(x.mean() - mean) < 4 * se
    assert x.var() == pytest.approx(var, rel=0.1)
    assert 0 <= x.min() and x.max() <= 1


def test_lognormal_has_its_median_and_log_spread():
    x = draws(one('{dist="lognormal", median=20e6, sigma=0.5}', "finance.start_cash"),
              "finance.start_cash")
    assert np.median(x) == pytest.approx(20e6, rel=0.05)
    assert np.log(x).std() == pytest.approx(0.5, rel=0.05)


def test_clipping_keeps_draws_within_the_parameters_bounds():
    x = draws(one('{dist="normal", mean=0.9, sd=0.3}'), "ceo.listening", 1000)
    assert x.min() >= 0 and x.max() == 1.0 and 0.2 < np.mean(x == 1.0) < 0.5
    y = draws(one('{dist="normal", mean=0.5, sd=0.3, lo=0.3, hi=0.7}'), "ceo.listening", 1000)
    assert y.min() == 0.3 and y.max() == 0.7


def test_whole_numbers_and_choices():
    ties = draws(one('{dist="uniform", lo=2, hi=5}', "workforce.ties"), "workforce.ties", 2000)
    assert set(ties.tolist()) == {2, 3, 4, 5}
    assert all(isinstance(t, int) for t in one('{dist="uniform", lo=2, hi=5}',
                                                "workforce.ties").draws(1).values())
    sc = one('{dist="choice", values=["board", "shareholders"], weights=[3, 1]}',
             "governance.removal_by")
    got = draws(sc, "governance.removal_by", 2000)
    assert np.mean(got == "board") == pytest.approx(0.75, abs=0.04)
    assert sc.params.governance.removal_by == "board"        # the most likely choice


def test_a_parameters_draw_does_not_depend_on_the_other_distributions():
    a = one('{dist="beta", a=2, b=3}')
    b = load("stability-ai", ['ceo.listening={dist="beta", a=2, b=3}',
                              'ceo.spending={dist="uniform", lo=0, hi=1}'])
    assert [a.draws(s)["ceo.listening"] for s in range(50)] == \
        [b.draws(s)["ceo.listening"] for s in range(50)]


def test_the_models_own_stream_is_untouched():
    """A distribution that can only give the baseline's value gives the baseline's run, to
    the byte: its draw comes from a stream the model never uses."""
    base = load("stability-ai")
    same = one(f'{{dist="choice", values=[{base.params.ceo.listening}]}}')
    assert same.distributions and not base.distributions
    for s in seeds(3):
        m1, m2 = simulate(base, s), simulate(same, s)
        assert m1.datacollector.model_vars == m2.datacollector.model_vars
        assert list(m1.events.events) == list(m2.events.events)


def test_without_distributions_runs_are_the_models_own():
    sc = load("stability-ai")
    assert sc.params_for(5) is sc.params and sc.draws(5) == {}
    direct = StartupModel(sc.params, seed=5).run()
    assert simulate(sc, 5).datacollector.model_vars == direct.datacollector.model_vars


def test_a_base_scenarios_distribution_is_replaced_whole():
    text = ('base = "stability-ai"\n[ceo]\nlistening = {dist="beta", a=2, b=3}  # assumption\n')
    sc = from_text(text, "pop")
    assert str(sc.distributions["ceo.listening"]) == "beta(a=2, b=3)"
    uni = from_text(text, "pop", ['ceo.listening={dist="uniform", lo=0.1, hi=0.2}'])
    assert uni.distributions["ceo.listening"].kind == "uniform"
    fixed = from_text(text, "pop", ["ceo.listening=0.3"])
    assert not fixed.distributions and fixed.params.ceo.listening == 0.3


@pytest.mark.parametrize("value,path,words", [
    ('{dist="gamma", a=1}', "ceo.listening", ["unknown distribution 'gamma'", "beta, choice"]),
    ('{dist="beta", a=2}', "ceo.listening", ["needs a and b", "'b' is missing"]),
    ('{dist="beta", a=2, b=3, c=1}', "ceo.listening", ["'c' is not a key", "valid: dist"]),
    ('{dist="beta", a=0, b=3}', "ceo.listening", ["'a' must be > 0"]),
    ('{dist="uniform", lo=0.5, hi=2}', "ceo.listening", ["'hi' = 2", "valid [0, 1]"]),
    ('{dist="uniform", lo=0.6, hi=0.5}', "ceo.listening", ["lo 0.6 is above hi 0.5"]),
    ('{dist="uniform", lo=1.5, hi=4}', "workforce.ties", ["whole lo and hi"]),
    ('{dist="normal", mean="x", sd=1}', "ceo.listening", ["'mean' must be a finite number"]),
    ('{dist="normal", mean=0.5, sd=0.1}', "governance.removal_by", ["only a choice"]),
    ('{dist="choice", values=["board", "nobody"]}', "governance.removal_by",
     ["'nobody' is not one of board, shareholders"]),
    ('{dist="choice", values=[0.1, 0.2], weights=[1]}', "ceo.listening", ["one weight per value"]),
    ('{a=1}', "ceo.listening", ["'dist' key"]),
])
def test_bad_distributions_fail_with_one_line_naming_the_parameter(value, path, words):
    with pytest.raises(ParameterError) as err:
        one(value, path)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(path)
    for w in words:
        assert w in msg, msg


def test_the_command_line_shows_and_refuses_distributions(tmp_path):
    r = cli("params", "--set", 'ceo.listening={dist="beta", a=2, b=3}')
    assert r.returncode == 0 and "beta(a=2, b=3)" in r.stdout
    bad = cli("simulate", "--set", 'ceo.listening={dist="beta", a=2}', "--out", tmp_path / "x")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("error: ceo.listening") and not (tmp_path / "x").exists()


def test_a_sweep_records_each_runs_draws_and_a_stored_run_reproduces(tmp_path):
    scen = tmp_path / "pop.toml"
    scen.write_text('base = "stability-ai"\ndescription = "a population"\n[ceo]\n'
                    'listening = {dist="beta", a=2, b=3}   # assumption\n'
                    'stake = {dist="uniform", lo=0.2, hi=0.6}   # assumption, varied below\n'
                    '[workforce]\nties = {dist="uniform", lo=2, hi=8}   # assumption\n')
    out = tmp_path / "sw"
    r = cli("sweep", "--scenario", scen, "--replicates", 4, "--vary", "ceo.stake=0.3,0.55",
            "--weeks", 30, "--jobs", 1, "--out", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    assert {"ceo.listening", "workforce.ties", "ceo.stake"} <= set(runs.columns)
    assert set(runs["ceo.stake"]) == {0.3, 0.55}                # varied: not drawn
    sc = from_text(scen.read_text(), "pop")
    for row in runs.itertuples():
        d = sc.draws(int(row.seed))
        assert runs.loc[row.Index, "ceo.listening"] == d["ceo.listening"]
        assert runs.loc[row.Index, "workforce.ties"] == d["workforce.ties"]
    # replicate k draws the same company at every design point (common random numbers)
    by_rep = runs.groupby("replicate")["ceo.listening"].nunique()
    assert (by_rep == 1).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["distributions"]["ceo.listening"] == "beta(a=2, b=3)"
    # the stored values and seed reproduce the run without the distributions
    row = runs.iloc[5]
    again = load("stability-ai", [f"ceo.listening={float(row['ceo.listening'])!r}",
                                  f"workforce.ties={int(row['workforce.ties'])}",
                                  f"ceo.stake={float(row['ceo.stake'])!r}", "run.weeks=30"])
    m = simulate(again, int(row["seed"]))
    assert m.ledger.cash == row["final_cash"] and len(m.events.events) > 0
