"""The case library: a case is a scenario with a facts file of its own
(``model/scenarios/NAME.toml`` + ``NAME.facts.toml``) and the case record its facts cite
(``docs/cases/*.md``, named by the facts' ``source`` fields).

Counterfactuals and lessons have no facts file of their own (they are checked against their
base's), so they are scenarios, not cases.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

from experiments.analysis.facts import has_own_facts, load_facts
from model.calendar import week_date
from model.scenarios import load, names

ROOT = Path(__file__).resolve().parents[2]     # the project's folder (docs/ beside model/)


class Case(NamedTuple):
    name: str
    company: str
    start: str           # ISO date of week 0
    end: str             # ISO date of the Sunday ending the horizon
    weeks: int
    fitted: int          # facts with use = "fit"
    checked: int         # held-back facts
    record: str | None   # the case record the facts cite (path from the project's folder)
    description: str


def record_of(facts) -> str | None:
    """The file most of the facts' sources point into (``docs/cases/x.md#row``), if any."""
    files = Counter(f.source.partition("#")[0] for f in facts if "#" in f.source)
    return files.most_common(1)[0][0] if files else None


def case(name: str) -> Case:
    """One case by scenario name (ParameterError for an unknown scenario or one without
    facts)."""
    sc = load(name)
    facts = load_facts(name)
    p = sc.params
    end = week_date(p.start, p.run.weeks) - timedelta(days=1)   # the last week's Sunday
    return Case(name, p.company.name, p.run.start_date, end.isoformat(), p.run.weeks,
                sum(f.use == "fit" for f in facts), sum(f.use == "check" for f in facts),
                record_of(facts), sc.description)


def cases() -> list[Case]:
    """Every shipped case, by name."""
    return [case(n) for n in names() if has_own_facts(n)]


def case_lines(root: Path = ROOT) -> list[str]:
    """One line per case: name, company, period, facts, record (marked when missing)."""
    rows = cases()
    width = max([len("company")] + [len(c.company) for c in rows])   # names are not cut
    lines = [f"{'case':22s} {'company':{width}s} {'period':36s} {'facts':14s} record"]
    for c in rows:
        period = f"{c.start} to {c.end} ({c.weeks} weeks)"
        facts = f"{c.fitted} fit, {c.checked} check"
        record = c.record or "-"
        if c.record and not (root / c.record).is_file():
            record += " (missing)"
        lines.append(f"{c.name:22s} {c.company:{width}s} {period:36s} {facts:14s} {record}")
    lines.append(f"{len(rows)} case{'s' if len(rows) != 1 else ''}; check one with: "
                 f"python run.py validate --case NAME")
    return lines
