"""Sensitivity of an outcome to the swept parameters.

For a sweep made with ``--design saltelli``: first- and total-order Sobol' indices
(``scipy.stats.sobol_indices`` on the stored evaluations, Saltelli et al. 2010 estimators)
with bootstrap intervals. Each design point's value is the mean of the outcome over its
replicates (common random numbers make the points comparable); for a time to an event, the
Kaplan-Meier restricted mean up to the horizon, so runs where the event did not happen
(censored, including runs that ended early) are not counted as if it happened then.

For other designs: partial rank correlation coefficients (PRCC) between each parameter and
the outcome, controlling for the others. PRCC ranks monotonic influence only; it misses
interactions and non-monotonic effects, which Sobol' indices capture.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy import stats

from experiments.analysis.compare import ALL_OUTCOMES, AMOUNTS, BINARY, TIME_TO_EVENT
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
        # event happened; a run that ended early (insolvency, sale) without the event is
        # censored at the horizon, as in the validation facts: the event cannot come.
        horizon = float(m["parameters"]["run"]["weeks"])
        values = np.array([restricted_mean(
            [r[outcome] if r[outcome] is not None else horizon - 1 for r in rows],
            [r[outcome] is not None for r in rows], horizon) for rows in by_point])
    else:
        values = np.array([np.mean([outcome_value(r, outcome) for r in rows])
                           for rows in by_point])
    names = [f["path"] for f in m["design"]["factors"]]
    if not names:
        raise SweepError(f"{root}: the sweep varied no parameters")
    return m, values, names, m["design"]["points"]


def sobol(root: Path, outcome: str, seed: int = 0, n_resamples: int = 1000) -> SobolResult:
    m, y, names, _ = point_means(root, outcome)
    if m["design"]["kind"] != "saltelli":
        raise SweepError("Sobol' indices need a sweep made with --design saltelli")
    n, d = m["design"]["samples"], len(names)
    f_a, f_b = y[:n][None, :], y[n:2 * n][None, :]
    f_ab = np.stack([y[(2 + i) * n:(3 + i) * n][None, :] for i in range(d)])
    if np.var(np.concatenate([f_a, f_b], axis=1)) == 0:
        zero = np.zeros(d)
        return SobolResult(names, zero, np.zeros((d, 2)), zero, np.zeros((d, 2)), n,
                           m["replicates"])
    res = stats.sobol_indices(func={"f_A": f_a, "f_B": f_b, "f_AB": f_ab}, n=n)
    boot = res.bootstrap(confidence_level=0.95, n_resamples=n_resamples)
    fci, tci = boot.first_order.confidence_interval, boot.total_order.confidence_interval
    return SobolResult(names, np.ravel(res.first_order), np.column_stack([np.ravel(fci.low),
                       np.ravel(fci.high)]), np.ravel(res.total_order),
                       np.column_stack([np.ravel(tci.low), np.ravel(tci.high)]), n,
                       m["replicates"])


def prcc(root: Path, outcome: str) -> RankingResult:
    """Partial rank correlation of each parameter with the outcome (per design point)."""
    _, y, names, points = point_means(root, outcome)
    numeric = [p for p in names if all(isinstance(pt[p], int | float) for pt in points)]
    if not numeric:
        raise SweepError("a ranking needs numeric varied parameters")
    x = np.array([[pt[p] for p in numeric] for pt in points], dtype=float)
    if len(points) < len(numeric) + 3:
        raise SweepError(f"a ranking needs at least {len(numeric) + 3} design points")
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
    return RankingResult(numeric, np.array(coefs), np.array(pvals), len(points))


def analyse(root: Path, outcome: str, out: Path) -> tuple[list[str], Path]:
    """Sobol' indices for a saltelli sweep, else a PRCC ranking: the lines to print and the
    ranked bar chart written into ``out``."""
    from experiments.analysis import plots
    root = Path(root)
    m, _, _, _ = point_means(root, outcome)
    if m["design"]["kind"] == "saltelli":
        r = sobol(root, outcome)
        lines = [f"Sobol' indices of {outcome}: {r.samples} base samples x "
                 f"{len(r.names) + 2} blocks, {r.replicates} replicates per point "
                 f"(mean per point); 95% bootstrap intervals",
                 f"{'parameter':36s} {'first order':>22s} {'total order':>22s}"]
        for i in sorted(range(len(r.names)), key=lambda i: -r.total[i]):
            lines.append(f"{r.names[i]:36s} {r.first[i]:7.3f} [{r.first_ci[i, 0]:6.3f}, "
                         f"{r.first_ci[i, 1]:6.3f}] {r.total[i]:7.3f} [{r.total_ci[i, 0]:6.3f}, "
                         f"{r.total_ci[i, 1]:6.3f}]")
        path = plots.sensitivity_figure(r.names, r.first, r.first_ci, r.total, r.total_ci,
                                        outcome, Path(out) / f"sensitivity-{outcome}.png")
        return lines, path
    r = prcc(root, outcome)
    caveat = ("caveat: a partial rank correlation ranks monotonic effects only; it misses "
              "interactions and non-monotonic effects (use --design saltelli for Sobol' "
              "indices)")
    lines = [f"Partial rank correlation of {outcome} with each parameter over "
             f"{r.points} design points ({m['design']['kind']} design)", caveat]
    for i in np.argsort(-np.abs(r.prcc)):
        lines.append(f"  {r.names[i]:36s} PRCC {r.prcc[i]:+.3f}  p={r.pvalues[i]:.3g}")
    path = plots.ranking_figure(r.names, r.prcc, outcome, "partial rank correlation",
                                Path(out) / f"sensitivity-{outcome}.png")
    return lines, path
