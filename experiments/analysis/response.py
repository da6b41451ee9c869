"""The response of outcomes to a continuous parameter, and to two at once.

A parameter with many values (a Latin hypercube, a Sobol' sample, a long list) is not a set
of groups to test pairwise: each outcome is shown against it as a smoothed curve with a
bootstrap band, and a trend test says whether it rises or falls:

- amounts and counts: the local median (the mean when most runs are zero); trend by
  Spearman's rank correlation, with its interval;
- yes/no outcomes: the local share; trend by a logistic regression on the parameter
  (likelihood-ratio test), its size the change of the fitted share across the range;
- times to an event: the local Kaplan-Meier median week, runs without the event (including
  runs that ended early) right-censored at their last week; trend by a Cox model on the
  parameter (score test), its size the hazard ratio between the ends of the range.

The curve at a value x is the statistic of the runs near x, weighted by a tricube kernel
over the nearest ``SPAN`` of all runs (as LOWESS chooses its window); the band is the 2.5-97.5%
range of the same curve over bootstrap resamples of the runs. With common random numbers
runs at different values share seeds; that correlation makes these tests conservative.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from experiments.analysis import statistics as st
from experiments.analysis.compare import (AMOUNTS, BINARY, SENTENCES, TIME_TO_EVENT,
                                          event_times)

SPAN = 0.3          # share of runs in each local window
GRID = 41           # values of the parameter where the curve is drawn
N_BOOT = 200        # bootstrap resamples for the band
MOSTLY_ZERO = 0.5   # an amount that is zero in at least this share of runs: mean, not median


class Response(NamedTuple):
    outcome: str
    kind: str               # "amount", "mostly-zero", "binary", "time"
    label: str
    statistic: str          # what the curve shows, e.g. "median", "KM median week"
    unit: str
    grid: np.ndarray        # parameter values where the curve is drawn
    curve: np.ndarray
    low: np.ndarray         # 95% bootstrap band
    high: np.ndarray
    points: np.ndarray      # distinct parameter values of the runs
    point_stat: np.ndarray  # the statistic at each distinct value (unsmoothed)
    point_n: np.ndarray     # runs at each distinct value
    trend: st.Trend
    strength: float         # size of the trend on a 0-1 scale (ranks outcomes; see below)
    sentence: str


def is_numeric(values) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def local_weights(x: np.ndarray, grid: np.ndarray, span: float = SPAN) -> np.ndarray:
    """Tricube weights (grid x runs) over the nearest ``span`` of the runs at each value."""
    d = np.abs(x[None, :] - grid[:, None])
    k = max(1, int(np.ceil(span * len(x)))) - 1
    h = np.partition(d, k, axis=1)[:, k]
    h = np.maximum(h, 0.02 * (np.ptp(x) or 1.0)) * 1.0001
    u = np.clip(d / h[:, None], 0, 1)
    return (1 - u ** 3) ** 3


def _weighted_median(w: np.ndarray, y: np.ndarray) -> np.ndarray:
    order = np.argsort(y, kind="stable")
    cum = np.cumsum(w[:, order], axis=1)
    return y[order][np.argmax(cum >= cum[:, -1:] / 2, axis=1)]


def local_statistic(kind: str, w: np.ndarray, y: np.ndarray, o: np.ndarray | None = None,
                    week: float | None = None):
    """The curve's statistic at each row of weights ``w``: weighted median, mean or share,
    or the Kaplan-Meier median of censored times (``o``: event observed), or with ``week``
    the Kaplan-Meier share with the event by that week."""
    if kind == "amount":
        return _weighted_median(w, y)
    if kind == "time":
        t, s = st.km_steps(y, o, w)
        return st.km_median(t, s) if week is None else st.km_share_by(t, s, week)
    with np.errstate(invalid="ignore"):
        return (w @ y) / w.sum(axis=1)


def _values(rows: list[dict], outcome: str) -> tuple[str, np.ndarray, np.ndarray | None]:
    """The outcome per run: (kind, values, event observed or None)."""
    if outcome in TIME_TO_EVENT:
        t, o = event_times(rows, outcome)
        return "time", t, o
    if outcome in AMOUNTS:
        y = np.array([r[outcome] / AMOUNTS[outcome][2] for r in rows], float)
        return ("mostly-zero" if np.mean(y == 0) >= MOSTLY_ZERO else "amount"), y, None
    return "binary", np.array([bool(BINARY[outcome][1](r)) for r in rows], float), None


def _g(v: float) -> str:
    return f"{v:.3g}"


def _week(v: float) -> str:
    return "not reached" if not np.isfinite(v) else f"week {v:g}"


def response(rows: list[dict], param: str, outcome: str, horizon: int,
             seed: int = 0) -> Response:
    """One outcome's response to ``param`` over the runs ``rows`` (see the module doc)."""
    rng = np.random.default_rng(seed)
    x = np.array([r[param] for r in rows], float)
    kind, y, o = _values(rows, outcome)
    grid = np.linspace(x.min(), x.max(), GRID)
    w = local_weights(x, grid)
    stat_kind = {"mostly-zero": "binary"}.get(kind, kind)     # both are local means
    curve = local_statistic(stat_kind, w, y, o)
    week = None
    if kind == "time" and np.mean(np.isnan(curve)) > 0.5:
        # the median is mostly not reached: show the share with the event by the horizon
        week = horizon - 1
        curve = local_statistic(stat_kind, w, y, o, week)
    boot = np.empty((N_BOOT, GRID))
    for b in range(N_BOOT):
        i = rng.integers(0, len(x), len(x))
        boot[b] = local_statistic(stat_kind, w[:, i], y[i], None if o is None else o[i], week)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # columns where no median is reached
        low, high = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    points, inverse = np.unique(x, return_inverse=True)
    onehot = (inverse[None, :] == np.arange(len(points))[:, None]).astype(float)
    point_stat = local_statistic(stat_kind, onehot, y, o, week)
    point_n = onehot.sum(axis=1).astype(int)
    lo, hi = _g(grid[0]), _g(grid[-1])
    ends = w[[0, -1]]
    # one scale for every kind to rank outcomes: Cliff's delta (Gehan's for censored times)
    # between the runs in the lowest and the highest third of the parameter's values
    low_third, high_third = x <= np.quantile(x, 1 / 3), x >= np.quantile(x, 2 / 3)
    strength = abs(st.dominance(y[low_third], y[high_third],
                                *(() if o is None else (o[low_third], o[high_third]))))
    if kind == "time":
        label, _ = TIME_TO_EVENT[outcome]
        trend = st.cox_trend(x, y, o)
        t, s = st.km_steps(y, o, ends)
        share = st.km_share_by(t, s, horizon - 1)
        when = ("" if week is not None else
                f"at KM median {_week(curve[0])} -> {_week(curve[-1])} (smoothed); ")
        sentence = (f"{param} {lo} -> {hi}: {label} {when}by week {horizon - 1} in "
                    f"{share[0]:.0%} -> {share[1]:.0%} of runs; hazard ratio "
                    f"{trend.estimate:.2f} [{trend.low:.2f}, {trend.high:.2f}] from the lowest "
                    f"to the highest value")
        stat, unit = (("KM median week", "week") if week is None else
                      (f"share with it by week {week} (KM)", "share"))
        return Response(outcome, kind, label, stat, unit, grid, curve, low, high,
                        points, point_stat, point_n, trend, strength, sentence)
    if kind == "binary":
        label = BINARY[outcome][0]
        trend = st.logistic_trend(x, y)
        sentence = (f"{param} {lo} -> {hi}: {SENTENCES[outcome]} in {curve[0]:.0%} -> "
                    f"{curve[-1]:.0%} of runs (smoothed); logistic fit "
                    f"{100 * trend.estimate:+.0f} points [{100 * trend.low:+.0f}, "
                    f"{100 * trend.high:+.0f}] across the range")
        return Response(outcome, kind, label, "share of runs", "share", grid, curve, low, high,
                        points, point_stat, point_n, trend, strength, sentence)
    label, unit, _ = AMOUNTS[outcome]
    trend = st.spearman_trend(x, y)
    rho = (f"rank correlation {trend.estimate:+.2f} [{trend.low:+.2f}, {trend.high:+.2f}]")
    if kind == "mostly-zero":
        above = local_statistic("binary", ends, (y > 0).astype(float))
        sentence = (f"{param} {lo} -> {hi}: {label} mostly zero; above zero in {above[0]:.0%} -> "
                    f"{above[1]:.0%} of runs, mean {_g(curve[0])} -> {_g(curve[-1])} {unit} "
                    f"(smoothed); {rho}")
        stat = "mean (mostly zero)"
    else:
        sentence = (f"{param} {lo} -> {hi}: median {label} {_g(curve[0])} -> {_g(curve[-1])} "
                    f"{unit} (smoothed); {rho}")
        stat = "median"
    return Response(outcome, kind, label, stat, unit, grid, curve, low, high, points,
                    point_stat, point_n, trend, strength, sentence)


def responses(rows: list[dict], param: str, outcomes: list[str], horizon: int,
              seed: int = 0) -> list[Response]:
    """Every outcome's response, with p-values adjusted together (Benjamini-Hochberg)."""
    res = [response(rows, param, o, horizon, seed) for o in outcomes]
    q = st.fdr([r.trend.pvalue for r in res])
    return [r._replace(trend=r.trend._replace(pvalue=float(p))) for r, p in zip(res, q)]


# ----------------------------------------------------------------------------- two parameters

class Surface(NamedTuple):
    """An outcome's statistic over cells of two parameters (a heat map)."""
    x_labels: list[str]
    y_labels: list[str]
    values: np.ndarray       # (y cells, x cells); NaN where no run or not reached
    counts: np.ndarray
    statistic: str


def _cells(values: list, max_levels: int) -> tuple[np.ndarray, list[str]]:
    """Cell index per run: each distinct value (or choice) when few, else equal-width bins."""
    if not is_numeric(values):
        levels = sorted(set(map(str, values)))
        return np.array([levels.index(str(v)) for v in values]), levels
    values = np.asarray(values, float)
    levels = np.unique(values)
    if len(levels) <= max_levels:
        return np.searchsorted(levels, values), [_g(v) for v in levels]
    edges = np.linspace(values.min(), values.max(), max_levels + 1)
    idx = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, max_levels - 1)
    return idx, [f"{_g(a)}-{_g(b)}" for a, b in zip(edges[:-1], edges[1:])]


def surface(rows: list[dict], px: str, py: str, outcome: str, horizon: int,
            max_levels: int = 6) -> Surface:
    """The outcome per cell of (px, py): median, share, mean (mostly zero) or KM median week
    (the KM share with the event by the horizon when most cells never reach the median)."""
    kind, y, o = _values(rows, outcome)
    ix, xl = _cells([r[px] for r in rows], max_levels)
    iy, yl = _cells([r[py] for r in rows], max_levels)
    cell = iy * len(xl) + ix
    onehot = (cell[None, :] == np.arange(len(xl) * len(yl))[:, None]).astype(float)
    stat_kind = {"mostly-zero": "binary"}.get(kind, kind)
    counts = onehot.sum(axis=1)
    name = {"amount": "median", "mostly-zero": "mean", "binary": "share",
            "time": "KM median week"}[kind]
    with np.errstate(all="ignore"):
        vals = np.where(counts > 0, local_statistic(stat_kind, onehot, y, o), np.nan)
        if kind == "time" and np.mean(np.isnan(vals[counts > 0])) > 0.5:
            vals = np.where(counts > 0, local_statistic(stat_kind, onehot, y, o, horizon - 1),
                            np.nan)
            name = "share"
    return Surface(xl, yl, vals.reshape(len(yl), len(xl)), counts.reshape(len(yl), len(xl)),
                   name if name != "share" or kind != "time" else
                   f"share with it by week {horizon - 1} (KM)")
