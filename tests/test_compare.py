"""Comparing outcome distributions: statistics with known answers, the log-rank test on
real model output, the report and its figures, sensitivity, and bad input."""

from __future__ import annotations


import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import cli, seeds
from experiments.analysis import statistics as st
from experiments.runs.designs import build_design
from experiments.runs.runner import summaries
from experiments.runs.seeds import run_seeds
from model import load




def one_error_line(r):
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert "Traceback" not in r.stderr


# ----------------------------------------------------------------------------- known answers

def test_kaplan_meier_matches_a_hand_computation():
    # times 1..6; censored at 4 and 6. At risk 6,5,4 -> S = 5/6, 4/6, 3/6; the censoring at
    # 4 leaves 2 at risk at 5 -> S = 3/6 * 1/2 = 1/4.
    sv = st.survival([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 0])
    expected = {1: 5 / 6, 2: 4 / 6, 3: 3 / 6, 5: 0.25}
    for t, s in expected.items():
        assert sv.survival[list(sv.times).index(t)] == pytest.approx(s)
    assert sv.median == 3.0
    assert sv.observed == 4 and sv.n == 6
    assert np.all(sv.low <= sv.survival + 1e-12) and np.all(sv.survival <= sv.high + 1e-12)


def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    t = np.arange(1, 11)
    sv = st.survival(t, np.ones(10, bool))
    assert np.allclose(sv.survival, 1 - t / 10)
    assert sv.median == 5.0


def test_no_events_gives_no_median():
    sv = st.survival([3, 4, 5], [0, 0, 0])
    assert sv.median is None and sv.observed == 0


def test_wilson_interval_of_a_known_proportion():
    p = st.proportion(5, 10)
    assert p.p == 0.5
    assert p.low == pytest.approx(0.2366, abs=1e-3) and p.high == pytest.approx(0.7634, abs=1e-3)


def test_fdr_matches_benjamini_hochberg_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 -> p*m/rank = 0.04, 0.06, 0.0533, 0.5 -> monotone from top
    assert np.allclose(st.fdr(p), [0.04, 0.0533333, 0.0533333, 0.5], atol=1e-6)


def test_amount_tests_tell_a_shift_from_no_shift():
    rng = np.random.default_rng(5)
    a = rng.normal(0, 1, 200)
    same = st.compare_amounts(a, a.copy(), rng)
    assert same.pvalue == 1.0 and same.effect == 0.0 and same.difference.median == 0.0
    shifted = st.compare_amounts(a, a + 1.0, rng)
    assert shifted.pvalue < 1e-6 and shifted.effect > 0.3
    assert shifted.difference.low <= 1.0 <= shifted.difference.high
    paired = st.compare_amounts(a, a + 0.2 + rng.normal(0, 0.05, 200), rng, paired=True)
    assert paired.test == "Wilcoxon signed-rank" and paired.pvalue < 1e-6 and paired.effect > 0.9


def test_proportion_difference_and_tests():
    x = np.array([True] * 20 + [False] * 80)
    y = np.array([True] * 60 + [False] * 40)
    c = st.compare_proportions(x, y)
    assert c.difference == pytest.approx(0.4)
    assert c.low < 0.4 < c.high and c.pvalue < 1e-6 and c.test == "Fisher exact"
    same = st.compare_proportions(x, x.copy(), paired=True)
    assert same.pvalue == 1.0 and same.test == "McNemar exact"


# ----------------------------------------------------------------------------- log-rank on the model

def _exit_times(name, seed_list):
    rows = summaries(load(name), seed_list)
    t = [r["ceo_exit_week"] if r["ceo_exit_week"] is not None else r["weeks_run"] - 1 for r in rows]
    return t, [r["ceo_exit_week"] is not None for r in rows]


def test_logrank_finds_the_difference_between_founder_and_board_control():
    s = seeds(80, root=777)
    a = _exit_times("stability-ai", s)
    b = _exit_times("board-control", s)
    assert st.logrank(*a, *b).pvalue < 0.01


@pytest.mark.slow
def test_logrank_seldom_finds_a_difference_between_seed_sets_of_one_scenario():
    # One pair of seed sets may differ "significantly" by chance (5% of pairs at p < 0.05);
    # over 20 independent pairs, more than 4 such pairs would be a false-alarm rate the test
    # does not have (binomial: P(X > 4) = 1.6% at 5%).
    seeds_all = run_seeds(1001, 20 * 2 * 30)
    false_alarms = 0
    for k in range(20):
        a = _exit_times("stability-ai", seeds_all[60 * k: 60 * k + 30])
        b = _exit_times("stability-ai", seeds_all[60 * k + 30: 60 * k + 60])
        false_alarms += st.logrank(*a, *b).pvalue < 0.05
    assert false_alarms <= 4, false_alarms


# ----------------------------------------------------------------------------- designs

def test_saltelli_design_swaps_one_column_per_block():
    d = build_design("saltelli", ["ceo.listening=0:1", "ceo.spending=0:1"], 8, seed=3)
    pts = np.array([[p["ceo.listening"], p["ceo.spending"]] for p in d.points])
    assert len(pts) == 8 * 4
    a, b, ab0, ab1 = pts[:8], pts[8:16], pts[16:24], pts[24:32]
    assert np.allclose(ab0[:, 0], b[:, 0]) and np.allclose(ab0[:, 1], a[:, 1])
    assert np.allclose(ab1[:, 1], b[:, 1]) and np.allclose(ab1[:, 0], a[:, 0])


# ----------------------------------------------------------------------------- end to end

@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    base = tmp_path_factory.mktemp("cmp")
    grid = base / "grid"
    r = cli("sweep", "--replicates", 12, "--weeks", 80, "--jobs", 2, "--no-progress",
            "--trajectories", "--vary", "governance.removal_by=board,shareholders",
            "--vary", "ceo.listening=0.1,0.8", "--out", grid)
    assert r.returncode == 0, r.stderr
    a, b, c = base / "a", base / "b", base / "c"
    for out, sc, seed in ((a, "stability-ai", 1), (b, "board-control", 1), (c, "stability-ai", 2)):
        r = cli("sweep", "--scenario", sc, "--replicates", 16, "--weeks", 80, "--jobs", 2,
                "--seed", seed, "--no-progress", "--out", out)
        assert r.returncode == 0, r.stderr
    salt = base / "salt"
    r = cli("sweep", "--design", "saltelli", "--samples", 8, "--replicates", 2, "--weeks", 60,
            "--jobs", 2, "--no-progress", "--vary", "ceo.listening=0:1",
            "--vary", "ceo.spending=0:1", "--out", salt)
    assert r.returncode == 0, r.stderr
    return {"grid": grid, "a": a, "b": b, "c": c, "salt": salt, "base": base}


def _pngs_ok(paths):
    for p in paths:
        assert p.exists(), p
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", p
        assert p.stat().st_size > 5000, p     # a real figure, not an empty canvas


def test_compare_by_a_parameter_writes_a_report_with_every_figure(sweeps, tmp_path):
    out = tmp_path / "report"
    r = cli("compare", sweeps["grid"], "--by", "governance.removal_by", "--out", out)
    assert r.returncode == 0, r.stderr
    # one sweep split by a parameter: same replicate and other values -> paired runs
    assert "runs are paired" in r.stdout
    assert "log-rank" in r.stdout and "Wilcoxon signed-rank" in r.stdout and "McNemar" in r.stdout
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    figs = sorted((out / "figures").glob("*.png"))
    names = {p.name for p in figs}
    for expected in ("survival-ceo_exit_week.png", "distribution-exec_departures.png",
                     "proportions.png"):
        assert expected in names
    assert any(n.startswith("fan-") for n in names) and any(n.startswith("events-") for n in names)
    _pngs_ok(figs)
    for p in figs:     # every figure is shown in both reports
        assert f"figures/{p.name}" in md and f"figures/{p.name}" in html
    assert "| outcome (unit) | group | runs |" in md and "<table>" in html


def test_compare_two_sweeps_with_shared_seeds_is_paired(sweeps, tmp_path):
    r = cli("compare", sweeps["a"], sweeps["b"], "--outcomes", "ceo_exit_week,exec_departures,"
            "ceo_out_by_78", "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    assert "paired" in r.stdout and "Wilcoxon signed-rank" in r.stdout and "McNemar" in r.stdout


def test_compare_sweeps_with_other_seeds_is_not_paired(sweeps, tmp_path):
    r = cli("compare", sweeps["a"], sweeps["c"], "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    assert "not paired" in r.stdout
    assert "Mann-Whitney U" in r.stdout and "Fisher exact" in r.stdout and "KS D=" in r.stdout


def test_plot_draws_responses_and_a_heat_map_for_two_parameters(sweeps, tmp_path):
    r = cli("plot", sweeps["grid"], "--outcomes", "ceo_out_by_78,exec_departures",
            "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    figs = sorted((tmp_path / "figures").glob("*.png"))
    names = {p.name for p in figs}
    assert "heatmap-governance-removal-by-ceo-listening.png" in names
    assert "response-exec_departures-ceo-listening.png" in names
    _pngs_ok(figs)


def test_sensitivity_gives_sobol_indices_for_a_saltelli_sweep(sweeps):
    r = cli("sensitivity", sweeps["salt"], "--outcome", "exec_departures")
    assert r.returncode == 0, r.stderr
    assert "first order" in r.stdout and "total order" in r.stdout
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith("ceo.")]
    assert len(rows) == 2
    _pngs_ok([sweeps["salt"] / "figures" / "sensitivity-exec_departures.png"])


def test_sensitivity_on_too_few_points_says_it_cannot_rank(sweeps):
    # 4 design points, 2 parameters (one of them categorical, coded): too few to rank
    r = cli("sensitivity", sweeps["grid"], "--outcome", "exec_departures")
    one_error_line(r)
    assert "2 parameters needs at least 5 design points; this sweep has 4" in r.stderr


def test_runs_in_a_report_match_the_store(sweeps):
    rows = pq.read_table(sweeps["grid"] / "runs.parquet").to_pylist()
    from experiments.analysis.compare import compare, load_groups
    groups = load_groups([sweeps["grid"]], by="governance.removal_by")
    assert sum(len(g.rows) for g in groups) == len(rows)
    c = compare(groups, ["exec_departures"])
    for g, pg in zip(groups, c.summaries[0].per_group):
        assert pg["median"] == pytest.approx(np.median([r["exec_departures"] for r in g.rows]))


def test_the_founders_seat_and_the_staff_letter_can_be_compared(sweeps, tmp_path):
    r = cli("compare", sweeps["a"], sweeps["b"], "--outcomes",
            "founder_left_board_week,staff_letter_week", "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    assert "founder leaves the board" in r.stdout and "employees' open letter" in r.stdout


def test_an_outcome_older_runs_lack_is_one_clear_error(sweeps):
    from experiments.analysis.compare import compare, load_groups
    from experiments.runs.store import SweepError
    groups = load_groups([sweeps["a"], sweeps["b"]])
    for g in groups:
        for row in g.rows:
            del row["founder_left_board_week"]          # as stored by an older version
    with pytest.raises(SweepError, match="founder_left_board_week: these runs have no such"):
        compare(groups, ["ceo_exit_week", "founder_left_board_week"])


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("case", ["not_a_sweep", "unknown_outcome", "by_not_varied",
                                  "single_group", "sensitivity_unknown_outcome",
                                  "sensitivity_not_a_sweep"])
def test_bad_input_is_one_error_line(case, sweeps, tmp_path):
    args = {
        "not_a_sweep": ("compare", tmp_path, sweeps["a"]),
        "unknown_outcome": ("compare", sweeps["a"], sweeps["b"], "--outcomes", "happiness"),
        "by_not_varied": ("compare", sweeps["grid"], "--by", "ceo.spending"),
        "single_group": ("compare", sweeps["a"]),
        "sensitivity_unknown_outcome": ("sensitivity", sweeps["salt"], "--outcome", "joy"),
        "sensitivity_not_a_sweep": ("sensitivity", tmp_path, "--outcome", "exec_departures"),
    }[case]
    out = tmp_path / "never"
    r = cli(*args, *(("--out", out) if args[0] == "compare" else ()))
    one_error_line(r)
    assert not out.exists()
