"""Validation of a scenario against the documented facts of the reference case.

Each fact has a target, a statistic over many seeded runs and a pass rule. The table
shows each quantity's simulated median and 80% interval (10th-90th percentile). Times to
an event are right-censored where the event did not happen (Kaplan-Meier quantiles), so
runs that end early or reach the horizon without the event are counted, not dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from experiments.runs.runner import summaries
from experiments.runs.seeds import run_seeds
from experiments.analysis.statistics import km_quantiles
from model.scenarios import Scenario

M = 1e6
DEFAULT_ROOT_SEED = 20221017


@dataclass(frozen=True)
class FactResult:
    name: str
    target: str          # the documented fact, in words
    passed: bool | None  # None: shown for information, no pass rule
    rule: str            # the pass rule and the statistic it was applied to
    median: float | None
    lo: float | None     # 10th percentile
    hi: float | None     # 90th percentile
    unit: str


def _amount(key: str, scale: float, lo: float, hi: float):
    """Median of a per-run amount must lie in [lo, hi]."""
    def measure(runs):
        v = np.array([r[key] / scale for r in runs], dtype=float)
        med, p10, p90 = (float(x) for x in np.percentile(v, [50, 10, 90]))
        return lo <= med <= hi, f"median in [{lo:g}, {hi:g}]", med, p10, p90
    return measure


def _event_week(key: str, lo: float, hi: float, where=lambda r: True):
    """Kaplan-Meier median week of an event must lie in [lo, hi]."""
    def measure(runs):
        runs = [r for r in runs if where(r)]
        times = [r[key] if r[key] is not None else r["weeks_run"] - 1 for r in runs]
        km = km_quantiles(times, [r[key] is not None for r in runs])
        ok = km.median is not None and lo <= km.median <= hi
        return ok, (f"median in [{lo:g}, {hi:g}]; event in {km.observed} of {km.n} runs "
                    f"(others censored)"), km.median, km.lo, km.hi
    return measure


def _first_raise(runs):
    big = [r for r in runs if (r["first_round_ask"] or 0) >= 2e9]
    failed = sum(1 for r in big if r["first_round_failed"] is not False)
    share = failed / len(runs)
    asks = np.array([r["first_round_ask"] / 1e9 for r in big]) if big else np.array([np.nan])
    med, p10, p90 = (float(x) for x in np.percentile(asks, [50, 10, 90]))
    return share > 0.5, (f"a first round asking >= $2B failed in {share:.0%} of runs "
                         f"(need > 50%); figures: valuation asked"), med, p10, p90


def _bridge(runs):
    weeks = np.array([r["bridge_week"] for r in runs if r["bridge_week"] is not None], dtype=float)
    share = float(np.mean([r["bridge_week"] is not None and 18 <= r["bridge_week"] <= 42
                           for r in runs]))
    size = float(np.median([r["bridge_amount"] for r in runs if r["bridge_week"] is not None])
                 ) / M if len(weeks) else 0.0
    med, p10, p90 = ((float(x) for x in np.percentile(weeks, [50, 10, 90])) if len(weeks)
                     else (None, None, None))
    ok = share > 0.5 and 20 <= size <= 60
    return ok, (f"a ${size:.0f}M bridge in weeks 18-42 in {share:.0%} of runs "
                f"(need > 50%, size $20-60M); figures: bridge week"), med, p10, p90


def _exit_kind(runs):
    exits = [r for r in runs if r["ceo_exit_kind"] is not None]
    resigned = sum(1 for r in exits if r["ceo_exit_kind"] == "resigned")
    share = resigned / len(exits) if exits else 0.0
    return share > 0.5, f"{share:.0%} of {len(exits)} exits are resignations (need > 50%)", \
        None, None, None


def _in_office(runs):
    share = float(np.mean([r["ceo_exit_week"] is None and r["weeks_run"] >= 104 for r in runs]))
    ended = float(np.mean([r["ceo_exit_week"] is None and r["weeks_run"] < 104 for r in runs]))
    return share < 0.2, (f"CEO in office at week 104 in {share:.0%} of runs (need < 20%); "
                         f"another {ended:.0%} ended earlier (insolvent or sold) with the founder "
                         f"in office"), None, None, None


def _insolvency(runs):
    share = float(np.mean([r["insolvent_week"] is not None for r in runs]))
    before = float(np.mean([r["insolvent_week"] is not None and r["ceo_exit_week"] is None
                            for r in runs]))
    return None, (f"insolvent in {share:.0%} of runs, {before:.0%} with the founder still "
                  f"in office (the company survived in the case)"), None, None, None


def _priced_round(runs):
    share = float(np.mean([r["first_round_closed_week"] is not None
                           and (r["ceo_exit_week"] is None
                                or r["first_round_closed_week"] < r["ceo_exit_week"])
                           for r in runs]))
    return None, (f"a priced round closed while the founder was in office in {share:.0%} of runs "
                  f"(the case: none, only the SAFE)"), None, None, None


FACTS: tuple[tuple[str, str, str, Callable], ...] = (
    ("compute_2023", "2023 compute spend ~ $99M (+-15%)", "$M",
     _amount("compute_cost_2023", M, 99 * 0.85, 99 * 1.15)),
    ("payroll_opex_2023", "2023 payroll+opex ~ $54M (+-15%)", "$M",
     _amount("other_cost_2023", M, 54 * 0.85, 54 * 1.15)),
    ("revenue_2023", "2023 revenue ~ $11M (+-30%)", "$M",
     _amount("revenue_2023", M, 11 * 0.7, 11 * 1.3)),
    ("first_raise_fails", "the raise at a multi-billion valuation fails in most runs", "$B",
     _first_raise),
    ("bridge", "a ~$35M bridge (SAFE) comes in around Q2 2023 in most runs", "week", _bridge),
    ("first_unpaid_bill", "supplier bills start going unpaid mid-2023 (median week 35-50)",
     "week", _event_week("first_unpaid_bill_week", 35, 50)),
    ("exec_departures", "senior departures through 2023 (median >= 8 by week 62)", "people",
     _amount("exec_departures_by_62", 1, 8, float("inf"))),
    ("ceo_exit_week", "the CEO's exit: median week 65-85 (case: week 75)", "week",
     _event_week("ceo_exit_week", 65, 85)),
    ("ceo_exit_kind", "mostly by resignation under founder control", "", _exit_kind),
    ("ceo_in_office", "the CEO is still in office at week 104 in < 20% of runs", "", _in_office),
    ("priced_round", "information: priced rounds under the founder (no target)", "",
     _priced_round),
    ("insolvency", "information: insolvency (no target)", "", _insolvency),
)


def evaluate(runs: list[dict]) -> list[FactResult]:
    """Check every fact against a list of run summaries."""
    out = []
    for name, target, unit, measure in FACTS:
        ok, rule, med, lo, hi = measure(runs)
        out.append(FactResult(name, target, ok, rule, med, lo, hi, unit))
    return out


def validate(scenario: Scenario, n_seeds: int = 200,
             root_seed: int = DEFAULT_ROOT_SEED) -> list[FactResult]:
    """Run ``n_seeds`` seeded runs of ``scenario`` and check the facts."""
    return evaluate(summaries(scenario, run_seeds(root_seed, n_seeds)))


def all_passed(results: list[FactResult]) -> bool:
    return all(r.passed is not False for r in results)


def _num(x, unit: str) -> str:
    if x is None:
        return "-"
    return f"{x:,.1f}" if unit in ("$M", "$B") else f"{x:g}"


def table(results, n_seeds: int, scenario: str) -> list[str]:
    lines = [f"Validation of '{scenario}' against the case record, {n_seeds} seeds "
             f"(median and 10th-90th percentile of the runs)", ""]
    head = f"{'fact':19s} {'result':6s} {'median':>8s} {'80% interval':>18s} {'unit':5s} target / rule"
    lines += [head, "-" * len(head)]
    for r in results:
        status = {True: "PASS", False: "FAIL", None: "info"}[r.passed]
        interval = (f"[{_num(r.lo, r.unit)}, {_num(r.hi, r.unit)}]"
                    if r.median is not None else "")
        lines.append(f"{r.name:19s} {status:6s} {_num(r.median, r.unit):>8s} {interval:>18s} "
                     f"{r.unit:5s} {r.target}")
        lines.append(f"{'':19s} {'':6s} {'':8s} {'':18s} {'':5s}   {r.rule}")
    passed = sum(1 for r in results if r.passed)
    rules = sum(1 for r in results if r.passed is not None)
    lines += ["", f"{passed} of {rules} facts pass"]
    return lines
