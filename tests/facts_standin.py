"""A minimal stand-in for ``experiments.analysis.facts`` (written elsewhere at the same
time), for the calibration tests only: the same four names, a few of the case's facts.

Used only when the real module is missing (see tests/test_calibration_engine.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.outcomes import summary


@dataclass(frozen=True)
class Fact:
    id: str
    use: str            # "fit" or "check"
    what: str
    source: str
    key: str            # summary key
    target: float
    scale: float        # discrepancy of 1 at target +- scale
    lo: float
    hi: float


@dataclass(frozen=True)
class FactResult:
    id: str
    use: str
    passed: bool | None


FACTS = (
    Fact("compute_2023", "fit", "2023 compute ~ $99M", "case", "compute_cost_2023", 99e6, 15e6,
         84e6, 114e6),
    Fact("payroll_opex_2023", "fit", "2023 payroll+opex ~ $54M", "case", "other_cost_2023",
         54e6, 8e6, 46e6, 62e6),
    Fact("revenue_2023", "fit", "2023 revenue ~ $11M", "case", "revenue_2023", 11e6, 3.3e6,
         7.7e6, 14.3e6),
    Fact("first_unpaid_bill", "fit", "bills unpaid from week ~43", "case",
         "first_unpaid_bill_week", 43, 8, 35, 50),
    Fact("exec_departures", "fit", ">= 8 senior departures by week 62", "case",
         "exec_departures_by_62", 9, 3, 8, 1e9),
    Fact("ceo_exit_week", "fit", "CEO out in week ~75", "case", "ceo_exit_week", 75, 10, 65, 85),
    Fact("bridge_week", "check", "a bridge in weeks 18-42", "case", "bridge_week", 30, 12, 18, 42),
)


def load_facts(scenario):
    return list(FACTS)


def run_statistics(model, facts):
    s = summary(model, "x", None)
    return {f.id: s[f.key] for f in facts}


def run_distance(facts, stats):
    out = {}
    for f in facts:
        v = stats.get(f.id)
        v = 104 if v is None else v
        out[f.id] = abs(float(v) - f.target) / f.scale
    return out


def evaluate(facts, list_of_stats):
    out = []
    for f in facts:
        vals = [104 if s.get(f.id) is None else s[f.id] for s in list_of_stats]
        med = float(np.median(vals))
        out.append(FactResult(f.id, f.use, bool(f.lo <= med <= f.hi)))
    return out
