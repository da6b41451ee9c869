"""Reading results: the response to a continuous parameter (known trend and none), the
reference group and the sign of differences, mostly-zero outcomes, and sensitivity that
says when it cannot tell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import cli
from experiments.analysis import statistics as st
from experiments.analysis.compare import Group, compare, load_groups, summary_rows
from experiments.analysis.response import response
from experiments.analysis.sensitivity import _indices, precision_warning

HORIZON = 104


def synthetic_runs(seed: int, trend: bool, values: int = 20, replicates: int = 20):
    """Runs over a parameter x in [0, 1]: with ``trend``, departures rise, the exit comes
    sooner and more often by week 78 as x grows; without, nothing depends on x."""
    rng = np.random.default_rng(seed)
    rows = []
    for x in np.linspace(0, 1, values):
        for rep in range(replicates):
            slope = x if trend else 0.5
            deps = int(rng.poisson(2 + 6 * slope))
            exit_week = rng.exponential(60 * np.exp(-1.2 * slope) / np.exp(-0.6))
            rows.append({"p": float(x), "replicate": rep, "weeks_run": HORIZON,
                         "exec_departures": deps,
                         "ceo_exit_week": int(exit_week) if exit_week < HORIZON - 1 else None,
                         "ceo_exit_kind": "resigned"})
    return rows


OUTCOMES = ("exec_departures", "ceo_out_by_78", "ceo_exit_week")


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_trend_test_finds_a_known_trend_and_not_a_missing_one(outcome):
    found = [response(synthetic_runs(s, True), "p", outcome, HORIZON, seed=s).trend
             for s in range(4)]
    absent = [response(synthetic_runs(s, False), "p", outcome, HORIZON, seed=s).trend
              for s in range(4)]
    assert all(t.pvalue < 0.001 for t in found), found
    # no trend: at most one of four seeds below 5% (a false alarm has probability 5% each)
    assert sum(t.pvalue < 0.05 for t in absent) <= 1, absent
    null = 1.0 if outcome == "ceo_exit_week" else 0.0
    assert sum(t.low <= null <= t.high for t in absent) >= 3, absent
    assert all(not (t.low <= null <= t.high) for t in found), found


def test_trend_sizes_point_the_right_way_with_their_intervals():
    rows = synthetic_runs(1, True)
    deps = response(rows, "p", "exec_departures", HORIZON)
    assert deps.trend.estimate > 0.3 and deps.curve[-1] > deps.curve[0]
    exit_ = response(rows, "p", "ceo_exit_week", HORIZON)
    # the hazard grows by exp(1.2) = 3.3 from x = 0 to x = 1
    assert exit_.trend.low < np.exp(1.2) < exit_.trend.high
    out = response(rows, "p", "ceo_out_by_78", HORIZON)
    assert out.trend.measure == "change in share" and out.trend.estimate > 0.1
    # the band brackets the curve and the sentence names the parameter's range
    ok = np.isfinite(deps.low)
    assert np.all(deps.low[ok] <= deps.curve[ok] + 1e-9) and np.all(deps.curve[ok] <= deps.high[ok] + 1e-9)
    assert deps.sentence.startswith("p 0 -> 1:")


def test_logistic_trend_recovers_the_change_in_share():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 4000)
    y = rng.random(4000) < 0.2 + 0.5 * x
    t = st.logistic_trend(x, y)
    assert t.low < 0.5 < t.high and t.pvalue < 1e-10


# ----------------------------------------------------------------------------- reference and sign

@pytest.fixture(scope="module")
def stake_sweeps(tmp_path_factory):
    base = tmp_path_factory.mktemp("ref")
    out = {}
    for name, spec in (("own", "ceo.stake=0.3,0.55"), ("first", "ceo.listening=0.8,0.4")):
        out[name] = base / name
        r = cli("sweep", "--replicates", 16, "--weeks", 80, "--jobs", 2, "--no-progress",
                "--vary", spec, "--out", out[name])
        assert r.returncode == 0, r.stderr
    return out


def test_reference_is_the_scenarios_value_or_the_first_listed(stake_sweeps):
    groups = load_groups([stake_sweeps["own"]], by="ceo.stake")
    assert groups[0].value == 0.55 and "the scenario's own value" in groups[0].reference_note
    groups = load_groups([stake_sweeps["first"]], by="ceo.listening")
    # 0.8 was listed first; neither value is the scenario's (0.1); not the lowest (0.4)
    assert groups[0].value == 0.8 and "first value given to --vary" in groups[0].reference_note


def test_sign_follows_the_reference_not_the_alphabet(stake_sweeps):
    def difference(reference):
        c = compare(load_groups([stake_sweeps["own"]], by="ceo.stake", reference=reference),
                    ["ceo_out_by_78"])
        shares = [pg["median"] for pg in c.summaries[0].per_group]
        return c.tests[0].effect, shares[1] - shares[0]

    text, d = difference(None)            # group 0.3 minus reference 0.55
    assert text.startswith("ceo.stake 0.3:") and "at 0.55" in text
    assert f"{100 * d:+.0f} points" in text
    flipped, d2 = difference("0.3")
    assert flipped.startswith("ceo.stake 0.55:") and d2 == pytest.approx(-d)
    assert f"{100 * d2:+.0f} points" in flipped


def test_compare_opens_with_a_summary_and_reference(stake_sweeps, tmp_path):
    r = cli("compare", stake_sweeps["own"], "--by", "ceo.stake", "--reference", "0.3",
            "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Summary\nCompared with the reference (stake=0.3, given with "
                               "--reference)")
    md = (tmp_path / "r" / "report.md").read_text()
    assert md.index("## Summary") < md.index("## Groups") and "statistically significant" in md
    bad = cli("compare", stake_sweeps["own"], "--by", "ceo.stake", "--reference", "0.4",
              "--out", tmp_path / "never")
    assert bad.returncode == 2 and bad.stderr.strip() == \
        "error: --reference 0.4: not a group; valid: 0.55, 0.3"
    assert not (tmp_path / "never").exists()


def test_mostly_zero_outcome_is_shown_with_its_share_above_zero_and_mean():
    def rows(k):      # k of 20 runs owe money at the end
        return [{"replicate": i, "weeks_run": 80, "final_payables": 5e6 if i < k else 0.0}
                for i in range(20)]
    groups = [Group("a", Path("."), rows(2), 1, 20), Group("b", Path("."), rows(6), 1, 20)]
    for g in groups:
        g.name, g.where = f"group {g.label}", f"in {g.label}"
    c = compare(groups, ["final_payables"])
    text = " ".join(" ".join(r) for r in summary_rows(c))
    assert "above zero in 10% of runs, mean 0.5" in text and "above zero in 30% of runs, mean 1.5" in text
    assert c.tests[0].effect.startswith("group b: final payables above zero in 30% of runs vs "
                                        "10% in a, +20 points")
    assert "mean 1.5 vs 0.5 $M" in c.tests[0].effect


# ----------------------------------------------------------------------------- continuous parameters end to end

@pytest.fixture(scope="module")
def lhs(tmp_path_factory):
    out = tmp_path_factory.mktemp("lhs") / "lhs"
    r = cli("sweep", "--design", "lhs", "--samples", 10, "--replicates", 6, "--weeks", 60,
            "--jobs", 2, "--no-progress", "--vary", "ceo.listening=0:1",
            "--vary", "ceo.stake=0.3:0.6", "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def test_compare_by_a_sampled_parameter_gives_a_response_and_a_heat_map(lhs, tmp_path):
    r = cli("compare", lhs, "--by", "ceo.listening", "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Summary\nHow the outcomes respond to ceo.listening (10 values")
    assert "Cox score test" in r.stdout and "Spearman" in r.stdout and "logistic" in r.stdout
    figs = {p.name for p in (tmp_path / "r" / "figures").glob("*.png")}
    assert figs == {"response-ceo-listening.png", "heatmap-ceo-listening-ceo-stake.png"}
    one = cli("compare", lhs, "--by", "ceo.listening", "--reference", "0.5", "--out", tmp_path / "x")
    assert one.returncode == 2 and one.stderr.count("\n") == 1 and "--bins" in one.stderr


def test_bins_make_quantile_groups(lhs, tmp_path):
    r = cli("compare", lhs, "--by", "ceo.listening", "--bins", 3, "--outcomes",
            "ceo_out_by_78", "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    groups = load_groups([lhs], by="ceo.listening", bins=3)
    assert len(groups) == 3 and sum(len(g.rows) for g in groups) == 60
    assert "the lowest bin" in groups[0].reference_note and "not paired" in r.stdout


# ----------------------------------------------------------------------------- sensitivity

def test_precision_warning_on_a_tiny_sample_and_not_on_a_big_one():
    rng = np.random.default_rng(0)

    def indices(n):       # y = x1 + 0.3 x2 + noise, Saltelli blocks A, B, AB1, AB2
        a, b = rng.random((n, 2)), rng.random((n, 2))
        blocks = [a, b] + [np.where(np.arange(2) == i, b, a) for i in range(2)]
        y = np.concatenate([x[:, 0] + 0.3 * x[:, 1] + rng.normal(0, 0.3, n) for x in blocks])
        f, fci, t, tci = _indices(y, n, 2, n, 300, rng)
        return np.concatenate([np.ptp(fci, axis=1), np.ptp(tci, axis=1)]), np.concatenate([f, t])

    w, i = indices(8)
    warning = precision_warning(w, i, 8, "base samples (--samples)", power_of_two=True)
    assert warning and "cannot tell" in warning
    need = int(warning.split("About ")[1].split()[0])
    assert need > 8 and need & (need - 1) == 0          # a larger power of two
    w, i = indices(4096)
    assert precision_warning(w, i, 4096, "base samples") is None


def test_sensitivity_includes_a_categorical_parameter_and_warns(tmp_path):
    out = tmp_path / "grid"
    r = cli("sweep", "--replicates", 3, "--weeks", 60, "--jobs", 2, "--no-progress",
            "--vary", "governance.removal_by=board,shareholders", "--vary", "ceo.stake=0.3,0.55",
            "--vary", "ceo.listening=0.1,0.5,0.9", "--out", out)
    assert r.returncode == 0, r.stderr
    r = cli("sensitivity", out, "--outcome", "ceo_exit_week")
    assert r.returncode == 0, r.stderr
    assert "governance.removal_by coded 0=board, 1=shareholders" in r.stdout
    assert sum(ln.strip().startswith(("governance.", "ceo.")) and "PRCC" in ln
               for ln in r.stdout.splitlines()) == 3
    assert "censored at their last week" in r.stdout
    assert "warning:" in r.stdout and "design points would give" in r.stdout


def test_saltelli_sensitivity_draws_a_convergence_plot(tmp_path):
    out = tmp_path / "salt"
    r = cli("sweep", "--design", "saltelli", "--samples", 8, "--replicates", 1, "--weeks", 40,
            "--jobs", 2, "--no-progress", "--vary", "ceo.listening=0:1",
            "--vary", "ceo.spending=0:1", "--out", out)
    assert r.returncode == 0, r.stderr
    r = cli("sensitivity", out, "--outcome", "exec_departures", "--out", tmp_path / "f")
    assert r.returncode == 0, r.stderr
    png = tmp_path / "f" / "convergence-exec_departures.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
