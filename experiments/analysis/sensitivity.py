"""Sensitivity of an outcome to the swept parameters.

For a sweep made with ``--design saltelli``: first- and total-order Sobol' indices
(``scipy.stats.sobol_indices`` on the stored evaluations, Saltelli et al. 2010 estimators)
with bootstrap intervals. Each design point's value is the mean of the outcome over its
replicates (common random numbers make the points comparable); for a time to an event, the
Kaplan-Meier restricted mean up to the horizon, so runs where the event did not happen
(censored, including runs that ended early) are not counted as if it happened then.

For other designs: partial rank correlation coefficients (PRCC) between each parameter and
the outcome, controlling for the others. PRCC ranks monotonic influence only; it misses
interactions and non-monotonic effects, which Sobol' indices capture. A parameter with
choices (e.g. ``governance.removal_by``) is coded 0, 1, ... in the order its ``--vary``
listed them, and the output says so: with two choices this is exact, with more the ranking
assumes that order.

Both say when they cannot tell: when the widest 95% interval is wider than the largest
index, the sample cannot rank the parameters, and a warning gives the sample size that
would make the intervals about ``TARGET_WIDTH`` wide (widths shrink as 1/sqrt(sample)).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy import stats

from experiments.analysis.compare import (ALL_OUTCOMES, AMOUNTS, BINARY, TIME_TO_EVENT,
                                          event_times)
from experiments.runs.store import read_runs
from experiments.analysis.statistics import restricted_mean
from experiments.runs.store import SweepError, read_manifest


class SobolResult(NamedTuple):
    names: list[str]
    first: np.ndarray
    first_ci: np.ndarray      # (d, 2)
    total: np.ndarray
    total_ci: np.ndarray
    samples: int
    replicates: int


class RankingResult(NamedTuple):
    names: list[str]
    prcc: np.ndarray
    pvalues: np.ndarray
    points: int
    ci: np.ndarray = np.zeros((0, 2))      # (d, 2) 95% interval of each PRCC
    coding: tuple[str, ...] = ()           # how parameters with choices were coded


TARGET_WIDTH = 0.2     # a 95% interval of +-0.1 tells indices apart at the scale they matter


def precision_warning(widths, indices, size: int, what: str, minimum: int = 1,
                      power_of_two: bool = False) -> str | None:
    """A warning when the widest interval is wider than the largest index, with the sample
    size that would give intervals about ``TARGET_WIDTH`` wide (widths ~ 1/sqrt(size))."""
    widest, largest = float(np.max(widths)), float(np.max(np.abs(indices)))
    if not np.isfinite(widest) or widest <= largest:
        return None
    need = max(minimum, int(np.ceil(size * (widest / TARGET_WIDTH) ** 2)))
    if power_of_two:
        need = 2 ** int(np.ceil(np.log2(need)))
    return (f"warning: the 95% intervals (up to {widest:.2f} wide) are wider than the largest "
            f"index ({largest:.2f}): this sample cannot tell the parameters apart. About "
            f"{need} {what} would give intervals about {TARGET_WIDTH:g} wide.")


def outcome_value(row: dict, outcome: str) -> float:
    """A number per run: event weeks censored at the horizon count as the horizon."""
    if outcome in TIME_TO_EVENT:
        v = row[outcome]
        return float(row["weeks_run"] if v is None else v)
    if outcome in AMOUNTS:
        return float(row[outcome]) / AMOUNTS[outcome][2]
    return float(bool(BINARY[outcome][1](row)))


def point_means(root: Path, outcome: str) -> tuple[dict, np.ndarray, list[str], list[dict]]:
    if outcome not in ALL_OUTCOMES:
        raise SweepError(f"--outcome {outcome}: unknown outcome; valid: {', '.join(ALL_OUTCOMES)}")
    m = read_manifest(root)
    table = read_runs(root)
    if table is None:
        raise SweepError(f"{root}: no finished runs yet")
    by_point: list[list[dict]] = [[] for _ in m["design"]["points"]]
    for r in table.to_pylist():
        if r["status"] == "ok":
            by_point[r["point_id"]].append(r)
    if any(not rows for rows in by_point):
        raise SweepError(f"{root}: some design points have no finished runs (resume the sweep)")
    if outcome in TIME_TO_EVENT:
        # Censored event times enter through the Kaplan-Meier restricted mean, not as if the
        # event happened: a run without the event, including one that ended early
        # (insolvency, sale), counts as watched until its last week and no longer.
        horizon = float(m["parameters"]["run"]["weeks"])
        values = np.array([restricted_mean(*event_times(rows, outcome), horizon)
                           for rows in by_point])
    else:
        values = np.array([np.mean([outcome_value(r, outcome) for r in rows])
                           for rows in by_point])
    names = [f["path"] for f in m["design"]["factors"]]
    if not names:
        raise SweepError(f"{root}: the sweep varied no parameters")
    return m, values, names, m["design"]["points"]


def _indices(y: np.ndarray, n_all: int, d: int, n: int, n_resamples: int, rng):
    """Sobol' indices from the first ``n`` rows of each Saltelli block (A, B, AB_1..AB_d of
    ``n_all`` rows each): (first, first_ci, total, total_ci)."""
    f_a, f_b = y[:n][None, :], y[n_all:n_all + n][None, :]
    f_ab = np.stack([y[(2 + i) * n_all:(2 + i) * n_all + n][None, :] for i in range(d)])
    if np.var(np.concatenate([f_a, f_b], axis=1)) == 0:
        zero = np.zeros(d)
        return zero, np.zeros((d, 2)), zero, np.zeros((d, 2))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # small prefixes (convergence) can resample a constant block: NaN, no warning
        warnings.simplefilter("ignore")
        res = stats.sobol_indices(func={"f_A": f_a, "f_B": f_b, "f_AB": f_ab}, n=n)
        boot = res.bootstrap(confidence_level=0.95, n_resamples=n_resamples)
    fci, tci = boot.first_order.confidence_interval, boot.total_order.confidence_interval
    return (np.ravel(res.first_order), np.column_stack([np.ravel(fci.low), np.ravel(fci.high)]),
            np.ravel(res.total_order), np.column_stack([np.ravel(tci.low), np.ravel(tci.high)]))


def sobol(root: Path, outcome: str, seed: int = 0, n_resamples: int = 1000) -> SobolResult:
    m, y, names, _ = point_means(root, outcome)
    if m["design"]["kind"] != "saltelli":
        raise SweepError("Sobol' indices need a sweep made with --design saltelli")
    n = m["design"]["samples"]
    first, first_ci, total, total_ci = _indices(y, n, len(names), n, n_resamples,
                                                np.random.default_rng(seed))
    return SobolResult(names, first, first_ci, total, total_ci, n, m["replicates"])


def convergence(root: Path, outcome: str, n_resamples: int = 300):
    """Sobol' indices from the first 4, 8, ... base samples up to all of them (prefixes of
    a Sobol' sequence of a power-of-two length are balanced): (sizes, first, first_ci,
    total, total_ci, names), stacked by size."""
    m, y, names, _ = point_means(root, outcome)
    n = m["design"]["samples"]
    sizes = [2 ** k for k in range(2, int(np.log2(n)) + 1)]
    rows = [_indices(y, n, len(names), k, n_resamples, np.random.default_rng(0)) for k in sizes]
    first, first_ci, total, total_ci = (np.array([r[i] for r in rows]) for i in range(4))
    return sizes, first, first_ci, total, total_ci, names


def prcc(root: Path, outcome: str) -> RankingResult:
    """Partial rank correlation of each parameter with the outcome (per design point)."""
    m, y, names, points = point_means(root, outcome)
    numeric, coding = list(names), []
    for f in m["design"]["factors"]:
        if not all(isinstance(pt[f["path"]], int | float) for pt in points):
            choices = list(f["values"])
            coding.append(f"{f['path']} coded " + ", ".join(f"{k}={v}" for k, v in
                                                             enumerate(choices)))
            for pt in points:
                pt[f["path"]] = choices.index(pt[f["path"]])
    x = np.array([[pt[p] for p in numeric] for pt in points], dtype=float)
    if len(points) < len(numeric) + 3:
        raise SweepError(f"a ranking of {len(numeric)} parameters needs at least "
                         f"{len(numeric) + 3} design points; this sweep has {len(points)}")
    rx = np.column_stack([stats.rankdata(c) for c in x.T])
    ry = stats.rankdata(y)
    coefs, pvals = [], []
    for i in range(len(numeric)):
        others = np.column_stack([np.ones(len(ry)), np.delete(rx, i, axis=1)])
        res_x = rx[:, i] - others @ np.linalg.lstsq(others, rx[:, i], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        if np.std(res_x) == 0 or np.std(res_y) == 0:
            coefs.append(0.0)
            pvals.append(1.0)
            continue
        r = stats.pearsonr(res_x, res_y)
        coefs.append(float(r.statistic))
        pvals.append(float(r.pvalue))
    # Fisher-z interval with the partial correlation's degrees of freedom
    r = np.clip(np.array(coefs), -0.999999, 0.999999)
    se = 1 / np.sqrt(max(len(points) - 3 - (len(numeric) - 1), 1))
    ci = np.tanh(np.arctanh(r)[:, None] + np.array([-1.96, 1.96]) * se)
    return RankingResult(numeric, np.array(coefs), np.array(pvals), len(points), ci,
                         tuple(coding))


def _what(outcome: str, horizon) -> str:
    if outcome in TIME_TO_EVENT:
        return (f"{outcome}: Kaplan-Meier restricted mean week up to week {horizon} per design "
                f"point (runs without the event, including runs that ended early, are "
                f"censored at their last week)")
    return f"{outcome}: mean per design point"


def analyse(root: Path, outcome: str, out: Path) -> tuple[list[str], Path]:
    """Sobol' indices for a saltelli sweep (with a convergence figure), else a PRCC ranking:
    the lines to print and the ranked bar chart written into ``out``."""
    from experiments.analysis import plots
    root = Path(root)
    m, _, _, _ = point_means(root, outcome)
    what = _what(outcome, m["parameters"]["run"]["weeks"])
    if m["design"]["kind"] == "saltelli":
        r = sobol(root, outcome)
        lines = [f"Sobol' indices of {what}; {r.samples} base samples x "
                 f"{len(r.names) + 2} blocks, {r.replicates} replicates per point; "
                 f"95% bootstrap intervals",
                 f"{'parameter':36s} {'first order':>22s} {'total order':>22s}"]
        for i in sorted(range(len(r.names)), key=lambda i: -r.total[i]):
            lines.append(f"{r.names[i]:36s} {r.first[i]:7.3f} [{r.first_ci[i, 0]:6.3f}, "
                         f"{r.first_ci[i, 1]:6.3f}] {r.total[i]:7.3f} [{r.total_ci[i, 0]:6.3f}, "
                         f"{r.total_ci[i, 1]:6.3f}]")
        widths = np.concatenate([np.ptp(r.first_ci, axis=1), np.ptp(r.total_ci, axis=1)])
        warn = precision_warning(widths, np.concatenate([r.first, r.total]), r.samples,
                                 "base samples (--samples)", power_of_two=True)
        lines += [warn] if warn else []
        path = plots.sensitivity_figure(r.names, r.first, r.first_ci, r.total, r.total_ci,
                                        outcome, Path(out) / f"sensitivity-{outcome}.png")
        if r.samples >= 8:
            conv = plots.convergence_figure(*convergence(root, outcome)[:5], r.names, outcome,
                                            Path(out) / f"convergence-{outcome}.png")
            lines.append(f"convergence of the indices with the sample size: {conv}")
        return lines, path
    r = prcc(root, outcome)
    caveat = ("caveat: a partial rank correlation ranks monotonic effects only; it misses "
              "interactions and non-monotonic effects (use --design saltelli for Sobol' "
              "indices)")
    lines = [f"Partial rank correlation of {what}, with each parameter over "
             f"{r.points} design points ({m['design']['kind']} design); 95% intervals", caveat]
    lines += [f"{c} (order of --vary; with more than two choices the ranking assumes that "
              f"order)" for c in r.coding]
    for i in np.argsort(-np.abs(r.prcc)):
        lines.append(f"  {r.names[i]:36s} PRCC {r.prcc[i]:+.3f} [{r.ci[i, 0]:+.2f}, "
                     f"{r.ci[i, 1]:+.2f}]  p={r.pvalues[i]:.3g}")
    warn = precision_warning(np.ptp(r.ci, axis=1), r.prcc, r.points, "design points",
                             minimum=len(r.names) + 3)
    lines += [warn] if warn else []
    path = plots.ranking_figure(r.names, r.prcc, outcome, "partial rank correlation",
                                Path(out) / f"sensitivity-{outcome}.png")
    return lines, path
