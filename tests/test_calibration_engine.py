"""Calibration as inference: ABC-SMC on toy problems with known answers, determinism across
worker counts, resume, screening, priors, and the chain on the model (small)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.calibration.abc import CalibrationError, abc_smc, read_state
from experiments.calibration.priors import BEHAVIOURAL, Prior, default_priors
from experiments.calibration.report import (correlations, draw, point_estimate,
                                            posterior_summary, write_report)
from experiments.calibration.screening import plot_ranking, ranking_text, screen
from model import scenarios
from model.parameters import to_dict

OBS = 1.0          # observed mean of 10 draws from N(mu, 1)
N_OBS = 10


# --------------------------------------------------------------------------- toy models
# top-level, so worker processes can unpickle them

def normal_mean(theta, seed):
    x = np.random.default_rng(seed).normal(theta["mu"], 1.0, size=N_OBS).mean()
    return abs(x - OBS)


def sum_only(theta, seed):
    y = theta["a"] + theta["b"] + np.random.default_rng(seed).normal(0, 0.05)
    return abs(y - 2.0)


_CALLS = {"n": 0, "limit": None}


def interruptible(theta, seed):
    _CALLS["n"] += 1
    if _CALLS["limit"] is not None and _CALLS["n"] > _CALLS["limit"]:
        raise KeyboardInterrupt
    return normal_mean(theta, seed)


def toy_statistics(point):
    return {"a": 10 * point["x1"] + point["x2"] ** 2, "b": 3 * point["x2"] + 0.1 * point["x3"]}


MU = [Prior("mu", "uniform", -5.0, 5.0, "toy")]
AB = [Prior("a", "uniform", 0.0, 2.0, "toy"), Prior("b", "loguniform", 0.05, 2.0, "toy")]


def _mean_sd(res, name):
    x = res.particles[name].to_numpy()
    m = float(np.sum(res.weights * x))
    return m, math.sqrt(float(np.sum(res.weights * (x - m) ** 2)))


# --------------------------------------------------------------------------- ABC-SMC

def test_normal_mean_posterior_matches_the_analytic_one(tmp_path):
    res = abc_smc(MU, normal_mean, tmp_path, population=500, generations=10,
                  min_acceptance=0.05, seed=7, progress=False)
    m, sd = _mean_sd(res, "mu")
    # flat prior on a wide range: posterior N(OBS, 1/sqrt(10)); the final tolerance eps adds
    # about eps^2/3 to the variance (uniform ABC kernel)
    eps = res.epsilons[-1]
    sd_abc = math.sqrt(1 / N_OBS + eps ** 2 / 3)
    ess = res.ess[-1]
    assert abs(m - OBS) < 4 * sd_abc / math.sqrt(ess)
    assert abs(sd - sd_abc) < 0.15 * sd_abc
    assert eps < 0.1 and len(res.epsilons) >= 4
    assert all(a > b for a, b in zip(res.epsilons, res.epsilons[1:]))
    assert len(res.particles) == 500 and abs(res.weights.sum() - 1) < 1e-12
    assert res.particles["mu"].between(-5, 5).all() and (res.distances <= eps).all()


def test_a_sum_identified_pair_shows_a_strong_negative_correlation(tmp_path):
    res = abc_smc(AB, sum_only, tmp_path, population=300, generations=6, seed=3,
                  progress=False)
    r = correlations(res).loc["a", "b"]
    assert r < -0.8, r
    s = res.particles["a"] + res.particles["b"]
    assert abs(float(np.sum(res.weights * s)) - 2.0) < 0.1
    assert res.particles["b"].between(0.05, 2.0).all()


def _gen_bytes(folder):
    return {p.name: p.read_bytes() for p in sorted((Path(folder) / "generations").glob("*"))}


def test_one_and_two_workers_give_identical_particles(tmp_path):
    kw = dict(population=200, generations=4, batch_size=16, seed=11, progress=False)
    a = abc_smc(AB, sum_only, tmp_path / "one", jobs=1, **kw)
    b = abc_smc(AB, sum_only, tmp_path / "two", jobs=2, **kw)
    pd.testing.assert_frame_equal(a.particles, b.particles, check_exact=True)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.seeds, b.seeds)
    assert a.epsilons == b.epsilons and a.evaluations == b.evaluations
    assert _gen_bytes(tmp_path / "one") == _gen_bytes(tmp_path / "two")
    assert ((tmp_path / "one" / "particles.parquet").read_bytes()
            == (tmp_path / "two" / "particles.parquet").read_bytes())


def test_a_generation_forecast_to_fall_below_the_acceptance_floor_is_not_started(tmp_path):
    """Acceptance falls by a roughly constant factor per generation; once the last two
    generations' trend says the next would fall below min_acceptance, the ABC stops at the
    last complete generation instead of running (and abandoning) N / min_acceptance runs."""
    res = abc_smc(MU, normal_mean, tmp_path, population=200, generations=30,
                  min_acceptance=0.08, min_improvement=0.0, seed=3, progress=False)
    state = read_state(tmp_path)
    rates = [g["acceptance"] for g in state["generations"]]
    assert "forecast" in state["stopped"] and "abandoned" not in state["stopped"]
    assert len(rates) >= 4 and min(rates) >= 0.08        # no generation below the floor kept
    assert rates[-1] ** 2 / rates[-2] < 0.08 <= rates[-2] ** 2 / rates[-3]
    assert len(res.epsilons) == len(rates) and (res.distances <= res.epsilons[-1]).all()


def test_resume_after_an_interruption_gives_the_uninterrupted_result(tmp_path):
    kw = dict(population=200, generations=5, seed=5, progress=False, min_acceptance=0.01)
    _CALLS.update(n=0, limit=None)
    whole = abc_smc(MU, interruptible, tmp_path / "whole", **kw)
    total = _CALLS["n"]
    _CALLS.update(n=0, limit=total // 2)            # Ctrl-C in the middle of a generation
    with pytest.raises(KeyboardInterrupt):
        abc_smc(MU, interruptible, tmp_path / "cut", **kw)
    done = len(read_state(tmp_path / "cut")["generations"])
    assert 1 <= done < 5                              # complete generations stayed stored
    _CALLS.update(n=0, limit=None)
    resumed = abc_smc(MU, interruptible, tmp_path / "cut", resume=True, **kw)
    assert _CALLS["n"] < total                         # did not start over
    pd.testing.assert_frame_equal(whole.particles, resumed.particles, check_exact=True)
    assert np.array_equal(whole.weights, resumed.weights)
    assert whole.epsilons == resumed.epsilons
    assert _gen_bytes(tmp_path / "whole") == _gen_bytes(tmp_path / "cut")
    again = abc_smc(MU, interruptible, tmp_path / "cut", resume=True, **kw)   # finished
    assert np.array_equal(again.weights, whole.weights)


def test_resume_refuses_other_settings_with_one_line(tmp_path):
    abc_smc(MU, normal_mean, tmp_path, population=50, generations=2, seed=1, progress=False)
    with pytest.raises(CalibrationError) as e:
        abc_smc(MU, normal_mean, tmp_path, population=60, generations=2, seed=1,
                progress=False, resume=True)
    assert "population differs" in str(e.value) and "\n" not in str(e.value)
    other = [Prior("mu", "uniform", -4.0, 5.0, "toy")]
    with pytest.raises(CalibrationError, match="prior of mu differs in lo"):
        abc_smc(other, normal_mean, tmp_path, population=50, generations=2, seed=1,
                progress=False, resume=True)
    with pytest.raises(CalibrationError, match="resume it or use force"):
        abc_smc(MU, normal_mean, tmp_path, population=50, generations=2, seed=1,
                progress=False)


# --------------------------------------------------------------------------- report

def test_report_point_estimate_and_draws(tmp_path):
    abc_smc(AB, sum_only, tmp_path, population=100, generations=3, seed=2, progress=False)
    path = write_report(tmp_path, predictive=[("f1", "fit", 0.8, True), ("f2", "check", 0.4, False)])
    text = path.read_text()
    for part in ("## Parameters", "## Trade-offs", "posterior.png", "held back", "narrowing"):
        assert part in text
    assert (tmp_path / "posterior.png").exists() and (tmp_path / "correlations.png").exists()
    summ = posterior_summary(tmp_path)
    est = point_estimate(tmp_path)
    assert set(est) == {"a", "b"}
    for p in AB:
        med, lo, hi = summ[p.path]
        assert p.lo <= lo <= med <= hi <= p.hi
        assert abs(est[p.path] - med) <= max(0.1 * (hi - lo), 1e-3 * abs(med))
    d1, d2 = draw(tmp_path, 20, seed=9), draw(tmp_path, 20, seed=9)
    assert d1 == d2 and len(d1) == 20 and set(d1[0]) == {"a", "b"}
    parts = pd.read_parquet(tmp_path / "particles.parquet")
    assert list(parts.columns) == ["a", "b", "weight", "distance", "seed"]


# --------------------------------------------------------------------------- screening

def test_screening_ranks_the_influential_inputs_first(tmp_path):
    pr = [Prior("dummy", "uniform", 0, 1), Prior("x3", "uniform", 0, 1),
          Prior("x2", "loguniform", 0.1, 3), Prior("x1", "uniform", 0, 1)]
    res = screen(pr, toy_statistics, trajectories=10, seed=3, jobs=2)
    assert res.top(2) == ["x2", "x1"]
    assert res.score["dummy"] < 1e-9 and res.score["x3"] < 0.05 * res.score["x1"]
    assert "dummy" in ranking_text(res)
    again = screen(pr, toy_statistics, trajectories=10, seed=3, jobs=1)
    pd.testing.assert_series_equal(res.score, again.score)
    assert plot_ranking(res, tmp_path / "s.png").stat().st_size > 1000
    assert plot_ranking(res, tmp_path / "h.png", highlight=["x3"]).stat().st_size > 1000


def test_each_statistics_leader_is_the_input_that_moves_it_most():
    pr = [Prior("dummy", "uniform", 0, 1), Prior("x3", "uniform", 0, 1),
          Prior("x2", "uniform", 0, 1), Prior("x1", "uniform", 0, 1)]
    res = screen(pr, toy_statistics, trajectories=10, seed=3)
    assert res.leaders() == {"a": "x1", "b": "x2"}
    # with a statistic's leader set aside, the next input that moves it leads
    assert res.leaders(exclude=["x2"]) == {"a": "x1", "b": "x3"}
    # the most moved statistic is judged relative to each statistic's spread
    lines = {ln.split()[1]: ln for ln in ranking_text(res).splitlines()[2:]}
    assert " b (" in lines["x3"] and " a (" in lines["x1"]


# --------------------------------------------------------------------------- priors

def _declared(params, path):
    from experiments.calibration.priors import _leaf
    return _leaf(params, path)


def test_default_priors_lie_within_the_declared_bounds_and_around_the_baseline():
    sc = scenarios.load("stability-ai")
    pr = default_priors(sc.params, sc.sources)
    assert len(pr) >= 30 and len({p.path for p in pr}) == len(pr)
    for p in pr:
        value, meta, tp = _declared(sc.params, p.path)
        assert (meta["lo"] is None or p.lo >= meta["lo"]) and (meta["hi"] is None or p.hi <= meta["hi"])
        assert p.lo <= value <= p.hi and p.why
        assert p.integer == (tp is int)
        if p.kind == "loguniform":
            assert p.lo >= value / 3 - 1e-12 and p.hi <= value * 3 + 1e-12
    paths = {p.path for p in pr}
    assert not paths & {"finance.start_cash", "ceo.listening", "suppliers.aws.share",
                        "run.weeks", "workforce.researchers"}


def test_missing_paths_are_skipped(monkeypatch):
    import experiments.calibration.priors as P
    monkeypatch.setattr(P, "BEHAVIOURAL", BEHAVIOURAL + (("trust.not_there", "x3"),
                                                          ("nosection.x", "x3")))
    sc = scenarios.load("stability-ai")
    assert len(P.default_priors(sc.params)) == len(default_priors(sc.params))


def test_prior_transforms_round_trip():
    for p in [Prior("u", "uniform", 0.1, 0.9), Prior("l", "loguniform", 0.01, 3.0)]:
        x = p.ppf(np.linspace(0.01, 0.99, 7))
        assert np.allclose(p.from_z(p.to_z(x)), x) and np.allclose(p.cdf(x), np.linspace(0.01, 0.99, 7))
        z = p.sample_z(np.random.default_rng(0), 1000)
        assert p.contains(p.from_z(z)).all()


def test_prior_ends_stay_inside_the_support():
    # exp(log(hi)) is one rounding step above hi for some hi (20 x 3 clipped at 52 was):
    # the ends of the prior must still be valid parameter values
    for lo, hi in [(20 / 3, 52.0), (0.1 / 3, 0.3), (1e-3, 7.3)]:
        p = Prior("l", "loguniform", lo, hi)
        ends = np.concatenate([p.ppf([0.0, 1.0]), p.from_z([math.log(lo), math.log(hi)])])
        assert p.contains(ends).all(), ends


# --------------------------------------------------------------------------- the model

def test_fast_overrides_equal_loading_the_scenario_with_them():
    from experiments.calibration.engine import apply_theta
    sc = scenarios.load("stability-ai")
    pr = default_priors(sc.params)
    rng = np.random.default_rng(4)
    theta = {p.path: float(p.ppf(rng.random())) for p in pr}
    theta = {k: (int(round(v)) if p.integer else v) for (k, v), p in zip(theta.items(), pr)}
    fast = apply_theta(sc.params, theta)
    slow = scenarios.load("stability-ai", [f"{k}={v!r}" for k, v in theta.items()]).params
    assert to_dict(fast) == to_dict(slow)
    assert to_dict(sc.params) == to_dict(scenarios.load("stability-ai").params)   # untouched


def test_calibrate_runs_the_whole_chain_on_the_model(tmp_path):
    from experiments.calibration.engine import calibrate
    sc = scenarios.load("stability-ai")
    pr = [p for p in default_priors(sc.params) if p.path in
          ("revenue.growth", "compute.max_growth", "workforce.threshold_mean", "trust.chaos")]
    res = calibrate("stability-ai", tmp_path, population=20, generations=2, jobs=2, seed=3,
                    screen_top=2, screen_trajectories=2, screen_replicates=1,
                    predictive_runs=10, priors=pr, progress=False)
    leaders = set(res.screening.leaders().values())
    assert leaders <= set(res.free) and len(res.free) == max(2, len(leaders))
    assert set(res.free) - leaders <= set(res.screening.top(len(res.free)))
    assert "Leaders:" in (tmp_path / "report.md").read_text()
    for name in ("screening.csv", "screening.png", "state.json", "particles.parquet",
                 "predictive.csv", "report.md", "posterior.png", "correlations.png"):
        assert (tmp_path / name).exists(), name
    parts = pd.read_parquet(tmp_path / "particles.parquet")
    assert list(parts.columns) == res.free + ["weight", "distance", "seed"] and len(parts) == 20
    uses = {r[1] for r in res.predictive}
    assert "fit" in uses
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["settings"]["tag"]["scenario"] == "stability-ai"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [101, 202, 303, 404])
def test_normal_mean_posterior_over_seeds(tmp_path, seed):
    res = abc_smc(MU, normal_mean, tmp_path, population=500, generations=10,
                  min_acceptance=0.05, seed=seed, progress=False, jobs=2)
    m, sd = _mean_sd(res, "mu")
    sd_abc = math.sqrt(1 / N_OBS + res.epsilons[-1] ** 2 / 3)
    assert abs(m - OBS) < 4 * sd_abc / math.sqrt(res.ess[-1])
    assert abs(sd - sd_abc) < 0.15 * sd_abc
