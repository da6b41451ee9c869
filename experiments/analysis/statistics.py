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
    if not (np.any(observed_a) or np.any(observed_b)):
        return LogRankResult(0.0, 1.0)        # no event in either group: nothing differs
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
    difference: MedianCI     # median of b minus median of a, with a bootstrap interval
    #                          (paired runs are resampled together: narrower with common seeds)
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
    with warnings.catch_warnings():      # many ties: scipy falls back to the asymptotic
        warnings.simplefilter("ignore")  # p-value and says so on every call
        ks = stats.ks_2samp(a, b)
    # The difference of the two medians, not the median of the paired differences (a
    # different statistic, which can differ from it by far): what a reader compares.
    with warnings.catch_warnings():      # a constant difference: the interval is the point
        warnings.simplefilter("ignore")
        boot = stats.bootstrap((a, b), lambda x, y, axis=-1: np.median(y, axis=axis)
                               - np.median(x, axis=axis), n_resamples=2000, paired=paired,
                               method="percentile", rng=rng, vectorized=True)
    low, high = boot.confidence_interval
    diff = MedianCI(mb.median - ma.median, float(np.nan_to_num(low, nan=mb.median - ma.median)),
                    float(np.nan_to_num(high, nan=mb.median - ma.median)))
    if paired:
        d = b - a
        nz = d[d != 0]
        if len(nz) == 0:
            p, effect = 1.0, 0.0
        else:
            p = float(stats.wilcoxon(nz).pvalue)
            ranks = stats.rankdata(np.abs(nz))
            effect = float((ranks[nz > 0].sum() - ranks[nz < 0].sum()) / ranks.sum())
        test = "Wilcoxon signed-rank"
    else:
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


# ----------------------------------------------------------------------------- censored times, fast

def km_steps(times, observed, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival S(t) of right-censored times, optionally with case weights.

    Returns the sorted times and S just after each. ``weights`` may be one row per curve
    (curves x runs): every curve is computed at once. Ties are broken with events before
    censorings, which gives the grouped product-limit estimate exactly. Used where many
    curves are needed (bootstrap, local curves); :func:`survival` gives the bands.
    """
    t = np.asarray(times, dtype=float)
    o = np.asarray(observed, dtype=bool)
    w = np.ones((1, len(t))) if weights is None else np.atleast_2d(np.asarray(weights, float))
    order = np.lexsort((~o, t))
    t, o, w = t[order], o[order], w[:, order]
    at_risk = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, w * o / at_risk, 0.0)
    s = np.cumprod(1.0 - hazard, axis=1)
    return t, (s[0] if weights is None or np.ndim(weights) == 1 else s)


def km_median(t: np.ndarray, s: np.ndarray) -> np.ndarray | float:
    """First time S(t) <= 1/2 for each curve of :func:`km_steps` (NaN: not reached)."""
    s2 = np.atleast_2d(s)
    reached = s2 <= 0.5 + 1e-12
    out = np.where(reached.any(axis=1), t[np.argmax(reached, axis=1)], np.nan)
    return float(out[0]) if np.ndim(s) == 1 else out


def km_share_by(t: np.ndarray, s: np.ndarray, week: float) -> np.ndarray | float:
    """Share of runs with the event by ``week``: 1 - S(week), for each curve."""
    s2 = np.atleast_2d(s)
    k = np.searchsorted(t, week, side="right")
    out = 1.0 - (s2[:, k - 1] if k > 0 else np.ones(len(s2)))
    return float(out[0]) if np.ndim(s) == 1 else out


# ----------------------------------------------------------------------------- trends

class Trend(NamedTuple):
    """A monotone trend of an outcome in a parameter: an effect with its interval, a test."""
    test: str                # e.g. "Spearman", "logistic regression (likelihood ratio)"
    measure: str             # what ``estimate`` is, e.g. "rank correlation"
    estimate: float
    low: float
    high: float
    pvalue: float


def spearman_trend(x, y, confidence: float = 0.95) -> Trend:
    """Spearman's rank correlation with a Fisher-z interval (Bonett-Wright standard error,
    which is right for rank correlations) and its test."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return Trend("Spearman", "rank correlation", 0.0, 0.0, 0.0, 1.0)
    res = stats.spearmanr(x, y)
    r, n = float(res.statistic), len(x)
    z, q = np.arctanh(np.clip(r, -0.999999, 0.999999)), stats.norm.ppf(0.5 + confidence / 2)
    se = np.sqrt((1 + r * r / 2) / max(n - 3, 1))
    return Trend("Spearman", "rank correlation", r, float(np.tanh(z - q * se)),
                 float(np.tanh(z + q * se)), float(res.pvalue))


def _standard(x) -> tuple[np.ndarray, float, float]:
    x = np.asarray(x, float)
    sd = float(np.std(x)) or 1.0
    return (x - x.mean()) / sd, float(x.mean()), sd


def logistic_trend(x, y, confidence: float = 0.95) -> Trend:
    """Logistic regression of a yes/no outcome on a parameter, by maximum likelihood
    (scipy.optimize), with the likelihood-ratio test of no trend. The estimate is the change
    in the fitted share from the lowest to the highest value of ``x`` (share points), with a
    delta-method interval from the observed information."""
    from scipy.optimize import minimize
    y = np.asarray(y, float)
    z, _, _ = _standard(x)
    k, n = y.sum(), len(y)
    if k in (0, n) or np.ptp(z) == 0:
        return Trend("logistic regression (likelihood ratio)", "change in share", 0.0, 0.0,
                     0.0, 1.0)
    design = np.column_stack([np.ones(n), z])

    def nll(b):
        eta = design @ b
        p = 1 / (1 + np.exp(-eta))
        return np.sum(np.logaddexp(0, eta) - y * eta), design.T @ (p - y)

    fit = minimize(nll, np.zeros(2), jac=True, method="BFGS")
    null = -(k * np.log(k / n) + (n - k) * np.log(1 - k / n))
    lr = max(0.0, 2 * (null - fit.fun))
    p = 1 / (1 + np.exp(-(design @ fit.x)))
    cov = np.linalg.pinv(design.T @ (design * (p * (1 - p))[:, None]))
    ends = np.array([[1, z.min()], [1, z.max()]])
    shares = 1 / (1 + np.exp(-(ends @ fit.x)))
    # d(share_hi - share_lo)/db by the chain rule; the variance from the inverse information
    grad = (shares[1] * (1 - shares[1])) * ends[1] - (shares[0] * (1 - shares[0])) * ends[0]
    se = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    q = stats.norm.ppf(0.5 + confidence / 2)
    d = float(shares[1] - shares[0])
    return Trend("logistic regression (likelihood ratio)", "change in share", d,
                 max(-1.0, d - q * se), min(1.0, d + q * se), float(stats.chi2.sf(lr, 1)))


def cox_trend(x, times, observed, confidence: float = 0.95) -> Trend:
    """Cox proportional-hazards model of an event time on one parameter (Breslow ties,
    Newton-Raphson on the partial likelihood), with the score test of no trend (the
    log-rank test's extension to a continuous covariate). Censored runs count as at risk
    until their last week. The estimate is the hazard ratio between the highest and the
    lowest value of ``x``, with its Wald interval."""
    t = np.asarray(times, float)
    o = np.asarray(observed, bool)
    z, _, _ = _standard(x)
    if not o.any() or np.ptp(z) == 0:
        return Trend("Cox score test", "hazard ratio", 1.0, 1.0, 1.0, 1.0)
    order = np.argsort(t, kind="stable")
    t, o, z = t[order], o[order], z[order]
    first = np.searchsorted(t, t, side="left")      # each run's risk set: all from here on

    def score_info(beta):
        e = np.exp(beta * z)
        s0, s1, s2 = (np.cumsum(a[::-1])[::-1] for a in (e, e * z, e * z * z))
        m1, m2 = s1[first][o] / s0[first][o], s2[first][o] / s0[first][o]
        return float(np.sum(z[o] - m1)), float(np.sum(m2 - m1 * m1))

    u0, i0 = score_info(0.0)
    pvalue = float(stats.chi2.sf(u0 * u0 / i0, 1)) if i0 > 0 else 1.0
    beta = 0.0
    for _ in range(50):
        u, i = score_info(beta)
        if i <= 0:
            break
        step = float(np.clip(u / i, -2, 2))
        beta += step
        if abs(step) < 1e-9:
            break
    _, info = score_info(beta)
    se = 1 / np.sqrt(info) if info > 0 else np.inf
    q, span = stats.norm.ppf(0.5 + confidence / 2), float(np.ptp(z))
    return Trend("Cox score test", "hazard ratio", float(np.exp(beta * span)),
                 float(np.exp((beta - q * se) * span)), float(np.exp((beta + q * se) * span)),
                 pvalue)


def dominance(a, b, observed_a=None, observed_b=None) -> float:
    """Cliff's delta P(b > a) - P(b < a) over all pairs (for yes/no values: the difference of
    the shares). With right-censored times (``observed_*``), Gehan's rule: a pair counts
    only when its order is known (the earlier time is an event), else as a tie."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if observed_a is None:
        return float(2 * stats.mannwhitneyu(b, a).statistic / (len(a) * len(b)) - 1)
    oa, ob = np.asarray(observed_a, bool), np.asarray(observed_b, bool)
    total = 0.0
    for k in range(0, len(a), 512):           # in blocks: memory stays small
        ta, ea = a[k:k + 512, None], oa[k:k + 512, None]
        total += np.sum((b > ta) & ea) - np.sum((b < ta) & ob)
    return float(total / (len(a) * len(b)))
