"""Comparing outcome distributions between groups of runs.

Groups are whole sweeps, or one sweep's design points split by a varied parameter
(``--by``). Each outcome gets the statistics that fit its kind:

- time to an event (CEO exit, insolvency, ...): Kaplan-Meier curves with the runs where
  the event did not happen right-censored at their last week; median time with its
  interval; log-rank test between groups;
- counts and amounts: medians with bootstrap intervals, Mann-Whitney U (or the Wilcoxon
  signed-rank test when runs are paired) and two-sample Kolmogorov-Smirnov tests, and an
  effect size (Cliff's delta; matched-pairs rank-biserial when paired);
- yes/no outcomes: proportions with Wilson intervals and their difference (Newcombe), with
  Fisher's exact test (McNemar's when paired).

When the groups share seeds replicate by replicate (common random numbers: one sweep
split by a parameter, or sweeps with the same root seed and replicates) and each group has
one run per replicate, runs are paired by replicate and the paired statistics are used.
All p-values of a comparison are adjusted for multiple testing (Benjamini-Hochberg FDR).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from experiments.analysis import statistics as st
from experiments.runs.store import read_runs
from experiments.runs.store import SweepError, read_manifest

# outcome name -> (label, unit)
TIME_TO_EVENT = {
    "ceo_exit_week": ("CEO's exit", "week"),
    "insolvent_week": ("insolvency", "week"),
    "first_board_exit_week": ("first board exit", "week"),
    "first_unpaid_bill_week": ("first unpaid bill", "week"),
    "core_team_departed_week": ("core team departure", "week"),
}
AMOUNTS = {
    "exec_departures": ("executive departures", "people", 1.0),
    "researcher_departures": ("researcher departures", "people", 1.0),
    "total_raised": ("money raised", "$M", 1e6),
    "final_cash": ("final cash", "$M", 1e6),
    "final_payables": ("final payables", "$M", 1e6),
    "min_cash": ("lowest cash", "$M", 1e6),
}
OUT_BY_WEEK = 78   # 18 months after week 0


def _out_by(r):
    return r["ceo_exit_week"] is not None and r["ceo_exit_week"] <= OUT_BY_WEEK


BINARY = {
    "ceo_out_by_78": (f"CEO out by week {OUT_BY_WEEK} (18 months)", _out_by),
    "insolvent": ("insolvent by the horizon", lambda r: r["insolvent_week"] is not None),
    "ceo_removed": ("CEO removed (not resigned)", lambda r: r["ceo_exit_kind"] == "removed"),
}
ALL_OUTCOMES = tuple(TIME_TO_EVENT) + tuple(AMOUNTS) + tuple(BINARY)
DEFAULT_OUTCOMES = ("ceo_exit_week", "insolvent_week", "first_unpaid_bill_week",
                    "exec_departures", "total_raised", "final_payables", "ceo_out_by_78",
                    "insolvent")


@dataclass
class Group:
    label: str
    sweep: Path
    rows: list[dict]            # ok runs
    root_seed: int
    replicates: int
    others: tuple[str, ...] = ()   # the sweep's other varied parameters (split by --by)

    def by_replicate(self) -> dict[tuple, dict] | None:
        """Runs keyed by (replicate, values of the other varied parameters) when each key
        occurs once, else None. Equal keys in two groups are paired runs: same seed, same
        everything but the compared parameter."""
        keys = [(r["replicate"],) + tuple(r[p] for p in self.others) for r in self.rows]
        return dict(zip(keys, self.rows)) if len(set(keys)) == len(keys) else None


def _manifest(root: Path) -> dict:
    return read_manifest(root)


def _fmt_value(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def load_groups(dirs: list[Path], by: str | None = None, minimum: int = 2) -> list[Group]:
    """Groups to compare: each sweep, or each value of ``by`` within each sweep."""
    groups = []
    names = [Path(d).name for d in dirs]
    for d in dirs:
        m = _manifest(d)
        table = read_runs(d)
        rows = [r for r in (table.to_pylist() if table is not None else []) if r["status"] == "ok"]
        base = Path(d).name if names.count(Path(d).name) == 1 else str(d)
        if by is None:
            groups.append(Group(base, Path(d), rows, m["root_seed"], m["replicates"]))
            continue
        varied = [f["path"] for f in m["design"]["factors"]]
        if by not in varied:
            raise SweepError(f"--by {by}: not varied in {d}; varied: "
                             f"{', '.join(varied) or 'nothing'}")
        values = sorted({r[by] for r in rows}, key=lambda v: (isinstance(v, str), v))
        others = tuple(p for p in varied if p != by)
        for v in values:
            label = f"{by.split('.')[-1]}={_fmt_value(v)}" + (f" ({base})" if len(dirs) > 1 else "")
            groups.append(Group(label, Path(d), [r for r in rows if r[by] == v],
                                m["root_seed"], m["replicates"], others))
    if len(groups) < minimum:
        raise SweepError("compare needs at least two groups: give two sweeps, or --by a "
                         "parameter the sweep varied")
    empty = [g.label for g in groups if not g.rows]
    if empty:
        raise SweepError(f"group {empty[0]} has no finished runs")
    return groups


def check_outcomes(names: list[str] | None) -> list[str]:
    if not names:
        return list(DEFAULT_OUTCOMES)
    bad = [n for n in names if n not in ALL_OUTCOMES]
    if bad:
        raise SweepError(f"--outcomes {bad[0]}: unknown outcome; valid: {', '.join(ALL_OUTCOMES)}")
    return names


def paired(groups: list[Group]) -> bool:
    """Runs can be paired replicate by replicate (common random numbers)."""
    if len({(g.root_seed, g.replicates, g.others) for g in groups}) != 1:
        return False
    maps = [g.by_replicate() for g in groups]
    return all(m is not None and set(m) == set(maps[0]) for m in maps)


def event_times(rows: list[dict], key: str) -> tuple[np.ndarray, np.ndarray]:
    """Event weeks, censored at the last week watched where the event did not happen."""
    t = np.array([r[key] if r[key] is not None else r["weeks_run"] - 1 for r in rows], float)
    o = np.array([r[key] is not None for r in rows], bool)
    return t, o


@dataclass
class Test:
    outcome: str
    a: str
    b: str
    test: str
    pvalue: float
    effect: str           # effect in words/numbers
    p_adjusted: float = float("nan")


@dataclass
class OutcomeSummary:
    outcome: str
    kind: str                              # "time", "amount", "binary"
    label: str
    unit: str
    per_group: list[dict] = field(default_factory=list)   # label + statistics


@dataclass
class Comparison:
    groups: list[Group]
    paired: bool
    summaries: list[OutcomeSummary]
    tests: list[Test]


def _pairs(groups: list[Group]):
    """All pairs for up to 6 groups; else each group against the first (reference)."""
    idx = range(len(groups))
    return list(itertools.combinations(idx, 2)) if len(groups) <= 6 else [(0, j) for j in idx[1:]]


def _aligned(groups, i, j, key_fn):
    gi, gj = groups[i].by_replicate(), groups[j].by_replicate()
    reps = sorted(gi)
    return [key_fn(gi[k]) for k in reps], [key_fn(gj[k]) for k in reps]


def compare(groups: list[Group], outcomes: list[str], seed: int = 0) -> Comparison:
    """Per-group statistics for each outcome and pairwise tests, FDR-adjusted."""
    rng = np.random.default_rng(seed)
    is_paired = paired(groups)
    summaries, tests = [], []
    for name in outcomes:
        if name in TIME_TO_EVENT:
            label, unit = TIME_TO_EVENT[name]
            s = OutcomeSummary(name, "time", label, unit)
            for g in groups:
                sv = st.survival(*event_times(g.rows, name))
                s.per_group.append({"group": g.label, "n": sv.n, "events": sv.observed,
                                    "median": sv.median, "low": sv.median_low,
                                    "high": sv.median_high, "curve": sv})
            for i, j in _pairs(groups):
                lr = st.logrank(*event_times(groups[i].rows, name), *event_times(groups[j].rows, name))
                mi, mj = s.per_group[i]["median"], s.per_group[j]["median"]
                eff = ("median " + ("-" if mi is None else f"{mi:g}") + " vs "
                       + ("-" if mj is None else f"{mj:g}") + " weeks")
                tests.append(Test(name, groups[i].label, groups[j].label, "log-rank",
                                  lr.pvalue, eff))
        elif name in AMOUNTS:
            label, unit, scale = AMOUNTS[name]
            s = OutcomeSummary(name, "amount", label, unit)
            values = [np.array([r[name] / scale for r in g.rows], float) for g in groups]
            for g, v in zip(groups, values):
                m = st.bootstrap_median(v, rng)
                s.per_group.append({"group": g.label, "n": len(v), "median": m.median,
                                    "low": m.low, "high": m.high, "values": v})
            for i, j in _pairs(groups):
                if is_paired:
                    a, b = _aligned(groups, i, j, lambda r: r[name] / scale)
                else:
                    a, b = values[i], values[j]
                c = st.compare_amounts(a, b, rng, paired=is_paired)
                eff = (f"second - first {c.difference.median:+.3g} [{c.difference.low:+.3g}, "
                       f"{c.difference.high:+.3g}] {unit}; "
                       f"{'rank-biserial' if is_paired else 'Cliff delta'} {c.effect:+.2f}; "
                       f"KS D={c.ks_statistic:.2f} p={c.ks_pvalue:.2g}")
                tests.append(Test(name, groups[i].label, groups[j].label, c.test, c.pvalue, eff))
        else:
            label, fn = BINARY[name]
            s = OutcomeSummary(name, "binary", label, "share")
            for g in groups:
                p = st.proportion(sum(bool(fn(r)) for r in g.rows), len(g.rows))
                s.per_group.append({"group": g.label, "n": p.n, "median": p.p, "low": p.low,
                                    "high": p.high})
            for i, j in _pairs(groups):
                if is_paired:
                    a, b = _aligned(groups, i, j, lambda r: bool(fn(r)))
                else:
                    a = [bool(fn(r)) for r in groups[i].rows]
                    b = [bool(fn(r)) for r in groups[j].rows]
                c = st.compare_proportions(a, b, paired=is_paired)
                eff = f"second - first {c.difference:+.2f} [{c.low:+.2f}, {c.high:+.2f}]"
                tests.append(Test(name, groups[i].label, groups[j].label, c.test, c.pvalue, eff))
        summaries.append(s)
    adjusted = st.fdr([t.pvalue for t in tests])
    for t, q in zip(tests, adjusted):
        t.p_adjusted = float(q)
    return Comparison(groups, is_paired, summaries, tests)


# ----------------------------------------------------------------------------- text

def _num(x, unit="") -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    if unit == "share":
        return f"{x:.0%}"
    return f"{x:.3g}"


def summary_rows(c: Comparison) -> list[list[str]]:
    """One row per outcome and group: outcome, group, n, estimate [interval]."""
    rows = []
    for s in c.summaries:
        what = {"time": "KM median", "amount": "median", "binary": "share"}[s.kind]
        for pg in s.per_group:
            extra = f"; {pg['events']} events" if s.kind == "time" else ""
            rows.append([f"{s.label} ({s.unit})", pg["group"], str(pg["n"]),
                         f"{what} {_num(pg['median'], s.unit)} "
                         f"[{_num(pg['low'], s.unit)}, {_num(pg['high'], s.unit)}]{extra}"])
    return rows


def test_rows(c: Comparison) -> list[list[str]]:
    return [[t.outcome, f"{t.a} vs {t.b}", t.test, f"{t.pvalue:.3g}", f"{t.p_adjusted:.3g}",
             t.effect] for t in c.tests]


def terminal_table(c: Comparison) -> list[str]:
    lines = ["groups: " + "; ".join(f"{g.label} ({len(g.rows)} runs)" for g in c.groups),
             ("runs are paired by replicate (common random numbers): paired tests used"
              if c.paired else "runs are not paired: two-sample tests used"), ""]
    rows = summary_rows(c)
    w = [max(len(r[k]) for r in rows) for k in range(3)]
    lines.append(f"{'outcome':{w[0]}s}  {'group':{w[1]}s}  {'n':>{w[2]}s}  estimate [95% interval]")
    for r in rows:
        lines.append(f"{r[0]:{w[0]}s}  {r[1]:{w[1]}s}  {r[2]:>{w[2]}s}  {r[3]}")
    lines += ["", "tests (p adjusted for multiple comparisons by Benjamini-Hochberg FDR):"]
    for r in test_rows(c):
        lines.append(f"  {r[0]}: {r[1]}: {r[2]} p={r[3]} (adj. {r[4]}); {r[5]}")
    return lines
