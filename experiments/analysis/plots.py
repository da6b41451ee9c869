"""Figures (matplotlib): survival curves, outcome distributions, proportions, fan charts of
weekly trajectories, outcome against a swept parameter (heat map for two), event rasters,
and sensitivity indices. Every function returns a saved file path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def _dates(start: dt.date, weeks) -> list[dt.date]:
    return [start + dt.timedelta(days=7 * int(w)) for w in weeks]


def _date_axis(ax, months=(1, 4, 7, 10)) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=months))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.grid(alpha=0.3)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def survival_figure(summary, start: dt.date, path: Path) -> Path:
    """Kaplan-Meier curves of one time-to-event outcome, one per group, with 95% bands."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for k, pg in enumerate(summary.per_group):
        sv, color = pg["curve"], COLORS[k % len(COLORS)]
        t = np.concatenate([[0.0], sv.times])
        x = _dates(start, t)
        ax.step(x, np.concatenate([[1.0], sv.survival]), where="post", color=color,
                label=f"{pg['group']} (n={sv.n}, median "
                      f"{'not reached' if sv.median is None else f'week {sv.median:g}'})")
        ax.fill_between(x, np.concatenate([[1.0], sv.low]), np.concatenate([[1.0], sv.high]),
                        step="post", color=color, alpha=0.15)
    ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("share of runs without the event")
    ax.set_xlabel("date (week 0 = " + start.isoformat() + ")")
    ax.set_title(f"Time to {summary.label}: Kaplan-Meier estimate with 95% band")
    _date_axis(ax)
    ax.legend(fontsize=8, loc="lower left")
    return _save(fig, path)


def distribution_figure(summary, path: Path) -> Path:
    """ECDFs of one count/amount outcome, one per group, with the medians marked."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for k, pg in enumerate(summary.per_group):
        v = np.sort(pg["values"])
        color = COLORS[k % len(COLORS)]
        ax.step(v, np.arange(1, len(v) + 1) / len(v), where="post", color=color,
                label=f"{pg['group']} (median {pg['median']:.3g})")
        ax.axvline(pg["median"], color=color, lw=0.8, ls="--")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"{summary.label} ({summary.unit})")
    ax.set_ylabel("share of runs at or below")
    ax.set_title(f"Distribution of {summary.label} across runs (ECDF)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


def proportions_figure(summaries, path: Path) -> Path:
    """Yes/no outcomes: the share of runs per group with its 95% Wilson interval."""
    binary = [s for s in summaries if s.kind == "binary"]
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.9 * max(1, len(binary))))
    n_groups = len(binary[0].per_group) if binary else 0
    for i, s in enumerate(binary):
        for k, pg in enumerate(s.per_group):
            y = i + (k - (n_groups - 1) / 2) * 0.18
            ax.errorbar(pg["median"], y, xerr=[[pg["median"] - pg["low"]], [pg["high"] - pg["median"]]],
                        fmt="o", color=COLORS[k % len(COLORS)], capsize=3,
                        label=pg["group"] if i == 0 else None)
    ax.set_yticks(range(len(binary)), [s.label for s in binary])
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("share of runs (95% interval)")
    ax.set_title("Yes/no outcomes by group")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="best")
    return _save(fig, path)


FAN_PANELS = (
    ("Cash and payables ($M)", (("cash", "cash"), ("payables", "payables")), 1e6),
    ("Trust in the CEO (0-1)", (("trust_investors", "investors"), ("trust_executives", "executives"),
                                ("trust_researchers", "researchers")), 1.0),
    ("Headcount (people)", (("staff", "staff"), ("researchers", "researchers"),
                            ("executives", "executives")), 1.0),
)


def fan_chart(traj: dict[str, np.ndarray], start: dt.date, title: str, path: Path) -> Path:
    """Median and 50%/90% bands of weekly trajectories across runs, by calendar date.

    ``traj`` maps a weekly column to an array (runs x weeks); runs that ended early are
    NaN after their last week and drop out of the bands.
    """
    fig, axes = plt.subplots(1, len(FAN_PANELS), figsize=(15, 4.2))
    weeks = traj["week"]
    x = _dates(start, weeks)
    for ax, (panel, cols, scale) in zip(axes, FAN_PANELS):
        for k, (col, label) in enumerate(cols):
            a = traj[col] / scale
            with np.errstate(all="ignore"):
                q = np.nanpercentile(a, [5, 25, 50, 75, 95], axis=0)
            color = COLORS[k % len(COLORS)]
            ax.fill_between(x, q[0], q[4], color=color, alpha=0.12)
            ax.fill_between(x, q[1], q[3], color=color, alpha=0.28)
            ax.plot(x, q[2], color=color, label=f"{label} (median)")
        ax.set_title(panel)
        _date_axis(ax, months=(1, 7))
        ax.legend(fontsize=8)
    fig.suptitle(f"{title}: median, 50% and 90% bands across runs")
    return _save(fig, path)


def response_figure(points: list, values: list[np.ndarray] | None, param: str, label: str,
                    path: Path, binary: bool = False, estimates=None) -> Path:
    """An outcome against one swept parameter: median and 50%/90% ranges of the runs per
    value, or for a yes/no outcome the share of runs with its 95% Wilson interval, or given
    ``estimates`` = (estimate, low, high, what) per value (e.g. Kaplan-Meier medians of
    censored times), those with their intervals."""
    from experiments.analysis.statistics import proportion
    fig, ax = plt.subplots(figsize=(8, 4.5))
    categorical = isinstance(points[0], str)
    xs = np.arange(len(points)) if categorical else np.asarray(points, float)
    if estimates is not None:
        mid, lo, hi = (np.asarray(e, float) for e in estimates[:3])
        what = estimates[3]
        ax.errorbar(xs, mid, yerr=[np.abs(mid - lo), np.abs(hi - mid)], fmt="o" if categorical
                    else "o-", color="C0", capsize=5, label=what)
        if categorical:
            ax.set_xlim(-0.5, len(points) - 0.5)
    elif categorical:      # separate values: points with interval bars, no lines between them
        if binary:
            ps = [proportion(int(np.sum(v)), len(v)) for v in values]
            mid, lo, hi = [p.p for p in ps], [p.low for p in ps], [p.high for p in ps]
            what = "share of runs (95% interval)"
            ax.set_ylim(-0.02, 1.02)
        else:
            q = np.array([np.percentile(v, [5, 25, 50, 75, 95]) for v in values])
            mid, lo, hi = q[:, 2], q[:, 0], q[:, 4]
            ax.vlines(xs, q[:, 1], q[:, 3], color="C0", lw=6, alpha=0.4, label="50% of runs")
            what = "median (bars: 90% of runs)"
        ax.errorbar(xs, mid, yerr=[np.subtract(mid, lo), np.subtract(hi, mid)], fmt="o",
                    color="C0", capsize=5, label=what)
        ax.set_xlim(-0.5, len(points) - 0.5)
    elif binary:
        ps = [proportion(int(np.sum(v)), len(v)) for v in values]
        ax.fill_between(xs, [p.low for p in ps], [p.high for p in ps], color="C0", alpha=0.25,
                        label="95% interval")
        ax.plot(xs, [p.p for p in ps], "o-", color="C0", label="share of runs")
        ax.set_ylim(-0.02, 1.02)
    else:
        q = np.array([np.percentile(v, [5, 25, 50, 75, 95]) for v in values])
        ax.fill_between(xs, q[:, 0], q[:, 4], color="C0", alpha=0.15, label="90% of runs")
        ax.fill_between(xs, q[:, 1], q[:, 3], color="C0", alpha=0.3, label="50% of runs")
        ax.plot(xs, q[:, 2], "o-", color="C0", label="median")
    if isinstance(points[0], str):
        ax.set_xticks(xs, points)
    ax.set_xlabel(param)
    ax.set_ylabel(label)
    ax.set_title(f"{label} against {param}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def heatmap_figure(xs, ys, grid: np.ndarray, xlabel: str, ylabel: str, label: str,
                   path: Path, stat: str = "median") -> Path:
    """An outcome's median (or share) per point of a two-parameter grid."""
    fig, ax = plt.subplots(figsize=(7, 5))
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xs)), [f"{x:.3g}" if isinstance(x, float) else str(x) for x in xs])
    ax.set_yticks(range(len(ys)), [f"{y:.3g}" if isinstance(y, float) else str(y) for y in ys])
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            if np.isfinite(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.3g}", ha="center", va="center", color="white",
                        fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{label}: {stat} per design point")
    fig.colorbar(im, ax=ax, label=label)
    return _save(fig, path)


def event_raster(weeks: np.ndarray, kinds: list[str], run_ids: np.ndarray, n_runs: int,
                 n_weeks: int, start: dt.date, path: Path, title: str = "") -> Path:
    """Which events happen when across runs: share of runs with each event, per week."""
    order = sorted(set(kinds), key=lambda k: np.median(weeks[np.array(kinds) == k]))
    kinds_arr = np.array(kinds)
    grid = np.zeros((len(order), n_weeks))
    for i, k in enumerate(order):
        sel = kinds_arr == k
        pairs = set(zip(run_ids[sel].tolist(), weeks[sel].tolist()))
        for _, w in pairs:
            if 0 <= w < n_weeks:
                grid[i, w] += 1
    grid /= max(1, n_runs)
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(order) + 1.6))
    x0, x1 = mdates.date2num(start), mdates.date2num(start + dt.timedelta(days=7 * n_weeks))
    im = ax.imshow(grid, aspect="auto", cmap="magma_r", extent=(x0, x1, len(order) - 0.5, -0.5),
                   vmin=0, vmax=max(0.05, grid.max()), interpolation="nearest")
    ax.set_yticks(range(len(order)), order, fontsize=8)
    ax.xaxis_date()
    _date_axis(ax)
    ax.set_title(title or "Events across runs: share of runs with the event that week")
    fig.colorbar(im, ax=ax, label="share of runs", pad=0.01)
    return _save(fig, path)


def sensitivity_figure(names: list[str], first, first_ci, total, total_ci, outcome: str,
                       path: Path, caveat: str = "") -> Path:
    """Ranked bars of first- and total-order Sobol' indices with bootstrap intervals."""
    order = np.argsort(total)[::-1]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(8, 1.5 + 0.5 * len(names)))
    ax.barh(y - 0.2, np.asarray(total)[order], 0.4, label="total order",
            xerr=np.abs(np.asarray(total_ci)[order].T - np.asarray(total)[order]), capsize=3)
    ax.barh(y + 0.2, np.asarray(first)[order], 0.4, label="first order",
            xerr=np.abs(np.asarray(first_ci)[order].T - np.asarray(first)[order]), capsize=3)
    ax.set_yticks(y, [names[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlabel("Sobol' index (share of output variance), 95% bootstrap interval")
    ax.set_title(f"Sensitivity of {outcome}" + (f"\n{caveat}" if caveat else ""))
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8)
    return _save(fig, path)


def ranking_figure(names: list[str], values, outcome: str, method: str, path: Path) -> Path:
    """Ranked bars of a simpler sensitivity measure (e.g. partial rank correlation)."""
    order = np.argsort(np.abs(values))[::-1]
    fig, ax = plt.subplots(figsize=(8, 1.5 + 0.5 * len(names)))
    ax.barh(range(len(names)), np.asarray(values)[order])
    ax.set_yticks(range(len(names)), [names[i] for i in order])
    ax.invert_yaxis()
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel(method)
    ax.set_title(f"Sensitivity ranking of {outcome} ({method})\nmonotonic effects only; "
                 f"a saltelli sweep gives Sobol' indices", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, path)


def _panels(n: int, width: float = 6.0, height: float = 3.6):
    cols = 1 if n == 1 else 2
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def trend_panels(responses, param: str, path: Path, title: str = "") -> Path:
    """Each outcome against a continuous parameter (one panel each): the smoothed curve with
    its 95% bootstrap band, the unsmoothed statistic at each design value (dots sized by its
    runs, when a value has several), and the trend test in the panel's title."""
    fig, axes = _panels(len(responses))
    for ax, r in zip(axes, responses):
        ax.fill_between(r.grid, r.low, r.high, color="C0", alpha=0.25, label="95% band")
        ax.plot(r.grid, r.curve, color="C0", lw=2, label=f"{r.statistic} (smoothed)")
        if np.median(r.point_n) >= 5:
            ax.scatter(r.points, r.point_stat, s=8 + 40 * r.point_n / r.point_n.max(),
                       color="C1", alpha=0.7, label="each design value")
        t = r.trend
        size = (f"HR {t.estimate:.2f} [{t.low:.2f}, {t.high:.2f}]" if t.measure == "hazard ratio"
                else f"{100 * t.estimate:+.0f} pts [{100 * t.low:+.0f}, {100 * t.high:+.0f}]"
                if t.measure == "change in share"
                else f"rho {t.estimate:+.2f} [{t.low:+.2f}, {t.high:+.2f}]")
        ax.set_title(f"{r.label}\n{size}; {t.test.split(' (')[0]} p={t.pvalue:.2g}", fontsize=9)
        ax.set_xlabel(param)
        ax.set_ylabel(f"{r.statistic}" + ("" if r.unit in ("share", "week") else f" ({r.unit})"))
        if r.unit == "share":
            ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title or f"Outcomes against {param}", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def surface_panels(surfaces: list, labels: list[str], xlabel: str, ylabel: str,
                   path: Path) -> Path:
    """Heat maps of outcomes over two parameters (one panel each), the statistic and the
    number of runs written in each cell."""
    fig, axes = _panels(len(surfaces), 6.0, 4.4)
    for ax, s, label in zip(axes, surfaces, labels):
        im = ax.imshow(s.values, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(s.x_labels)), s.x_labels, fontsize=7, rotation=30)
        ax.set_yticks(range(len(s.y_labels)), s.y_labels, fontsize=7)
        for i in range(s.values.shape[0]):
            for j in range(s.values.shape[1]):
                v = s.values[i, j]
                text = "-" if not np.isfinite(v) else f"{v:.0%}" if \
                    s.statistic.startswith("share") else f"{v:.3g}"
                light = np.isfinite(v) and im.norm(v) > 0.6      # dark text on light cells
                ax.text(j, i, f"{text}\n(n={int(s.counts[i, j])})", ha="center", va="center",
                        color="black" if light else "white", fontsize=7)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(f"{label}: {s.statistic}", fontsize=9)
        fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return _save(fig, path)


def convergence_figure(sizes, first, first_ci, total, total_ci, names: list[str],
                       outcome: str, path: Path) -> Path:
    """Sobol' indices against the number of base samples used (the first n of the design):
    settled estimates flatten and their intervals narrow."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for ax, est, ci, what in ((axes[0], first, first_ci, "first order"),
                              (axes[1], total, total_ci, "total order")):
        for k, name in enumerate(names):
            color = COLORS[k % len(COLORS)]
            ax.plot(sizes, est[:, k], "o-", color=color, label=name)
            ax.fill_between(sizes, ci[:, k, 0], ci[:, k, 1], color=color, alpha=0.15)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("base samples used")
        ax.set_title(f"{what} index of {outcome}")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("Sobol' index (95% bootstrap interval)")
    axes[1].legend(fontsize=8)
    fig.suptitle("Convergence: indices against sample size")
    return _save(fig, path)
