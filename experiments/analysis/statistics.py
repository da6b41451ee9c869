"""Small statistics helpers: arrays in, named results out (SciPy style, no hidden state)."""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy import stats


class KMQuantiles(NamedTuple):
    """Kaplan-Meier quantiles of a time to event; None where the curve never gets there."""
    median: float | None
    lo: float | None      # 10th percentile
    hi: float | None      # 90th percentile
    observed: int         # runs where the event happened
    n: int


def km_quantiles(times, observed, probs=(0.5, 0.1, 0.9)) -> KMQuantiles:
    """Quantiles of the event-time distribution with right-censoring (Kaplan-Meier).

    ``times`` are event weeks where ``observed`` is true and censoring weeks elsewhere
    (the last week a run was watched without the event).
    """
    times = np.asarray(times, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if not observed.any():
        return KMQuantiles(None, None, None, 0, len(times))
    data = stats.CensoredData(uncensored=times[observed], right=times[~observed])
    cdf = stats.ecdf(data).cdf
    out = []
    for p in probs:
        reached = np.nonzero(cdf.probabilities >= p - 1e-12)[0]
        out.append(float(cdf.quantiles[reached[0]]) if len(reached) else None)
    return KMQuantiles(out[0], out[1], out[2], int(observed.sum()), len(times))


def restricted_mean(times, observed, horizon: float) -> float:
    """Restricted mean time to the event up to ``horizon`` (weeks): the area under the
    Kaplan-Meier survival curve on [0, horizon]. Censored runs (the event not seen by their
    last week, including runs that ended early) count for as long as they were watched, no
    longer: the unbiased way to average event times that did not all happen."""
    times = np.asarray(times, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if not observed.any():
        return float(horizon)
    data = stats.CensoredData(uncensored=times[observed], right=times[~observed])
    sf = stats.ecdf(data).sf
    steps = np.concatenate([[0.0], sf.quantiles[sf.quantiles < horizon], [horizon]])
    level = np.concatenate([[1.0], sf.probabilities[sf.quantiles < horizon]])
    return float(np.sum(np.diff(steps) * level))


# ----------------------------------------------------------------------------- survival

class SurvivalResult(NamedTuple):
    """Kaplan-Meier estimate of S(t) = P(event after t) with pointwise confidence bands."""
    times: np.ndarray        # distinct times where the curve steps
    survival: np.ndarray     # S(t) just after each time
    low: np.ndarray          # lower confidence band
    high: np.ndarray         # upper confidence band
    median: float | None     # first time with S(t) <= 0.5 (None: not reached)
    median_low: float | None     # confidence interval of the median, from the bands
    median_high: float | None
    observed: int
    n: int


def _first_at_or_below(times, values, level):
    idx = np.nonzero(values <= level + 1e-12)[0]
    return float(times[idx[0]]) if len(idx) else None


def survival(times, observed, confidence: float = 0.95) -> SurvivalResult:
    """Kaplan-Meier survival curve of right-censored event times (scipy.stats.ecdf).

    The bands use the log-log transform; the median's interval is where the bands cross
    one half (Brookmeyer-Crowley style band inversion).
    """
    times = np.asarray(times, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    n, k = len(times), int(observed.sum())
    if k == 0:
        t = np.array([times.max()]) if n else np.array([0.0])
        one = np.ones(1)
        return SurvivalResult(t, one, one, one, None, None, None, 0, n)
    sf = stats.ecdf(stats.CensoredData(uncensored=times[observed], right=times[~observed])).sf
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        # undefined where S(t) is 0 or 1: those band ends are filled in below
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = sf.confidence_interval(confidence_level=confidence, method="log-log")
    t, s = sf.quantiles, sf.probabilities
    # where S(t) is 0 or 1 the log-log band is undefined: it collapses onto the estimate
    low = np.where(np.isnan(ci.low.probabilities), s, ci.low.probabilities)
    high = np.where(np.isnan(ci.high.probabilities), s, ci.high.probabilities)
    return SurvivalResult(t, s, low, high, _first_at_or_below(t, s, 0.5),
                          _first_at_or_below(t, low, 0.5), _first_at_or_below(t, high, 0.5), k, n)


class LogRankResult(NamedTuple):
    statistic: float
    pvalue: float


def logrank(times_a, observed_a, times_b, observed_b) -> LogRankResult:
    """Two-sample log-rank test of equal survival curves (scipy.stats.logrank)."""
    def cd(t, o):
        t, o = np.asarray(t, dtype=float), np.asarray(o, dtype=bool)
        return stats.CensoredData(uncensored=t[o], right=t[~o])
    res = stats.logrank(cd(times_a, observed_a), cd(times_b, observed_b))
    return LogRankResult(float(res.statistic), float(res.pvalue))


# ----------------------------------------------------------------------------- amounts

class MedianCI(NamedTuple):
    median: float
    low: float
    high: float


def bootstrap_median(x, rng, confidence: float = 0.95, n_resamples: int = 2000) -> MedianCI:
    """Median with a percentile bootstrap interval (seeded ``rng``: reproducible)."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2 or np.all(x == x[0]):
        m = float(np.median(x)) if len(x) else float("nan")
        return MedianCI(m, m, m)
    res = stats.bootstrap((x,), np.median, confidence_level=confidence, n_resamples=n_resamples,
                          method="percentile", rng=rng)
    return MedianCI(float(np.median(x)), float(res.confidence_interval.low),
                    float(res.confidence_interval.high))


class AmountComparison(NamedTuple):
    """Two samples of a count or amount compared."""
    median_a: MedianCI
    median_b: MedianCI
    difference: MedianCI     # median of b minus median of a (paired: median of differences)
    test: str                # "Mann-Whitney U" or "Wilcoxon signed-rank" (paired)
    pvalue: float
    ks_statistic: float
    ks_pvalue: float
    effect: float            # Cliff's delta (b vs a), or matched-pairs rank-biserial if paired
    paired: bool


def compare_amounts(a, b, rng, paired: bool = False) -> AmountComparison:
    """Medians with bootstrap intervals, a rank test, the KS test and an effect size."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ma, mb = bootstrap_median(a, rng), bootstrap_median(b, rng)
    ks = stats.ks_2samp(a, b)
    if paired:
        d = b - a
        diff = bootstrap_median(d, rng)
        nz = d[d != 0]
        if len(nz) == 0:
            p, effect = 1.0, 0.0
        else:
            p = float(stats.wilcoxon(nz).pvalue)
            ranks = stats.rankdata(np.abs(nz))
            effect = float((ranks[nz > 0].sum() - ranks[nz < 0].sum()) / ranks.sum())
        test = "Wilcoxon signed-rank"
    else:
        boot = stats.bootstrap((a, b), lambda x, y, axis=-1: np.median(y, axis=axis)
                               - np.median(x, axis=axis), n_resamples=2000,
                               method="percentile", rng=rng, vectorized=True)
        diff = MedianCI(mb.median - ma.median, float(boot.confidence_interval.low),
                        float(boot.confidence_interval.high))
        if np.all(a == a[0]) and np.all(b == a[0]):
            p, effect = 1.0, 0.0
        else:
            u = stats.mannwhitneyu(b, a, alternative="two-sided")
            p = float(u.pvalue)
            effect = float(2.0 * u.statistic / (len(a) * len(b)) - 1.0)
        test = "Mann-Whitney U"
    return AmountComparison(ma, mb, diff, test, p, float(ks.statistic), float(ks.pvalue),
                            effect, paired)


# ----------------------------------------------------------------------------- proportions

class Proportion(NamedTuple):
    k: int
    n: int
    p: float
    low: float     # Wilson interval
    high: float


def proportion(k: int, n: int, confidence: float = 0.95) -> Proportion:
    """A proportion with its Wilson score interval."""
    if n == 0:
        return Proportion(0, 0, float("nan"), float("nan"), float("nan"))
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return Proportion(k, n, k / n, float(ci.low), float(ci.high))


class ProportionComparison(NamedTuple):
    a: Proportion
    b: Proportion
    difference: float        # p_b - p_a
    low: float               # Newcombe hybrid score interval of the difference
    high: float
    test: str                # "Fisher exact" or "McNemar exact" (paired)
    pvalue: float
    paired: bool


def compare_proportions(x, y, paired: bool = False) -> ProportionComparison:
    """Two yes/no samples (booleans): proportions, their difference and a test."""
    x, y = np.asarray(x, dtype=bool), np.asarray(y, dtype=bool)
    pa, pb = proportion(int(x.sum()), len(x)), proportion(int(y.sum()), len(y))
    d = pb.p - pa.p
    # Newcombe (1998) method 10: combine the Wilson intervals
    low = d - np.sqrt((pb.p - pb.low) ** 2 + (pa.high - pa.p) ** 2)
    high = d + np.sqrt((pb.high - pb.p) ** 2 + (pa.p - pa.low) ** 2)
    if paired:
        b_only = int(np.sum(~x & y))
        a_only = int(np.sum(x & ~y))
        p = (float(stats.binomtest(b_only, b_only + a_only).pvalue)
             if b_only + a_only else 1.0)
        test = "McNemar exact"
    else:
        table = [[int(x.sum()), len(x) - int(x.sum())], [int(y.sum()), len(y) - int(y.sum())]]
        p = float(stats.fisher_exact(table).pvalue)
        test = "Fisher exact"
    return ProportionComparison(pa, pb, float(d), float(low), float(high), test, p, paired)


def fdr(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate)."""
    p = np.asarray(pvalues, dtype=float)
    return stats.false_discovery_control(p) if len(p) else p
