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

Every group is compared with one reference group, and every difference is "group minus
reference", stated in words with its 95% interval; the reference is ``--reference``, else
the scenario's own value of the compared parameter, else the first value its ``--vary``
listed, else the lowest (for whole sweeps: the first sweep given). The largest differences
open the output as a plain-language headline.
"""

from __future__ import annotations

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
    "founder_left_board_week": ("founder leaves the board", "week"),
    "staff_letter_week": ("employees' open letter", "week"),
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
# a yes/no outcome as the clause of a sentence: "... in 70% of runs"
SENTENCES = {
    "ceo_out_by_78": f"the founder-CEO is out by week {OUT_BY_WEEK}",
    "insolvent": "the company is insolvent by the horizon",
    "ceo_removed": "the founder-CEO is removed (not resigned)",
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
    name: str = ""              # how a sentence names it ("ceo.stake 0.3")
    where: str = ""             # how a sentence names it as the reference ("at 0.55")
    value: object = None        # the compared parameter's value (or bin), None for sweeps
    reference_note: str = ""    # which group is the reference and why (set by load_groups)

    def by_replicate(self) -> dict[tuple, dict] | None:
        """Runs keyed by (replicate, values of the other varied parameters) when each key
        occurs once, else None. Equal keys in two groups are paired runs: same seed, same
        everything but the compared parameter."""
        keys = [(r["replicate"],) + tuple(r[p] for p in self.others) for r in self.rows]
        return dict(zip(keys, self.rows)) if len(set(keys)) == len(keys) else None


def _fmt_value(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _sort_key(v):
    return (isinstance(v, str), v)


def _same(v, text: str) -> bool:
    if isinstance(v, int | float) and not isinstance(v, bool):
        try:
            return float(text) == float(v)
        except ValueError:
            return False
    return str(v) == text


def _scenario_value(manifest: dict, path: str):
    node = manifest.get("parameters", {})
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def default_reference(manifest: dict, by: str, values: list) -> tuple[object, str]:
    """The reference value of ``by`` and why: the scenario's own value, else the first value
    of the sweep's ``--vary`` list, else the lowest."""
    own = _scenario_value(manifest, by)
    if own is not None and any(v == own for v in values):
        return own, "the scenario's own value"
    factor = next((f for f in manifest["design"]["factors"] if f["path"] == by), None)
    if factor and factor.get("values"):
        first = factor["values"][0]
        if any(v == first for v in values):
            return first, "the first value given to --vary"
    return values[0], "the lowest value"


def quantile_bins(values: np.ndarray, k: int) -> tuple[np.ndarray, list[str]]:
    """Bin index per run into ``k`` quantile groups of the design points' values."""
    edges = np.unique(np.quantile(np.unique(values), np.linspace(0, 1, k + 1)))
    idx = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    labels = [f"{a:.3g}-{b:.3g}" for a, b in zip(edges[:-1], edges[1:])]
    return idx, labels


def load_groups(dirs: list[Path], by: str | None = None, minimum: int = 2,
                reference: str | None = None, bins: int | None = None) -> list[Group]:
    """Groups to compare, the reference first: each sweep, or each value (or quantile bin,
    ``bins``) of ``by`` within each sweep. Each group's ``reference_note`` says which group
    is the reference and why."""
    groups, ref, note = [], None, ""
    names = [Path(d).name for d in dirs]
    for d in dirs:
        m = read_manifest(d)
        table = read_runs(d)
        rows = [r for r in (table.to_pylist() if table is not None else []) if r["status"] == "ok"]
        base = Path(d).name if names.count(Path(d).name) == 1 else str(d)
        if by is None:
            groups.append(Group(base, Path(d), rows, m["root_seed"], m["replicates"],
                                name=base, where=f"in {base}"))
            continue
        varied = [f["path"] for f in m["design"]["factors"]]
        if by not in varied:
            raise SweepError(f"--by {by}: not varied in {d}; varied: "
                             f"{', '.join(varied) or 'nothing'}")
        values = sorted({r[by] for r in rows}, key=_sort_key)
        others = tuple(p for p in varied if p != by)
        suffix = f" ({base})" if len(dirs) > 1 else ""
        short = by.split(".")[-1]
        if bins:
            from experiments.analysis.response import is_numeric
            if not is_numeric(values):
                raise SweepError(f"--bins: {by} is not numeric; its values: "
                                 f"{', '.join(map(str, values))}")
            idx, labels = quantile_bins(np.array([r[by] for r in rows], float), bins)
            mine = [Group(f"{short} {lab}{suffix}", Path(d),
                          [r for r, i in zip(rows, idx) if i == k], m["root_seed"],
                          m["replicates"], others, f"{by} {lab}{suffix}",
                          f"at {by} {lab}{suffix}", k) for k, lab in enumerate(labels)]
            why = "the lowest bin"
        else:
            mine = [Group(f"{short}={_fmt_value(v)}{suffix}", Path(d),
                          [r for r in rows if r[by] == v], m["root_seed"], m["replicates"],
                          others, f"{by} {_fmt_value(v)}{suffix}",
                          f"at {_fmt_value(v)}{suffix}", v) for v in values]
            value, why = default_reference(m, by, values)
            mine.sort(key=lambda g: g.value != value)       # stable: the reference first
        if ref is None:
            ref, note = mine[0], why
        groups += mine
    if len(groups) < minimum:
        raise SweepError("compare needs at least two groups: give two sweeps, or --by a "
                         "parameter the sweep varied")
    empty = [g.label for g in groups if not g.rows]
    if empty:
        raise SweepError(f"group {empty[0]} has no finished runs")
    ref, note = (groups[0], "the first sweep given") if ref is None else (ref, note)
    if reference is not None:
        hit = [g for g in groups if reference in (g.label, g.name)
               or (g.value is not None and not bins and _same(g.value, reference))]
        if not hit:
            raise SweepError(f"--reference {reference}: not a group; valid: " + ", ".join(
                _fmt_value(g.value) if g.value is not None and not bins else g.label
                for g in groups))
        ref, note = hit[0], "given with --reference"
    groups.remove(ref)
    groups.insert(0, ref)
    for g in groups:
        g.reference_note = f"{ref.label}, {note}"
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
    """Event weeks, censored at the last week watched where the event did not happen
    (also in runs that ended early: the event is not counted as if it happened then)."""
    t = np.array([r[key] if r[key] is not None else r["weeks_run"] - 1 for r in rows], float)
    o = np.array([r[key] is not None for r in rows], bool)
    return t, o


@dataclass
class Test:
    outcome: str
    a: str                # the reference group
    b: str                # the group compared with it
    test: str
    pvalue: float
    effect: str           # the difference in words, with its interval
    p_adjusted: float = float("nan")
    # size of the difference on one scale for every kind, |P(b > a) - P(b < a)| (Cliff's
    # delta; the difference of shares for yes/no; Gehan's rule for censored times): ranks
    # the headline
    strength: float = 0.0
    clear: bool = False       # the 95% interval excludes no difference
    note: str = ""            # a further test (e.g. Kolmogorov-Smirnov for amounts)


@dataclass
class OutcomeSummary:
    outcome: str
    kind: str                              # "time", "amount", "binary"
    label: str
    unit: str
    per_group: list[dict] = field(default_factory=list)   # label + statistics
    mostly_zero: bool = False              # an amount that is zero in most runs


@dataclass
class Comparison:
    groups: list[Group]
    paired: bool
    summaries: list[OutcomeSummary]
    tests: list[Test]
    reference: str = ""                    # which group is the reference, and why
    horizon: int = 0                       # last week watched in every group


def _aligned(groups, i, j, key_fn):
    gi, gj = groups[i].by_replicate(), groups[j].by_replicate()
    reps = sorted(gi)
    return [key_fn(gi[k]) for k in reps], [key_fn(gj[k]) for k in reps]


def _pts(d: float) -> str:
    return f"{100 * d:+.0f}"


def _share_by_diff(ta, oa, tb, ob, week, rng, paired_runs, n_boot=1000):
    """Difference (b - a) in the Kaplan-Meier share with the event by ``week``, with a
    percentile bootstrap interval (pairs resampled together when paired)."""
    def share(t, o):
        return st.km_share_by(*st.km_steps(t, o), week)
    d = share(tb, ob) - share(ta, oa)
    boots = np.empty(n_boot)
    for k in range(n_boot):
        i = rng.integers(0, len(ta), len(ta))
        j = i if paired_runs else rng.integers(0, len(tb), len(tb))
        boots[k] = share(tb[j], ob[j]) - share(ta[i], oa[i])
    low, high = np.percentile(boots, [2.5, 97.5])
    return d, float(low), float(high)


def _mean_difference(a, b, paired_runs: bool) -> tuple[float, float, float]:
    """Mean of b minus mean of a with a 95% normal interval (paired: of the differences)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = float(np.mean(b) - np.mean(a))
    se = (np.std(b - a, ddof=1) / np.sqrt(len(a)) if paired_runs else
          np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b)))
    return d, d - 1.96 * float(se), d + 1.96 * float(se)


def _median_word(m) -> str:
    return "not reached" if m is None else f"week {m:g}"


def compare(groups: list[Group], outcomes: list[str], seed: int = 0) -> Comparison:
    """Per-group statistics for each outcome and each group's difference from the reference
    (``groups[0]``), in words with 95% intervals; tests FDR-adjusted."""
    missing = [n for n in outcomes if (n in TIME_TO_EVENT or n in AMOUNTS)
               and any(g.rows and n not in g.rows[0] for g in groups)]
    if missing:
        raise SweepError(f"--outcomes {missing[0]}: these runs have no such outcome (stored by "
                         "an older version of the model); run the sweep again to compare it")
    rng = np.random.default_rng(seed)
    is_paired = paired(groups)
    horizon = min(max(r["weeks_run"] for r in g.rows) for g in groups) - 1
    ref = groups[0]
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
            for j in range(1, len(groups)):
                if is_paired:
                    ta, tb = (np.array(v, float) for v in _aligned(
                        groups, 0, j, lambda r: event_times([r], name)[0][0]))
                    oa, ob = (np.array(v, bool) for v in _aligned(
                        groups, 0, j, lambda r: r[name] is not None))
                else:
                    (ta, oa), (tb, ob) = event_times(ref.rows, name), event_times(groups[j].rows, name)
                lr = st.logrank(ta, oa, tb, ob)
                d, lo, hi = _share_by_diff(ta, oa, tb, ob, horizon, rng, is_paired)
                share_b = st.km_share_by(*st.km_steps(tb, ob), horizon)
                share_a = st.km_share_by(*st.km_steps(ta, oa), horizon)
                mb, ma = s.per_group[j]["median"], s.per_group[0]["median"]
                when = ("" if mb is None and ma is None else f" at a KM median of "
                        f"{_median_word(mb)} vs {_median_word(ma)} {ref.where};")
                eff = (f"{groups[j].name}: {label}{when} by week {horizon} in {share_b:.0%} of "
                       f"runs vs {share_a:.0%}{'' if when else ' ' + ref.where}, {_pts(d)} "
                       f"points [{_pts(lo)}, {_pts(hi)}]")
                tests.append(Test(name, ref.label, groups[j].label, "log-rank", lr.pvalue, eff,
                                  strength=abs(st.dominance(ta, tb, oa, ob)),
                                  clear=lo > 0 or hi < 0))
        elif name in AMOUNTS:
            label, unit, scale = AMOUNTS[name]
            s = OutcomeSummary(name, "amount", label, unit)
            values = [np.array([r[name] / scale for r in g.rows], float) for g in groups]
            s.mostly_zero = bool(np.mean(np.concatenate(values) == 0) >= 0.5)
            for g, v in zip(groups, values):
                m = st.bootstrap_median(v, rng)
                s.per_group.append({"group": g.label, "n": len(v), "median": m.median,
                                    "low": m.low, "high": m.high, "values": v,
                                    "above_zero": float(np.mean(v > 0)), "mean": float(np.mean(v))})
            for j in range(1, len(groups)):
                if is_paired:
                    a, b = (np.array(v, float) for v in _aligned(groups, 0, j,
                                                                 lambda r: r[name] / scale))
                else:
                    a, b = values[0], values[j]
                c = st.compare_amounts(a, b, rng, paired=is_paired)
                if s.mostly_zero:
                    pz = st.compare_proportions(a > 0, b > 0, paired=is_paired)
                    eff = (f"{groups[j].name}: {label} above zero in {pz.b.p:.0%} of runs vs "
                           f"{pz.a.p:.0%} {ref.where}, {_pts(pz.difference)} points "
                           f"[{_pts(pz.low)}, {_pts(pz.high)}]; mean {np.mean(b):.3g} vs "
                           f"{np.mean(a):.3g} {unit} (mostly zero: medians say little)")
                    clear = pz.low > 0 or pz.high < 0
                else:
                    dm = c.difference
                    eff = (f"{groups[j].name}: median {label} {c.median_b.median:.3g} vs "
                           f"{c.median_a.median:.3g} {unit} {ref.where}, difference of medians "
                           f"{dm.median:+.3g} [{dm.low:+.3g}, {dm.high:+.3g}] {unit}; "
                           f"{'rank-biserial' if is_paired else 'Cliff delta'} {c.effect:+.2f}")
                    clear = dm.low > 0 or dm.high < 0
                    if unit == "people":
                        # counts move in whole steps: medians can tie while the counts shift,
                        # so the difference of means (normal interval) is stated too
                        mean, lo, hi = _mean_difference(a, b, is_paired)
                        eff += (f"; means {np.mean(b):.3g} vs {np.mean(a):.3g}, difference "
                                f"{mean:+.2g} [{lo:+.2g}, {hi:+.2g}]")
                        clear = clear or lo > 0 or hi < 0
                tests.append(Test(name, ref.label, groups[j].label, c.test, c.pvalue, eff,
                                  strength=abs(st.dominance(a, b)), clear=clear,
                                  note=f"distributions: KS D={c.ks_statistic:.2f} "
                                       f"p={c.ks_pvalue:.2g}"))
        else:
            label, fn = BINARY[name]
            s = OutcomeSummary(name, "binary", label, "share")
            for g in groups:
                p = st.proportion(sum(bool(fn(r)) for r in g.rows), len(g.rows))
                s.per_group.append({"group": g.label, "n": p.n, "median": p.p, "low": p.low,
                                    "high": p.high})
            for j in range(1, len(groups)):
                if is_paired:
                    a, b = _aligned(groups, 0, j, lambda r: bool(fn(r)))
                else:
                    a = [bool(fn(r)) for r in ref.rows]
                    b = [bool(fn(r)) for r in groups[j].rows]
                c = st.compare_proportions(a, b, paired=is_paired)
                eff = (f"{groups[j].name}: {SENTENCES[name]} in {c.b.p:.0%} of runs vs "
                       f"{c.a.p:.0%} {ref.where}, {_pts(c.difference)} points "
                       f"[{_pts(c.low)}, {_pts(c.high)}]")
                tests.append(Test(name, ref.label, groups[j].label, c.test, c.pvalue, eff,
                                  strength=abs(c.difference), clear=c.low > 0 or c.high < 0))
        summaries.append(s)
    adjusted = st.fdr([t.pvalue for t in tests])
    for t, q in zip(tests, adjusted):
        t.p_adjusted = float(q)
    return Comparison(groups, is_paired, summaries, tests,
                      ref.reference_note or ref.label, horizon)


# ----------------------------------------------------------------------------- text

SIGNIFICANCE_NOTE = ("Effect sizes come first: with many runs per group even a tiny "
                     "difference is 'statistically significant', so read the size of each "
                     "difference and its 95% interval; the p-values (adjusted for multiple "
                     "comparisons) only say whether chance alone could explain it.")


def headline(c: Comparison, top: int = 3) -> list[str]:
    """The plain-language summary: the largest clear differences, then the outcomes where
    the groups cannot be told apart."""
    clear = sorted((t for t in c.tests if t.clear), key=lambda t: -t.strength)
    lines = [f"Compared with the reference ({c.reference}):"]
    lines += [f"- {t.effect}" for t in clear[:top]]
    if not clear:
        lines.append("- no outcome differs clearly (every 95% interval includes no difference)")
    labels = {s.outcome: s.label for s in c.summaries}
    unclear = sorted({labels[t.outcome] for t in c.tests if not t.clear})
    if unclear:
        lines.append("- no clear difference in " + ", ".join(unclear)
                     + " (the 95% interval of the stated difference includes zero)")
    return lines


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
            if s.mostly_zero:
                extra = f"; above zero in {pg['above_zero']:.0%} of runs, mean {pg['mean']:.3g}"
            estimate = (f"{what} {_num(pg['median'], s.unit)} "
                        f"[{_num(pg['low'], s.unit)}, {_num(pg['high'], s.unit)}]")
            if s.kind == "time" and pg["median"] is None:
                estimate = "KM median not reached (fewer than half the runs have it)"
            rows.append([f"{s.label} ({s.unit})", pg["group"], str(pg["n"]), estimate + extra])
    return rows


def test_rows(c: Comparison) -> list[list[str]]:
    """One row per difference: outcome, the difference in words, test, p, adjusted p."""
    return [[t.outcome, t.effect, t.test, f"{t.pvalue:.3g}", f"{t.p_adjusted:.3g}", t.note]
            for t in c.tests]


def terminal_table(c: Comparison) -> list[str]:
    lines = ["Summary", *headline(c), "",
             "groups: " + "; ".join(f"{g.label} ({len(g.rows)} runs)" for g in c.groups),
             f"reference: {c.reference}; differences are group minus reference",
             ("runs are paired by replicate (common random numbers): paired tests used"
              if c.paired else "runs are not paired: two-sample tests used"), ""]
    rows = summary_rows(c)
    w = [max(len(r[k]) for r in rows) for k in range(3)]
    lines.append(f"{'outcome':{w[0]}s}  {'group':{w[1]}s}  {'n':>{w[2]}s}  estimate [95% interval]")
    for r in rows:
        lines.append(f"{r[0]:{w[0]}s}  {r[1]:{w[1]}s}  {r[2]:>{w[2]}s}  {r[3]}")
    lines += ["", "differences from the reference, with 95% intervals "
              "(then the test; p adjusted by Benjamini-Hochberg FDR):"]
    for r in test_rows(c):
        lines.append(f"  {r[1]}  [{r[2]} p={r[3]}, adj. {r[4]}{'; ' + r[5] if r[5] else ''}]")
    lines += ["", SIGNIFICANCE_NOTE]
    return lines
