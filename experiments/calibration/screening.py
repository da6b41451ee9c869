"""Morris elementary-effects screening of many parameters against several statistics.

Every prior's parameter is moved on its prior's quantile scale (a log scale for log-uniform
priors), with SALib's Morris trajectories (``SALib.sample.morris.sample``, seeded) and
analysed per statistic with ``SALib.analyze.morris.analyze``. The combined score of a
parameter is the mean, over the statistics, of its mu* divided by that statistic's spread
(standard deviation over all design points): a parameter that moves any fitted statistic by
a large share of its range ranks high. Statistics that do not vary are left out.

``f(point: dict[path, value]) -> dict[str, float]`` computes the statistics of one design
point (each averaged over replicate seeds inside ``f``); it must be a picklable top-level
callable when ``jobs > 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.parallel import OrderedPool
from experiments.calibration.priors import Prior


@dataclass
class ScreeningResult:
    names: list[str]                  # parameter paths, in prior order
    statistics: list[str]             # statistics used (those that vary)
    mu_star: pd.DataFrame             # names x statistics
    sigma: pd.DataFrame               # names x statistics
    score: pd.Series                  # combined, sorted descending
    spread: pd.Series                 # per statistic: its standard deviation over the design
    points: int = 0                   # design points evaluated
    dropped: tuple[str, ...] = ()     # statistics left out (constant or not finite)

    def top(self, k: int) -> list[str]:
        return list(self.score.index[:k])

    def leaders(self, exclude=()) -> dict[str, str]:
        """Each statistic's most influential parameter (largest mu*), ``exclude`` left out."""
        ms = self.mu_star.drop(index=[n for n in exclude if n in self.mu_star.index])
        # idxmax keeps the first of equal values, i.e. prior order: deterministic
        return {s: str(ms[s].idxmax()) for s in self.statistics}

    def table(self) -> pd.DataFrame:
        """One row per parameter, ranked: score, then mu* and sigma per statistic."""
        t = pd.DataFrame({"rank": range(1, len(self.score) + 1), "score": self.score})
        for s in self.statistics:
            t[f"mu_star:{s}"] = self.mu_star.loc[self.score.index, s]
            t[f"sigma:{s}"] = self.sigma.loc[self.score.index, s]
        t.index.name = "parameter"
        return t


def _call(f, point):
    return f(point)


def screen(priors: list[Prior], f, trajectories: int = 10, levels: int = 4, seed: int = 1,
           jobs: int = 1, on_point=None) -> ScreeningResult:
    """Morris screening of every prior's parameter against the statistics ``f`` returns."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    names = [p.path for p in priors]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    X = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    points = []
    for row in X:
        pt = {}
        for p, u in zip(priors, row):
            v = float(p.ppf(u))
            pt[p.path] = int(round(v)) if p.integer else v
        points.append(pt)
    with OrderedPool(jobs) as pool:
        outs = pool.map(_call, [(f, pt) for pt in points], ahead=4, on_result=on_point)
    keys = sorted({k for o in outs for k in o})
    Y = np.array([[float(o.get(k, np.nan)) for k in keys] for o in outs], dtype=float)
    used, dropped = [], []
    mu_star, sigma, parts, spreads = {}, {}, [], {}
    for j, k in enumerate(keys):
        y = Y[:, j]
        spread = float(np.std(y)) if np.all(np.isfinite(y)) else 0.0
        if not spread > 0:
            dropped.append(k)
            continue
        res = morris_analyze.analyze(problem, X, y, num_levels=levels, seed=seed,
                                     print_to_console=False)
        used.append(k)
        mu_star[k] = np.asarray(res["mu_star"], dtype=float)
        sigma[k] = np.asarray(res["sigma"], dtype=float)
        parts.append(mu_star[k] / spread)
        spreads[k] = spread
    ms = pd.DataFrame(mu_star, index=names)
    sg = pd.DataFrame(sigma, index=names)
    combined = np.mean(parts, axis=0) if parts else np.zeros(len(names))
    # ties broken by prior order (stable sort), so the ranking is deterministic
    order = np.argsort(-combined, kind="stable")
    score = pd.Series(combined[order], index=[names[i] for i in order], name="score")
    return ScreeningResult(names, used, ms, sg, score, pd.Series(spreads, dtype=float),
                           len(points), tuple(dropped))


def ranking_text(result: ScreeningResult, top: int | None = None) -> str:
    """The ranking as a fixed-width table (rank, parameter, score, largest mu*/spread).

    The most moved statistic is the one with the largest mu* relative to the statistic's
    spread: raw mu* are in each statistic's own unit and cannot be compared.
    """
    rows = result.score.index[:top] if top else result.score.index
    width = max([len(n) for n in rows] + [9])
    lines = [f"{'rank':>4}  {'parameter':<{width}}  {'score':>7}  most moved statistic",
             f"{'-' * 4}  {'-' * width}  {'-' * 7}  {'-' * 20}"]
    for i, name in enumerate(rows, 1):
        if result.statistics:
            row = result.mu_star.loc[name]
            rel = row / result.spread[row.index]
            best = rel.idxmax()
            most = f"{best} (mu* {row[best]:.3g}, {rel[best]:.2f} of its spread)"
        else:
            most = "-"
        lines.append(f"{i:>4}  {name:<{width}}  {result.score[name]:7.3f}  {most}")
    if result.dropped:
        lines.append(f"(left out, no variation: {', '.join(result.dropped)})")
    return "\n".join(lines)


def plot_ranking(result: ScreeningResult, path, top: int | None = None,
                 highlight=None) -> Path:
    """A ranked horizontal bar chart of the combined score, saved to ``path`` (PNG).

    ``highlight``: the parameters kept free (a collection of names), drawn in blue.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    score = result.score.iloc[:top] if top else result.score
    n = len(score)
    fig, ax = plt.subplots(figsize=(7.5, 0.26 * n + 1.4))
    free = set(score.index) if highlight is None else set(highlight)
    colours = ["tab:blue" if name in free else "tab:gray" for name in score.index]
    ax.barh(range(n), score.to_numpy(), color=colours)
    ax.set_yticks(range(n), score.index, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Morris mu* / spread of the statistic, mean over statistics")
    title = f"Screening: {result.points} design points, {len(result.statistics)} statistics"
    if highlight is not None:
        title += f" (blue: the {len(free)} kept free)"
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
