"""What a finished calibration says: marginals against the priors, correlations between
parameters (which trade off: equifinality), how much the record narrowed each parameter,
a point estimate for the baseline scenario, and draws from the posterior for sweeps.

Narrowing is measured on each prior's own scale (its CDF: linear for uniform priors,
logarithmic for log-uniform ones): the posterior's 90% interval width divided by the
prior's (0.9 on that scale). 1 = the record says nothing about the parameter; 0.1 = it is
pinned to a tenth of its prior range. Correlations are weighted Pearson correlations on the
same scale.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.abc import ABCResult, load_result


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted ECDF, midpoint rule)."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.cumsum(w) - 0.5 * w
    cw /= w.sum()
    return np.interp(np.asarray(q, float), cw, x)


def _u(result: ABCResult) -> pd.DataFrame:
    return pd.DataFrame({p.path: p.cdf(result.particles[p.path].to_numpy())
                         for p in result.priors})


def summary_table(result: ABCResult) -> pd.DataFrame:
    """Per parameter: prior range, posterior mean, median, 90% interval and narrowing."""
    rows = []
    w = result.weights
    for p in result.priors:
        x = result.particles[p.path].to_numpy()
        lo, med, hi = weighted_quantile(x, w, [0.05, 0.5, 0.95])
        narrowing = (float(p.cdf(hi)) - float(p.cdf(lo))) / 0.9
        rows.append({"parameter": p.path, "prior": p.kind, "prior_lo": p.lo, "prior_hi": p.hi,
                     "mean": float(np.sum(w * x)), "median": float(med), "lo90": float(lo),
                     "hi90": float(hi), "narrowing": narrowing})
    return pd.DataFrame(rows).set_index("parameter")


def correlations(result: ABCResult) -> pd.DataFrame:
    """Weighted Pearson correlations between parameters, on the priors' scales."""
    u = _u(result).to_numpy()
    if u.shape[1] < 2:
        return pd.DataFrame(np.ones((u.shape[1], u.shape[1])), index=result.names,
                            columns=result.names)
    c = np.cov(u, rowvar=False, aweights=result.weights, ddof=0)
    sd = np.sqrt(np.diag(c))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = c / np.outer(sd, sd)
    return pd.DataFrame(np.nan_to_num(r), index=result.names, columns=result.names)


def strongest_pairs(result: ABCResult, n: int = 10) -> list[tuple[str, str, float]]:
    r = correlations(result)
    names = list(r.index)
    pairs = [(names[i], names[j], float(r.iat[i, j])) for i in range(len(names))
             for j in range(i + 1, len(names))]
    return sorted(pairs, key=lambda t: (-abs(t[2]), t[0], t[1]))[:n]


def posterior_summary(folder) -> dict[str, tuple[float, float, float]]:
    """path -> (weighted median, 5th, 95th percentile) of the final population."""
    t = summary_table(load_result(folder))
    return {p: (float(row["median"]), float(row["lo90"]), float(row["hi90"])) for p, row in t.iterrows()}


def _round(value: float, width: float) -> float:
    """``value`` to the precision the posterior supports: a step of about a tenth of its 90%
    width, to at least two and at most four significant figures."""
    if value == 0 or not math.isfinite(value):
        return value
    mag = math.floor(math.log10(abs(value)))
    step = 10 ** math.floor(math.log10(width / 10)) if width > 0 else 10 ** (mag - 3)
    step = min(max(step, 10 ** (mag - 3)), 10 ** (mag - 1))
    decimals = max(0, -int(round(math.log10(step))))
    return round(round(value / step) * step, decimals)


def point_estimate(folder) -> dict[str, float | int]:
    """The weighted posterior median per parameter, rounded to what the posterior supports
    (whole numbers for integer parameters): the baseline scenario's calibrated values."""
    result = load_result(folder)
    out = {}
    for p, row in summary_table(result).iterrows():
        prior = next(q for q in result.priors if q.path == p)
        if prior.integer:
            out[p] = int(round(row["median"]))
        else:
            out[p] = min(max(_round(float(row["median"]), float(row["hi90"] - row["lo90"])), prior.lo),
                         prior.hi)
    return out


def fitted_scenario(folder) -> str | None:
    """The scenario a calibration folder was fitted to (None when it does not say: a
    calibration run from Python without ``run.py calibrate``'s tag)."""
    from experiments.calibration.abc import read_state
    tag = read_state(Path(folder))["settings"].get("tag") or {}
    return tag.get("scenario") if isinstance(tag, dict) else None


def draw(folder, n: int, seed: int) -> list[dict]:
    """``n`` parameter sets drawn (with replacement, by weight) from the posterior."""
    result = load_result(folder)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    idx = rng.choice(len(result.weights), size=n, replace=True, p=result.weights)
    out = []
    for i in idx:
        d = {}
        for p in result.priors:
            v = float(result.particles[p.path].iat[int(i)])
            d[p.path] = int(round(v)) if p.integer else v
        out.append(d)
    return out


# --------------------------------------------------------------------------- figures

def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_marginals(result: ABCResult, path) -> Path:
    plt = _plt()
    k = len(result.priors)
    cols = min(4, k)
    rows = math.ceil(k / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax, p in zip(axes.flat, result.priors):
        x = result.particles[p.path].to_numpy()
        log = p.kind == "loguniform"
        bins = (np.geomspace(p.lo, p.hi, 25) if log else np.linspace(p.lo, p.hi, 25))
        ax.hist(x, bins=bins, weights=result.weights, density=True, color="tab:blue", alpha=0.8)
        if log:
            from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter
            ax.set_xscale("log")
            # a log range under one decade: plain numbers at a few ticks, no minor labels
            ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(ScalarFormatter())
            ax.xaxis.set_minor_formatter(NullFormatter())
            grid = np.geomspace(p.lo, p.hi, 100)
            ax.plot(grid, 1 / (grid * (math.log(p.hi) - math.log(p.lo))), "k--", lw=1)
        else:
            ax.hlines(1 / (p.hi - p.lo), p.lo, p.hi, colors="k", linestyles="--", lw=1)
        ax.axvline(float(weighted_quantile(x, result.weights, 0.5)), color="tab:red", lw=1)
        ax.set_xlim(p.lo, p.hi)
        ax.set_title(p.path, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[k:]:
        ax.axis("off")
    fig.suptitle("Posterior (bars) against the prior (dashed) over the prior's range; "
                 "red: median", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_correlations(result: ABCResult, path) -> Path:
    plt = _plt()
    r = correlations(result)
    k = len(r)
    fig, ax = plt.subplots(figsize=(0.45 * k + 3.5, 0.45 * k + 2.5))
    im = ax.imshow(r.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(k), r.columns, rotation=90, fontsize=7)
    ax.set_yticks(range(k), r.index, fontsize=7)
    for i in range(k):
        for j in range(k):
            if i != j:
                ax.text(j, i, f"{r.iat[i, j]:.2f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, shrink=0.7, label="weighted correlation (prior scale)")
    ax.set_title("Posterior correlations: strong ones are parameters that trade off",
                 fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- the report

def _md_table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def write_report(folder, predictive: list[tuple] | None = None, title: str = "Calibration",
                 notes: list[str] | None = None) -> Path:
    """``report.md``, ``posterior.png`` and ``correlations.png`` in ``folder``.

    ``predictive``: rows (fact id, use, share of posterior runs passing[, passed over all
    runs]) for the posterior predictive table.
    """
    folder = Path(folder)
    result = load_result(folder)
    table = summary_table(result)
    plot_marginals(result, folder / "posterior.png")
    plot_correlations(result, folder / "correlations.png")
    n = len(result.weights)
    lines = [f"# {title}", ""]
    lines += notes or []
    lines += ["", f"ABC-SMC, {n} particles, {len(result.epsilons)} generations, "
              f"{sum(result.evaluations)} runs; stopped: {result.stopped or 'not yet'}.", ""]
    lines += ["## Generations", ""]
    lines += _md_table(["generation", "epsilon", "runs", "acceptance", "ESS", "seconds"],
                       [[g, f"{e:.4g}", ev, f"{a:.1%}", f"{s:.0f}", f"{sec:.1f}"]
                        for g, (e, ev, a, s, sec) in enumerate(zip(
                            result.epsilons, result.evaluations, result.acceptance,
                            result.ess, result.seconds))])
    lines += ["", "## Parameters", "",
              "Narrowing = posterior 90% interval width / prior 90% interval width, on the "
              "prior's scale (log for log-uniform priors): 1 = not informed by the record.", ""]
    lines += _md_table(["parameter", "prior", "range", "mean", "median", "90% interval",
                        "narrowing"],
                       [[p, r.prior, f"[{r.prior_lo:.4g}, {r.prior_hi:.4g}]", f"{r['mean']:.4g}",
                         f"{r['median']:.4g}", f"[{r.lo90:.4g}, {r.hi90:.4g}]",
                         f"{r.narrowing:.2f}"] for p, r in table.iterrows()])
    lines += ["", "![marginals](posterior.png)", "", "## Trade-offs (equifinality)", "",
              "The strongest posterior correlations: a strong negative one means the record "
              "fixes a combination of the two, not each.", ""]
    lines += _md_table(["parameter", "parameter", "r"],
                       [[a, b, f"{r:+.2f}"] for a, b, r in strongest_pairs(result)])
    lines += ["", "![correlations](correlations.png)", "", "## Point estimate", "",
              "Weighted posterior medians, rounded to a tenth of the 90% interval:", "", "```"]
    lines += [f"{p} = {v}" for p, v in point_estimate(folder).items()]
    lines += ["```", ""]
    if predictive:
        lines += ["## Posterior predictive check", "",
                  "Runs drawn from the posterior, one run per draw, checked against every fact; "
                  "held-back facts (use = check) were not fitted.", ""]
        for use in ("fit", "check"):
            rows = [r for r in predictive if r[1] == use]
            if not rows:
                continue
            lines += [f"**{'fitted' if use == 'fit' else 'held back'}**", ""]
            lines += _md_table(["fact", "share of runs passing", "passes over all runs"],
                               [[r[0], f"{r[2]:.0%}" if r[2] is not None else "-",
                                 ("yes" if r[3] else "no") if len(r) > 3 and r[3] is not None
                                 else "-"] for r in rows])
            lines += [""]
    path = folder / "report.md"
    tmp = path.with_name("report.md.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
