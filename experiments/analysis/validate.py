"""Validation of a scenario against the documented facts of its case.

The facts are data (``model/scenarios/NAME.facts.toml``, or any file): see
:mod:`experiments.analysis.facts` for the format, the statistics and the rules. This
module runs the seeded runs, computes every fact's per-run value and judges the facts,
and prints the table: fitted facts and held-back checks in two blocks.
"""

from __future__ import annotations

from pathlib import Path

from experiments.analysis.facts import Fact, FactResult, evaluate, load_facts, run_statistics
from experiments.runs.runner import finished_runs
from experiments.runs.seeds import run_seeds
from model.scenarios import Scenario

DEFAULT_ROOT_SEED = 20221017

__all__ = ["DEFAULT_ROOT_SEED", "FactResult", "validate", "all_passed", "table"]


def validate(scenario: Scenario, n_seeds: int = 200, root_seed: int = DEFAULT_ROOT_SEED,
             facts: list[Fact] | str | Path | None = None,
             draws: list[dict] | None = None) -> list[FactResult]:
    """Run ``n_seeds`` seeded runs of ``scenario`` and judge ``facts`` (default: the
    scenario's own facts file, or its base's). ``draws``: one parameter set per run (dotted
    path -> value, e.g. drawn from a calibration's posterior), so that the facts are judged
    with parameter uncertainty as well as chance."""
    if facts is None or isinstance(facts, (str, Path)):
        facts = load_facts(scenario if facts is None else facts)
    runs = finished_runs(scenario, run_seeds(root_seed, n_seeds), draws)
    stats = [run_statistics(m, facts) for m in runs]
    return evaluate(facts, stats)


def all_passed(results: list[FactResult]) -> bool:
    return all(r.passed for r in results)


def _num(x, unit: str) -> str:
    if x is None:
        return "-"
    if unit == "share":
        return f"{x:.2f}"
    return f"{x:,.1f}" if unit.startswith("$") else f"{x:g}"


def table(results: list[FactResult], n_seeds: int, scenario: str,
          posterior: str | None = None) -> list[str]:
    """The validation table: fitted facts, then held-back checks, and a summary line;
    ``posterior``: the calibration folder the runs' parameters were drawn from, if any."""
    width = max([4] + [len(r.id) for r in results])
    drawn = f", parameters drawn from the posterior in {posterior}" if posterior else ""
    lines = [f"Validation of '{scenario}' against the case record, {n_seeds} seeds{drawn}",
             "value: median of the runs (Kaplan-Meier median for event weeks) or share of runs;",
             "interval: 10th-90th percentile of the runs (Kaplan-Meier for event weeks), or the "
             "share's Wilson 95% interval", ""]
    head = (f"{'fact':{width}s} {'result':6s} {'value':>8s} {'interval':>18s} {'unit':6s} "
            f"documented fact / rule [source]")
    pad = " " * (width + 1 + 6 + 1 + 8 + 1 + 18 + 1 + 6 + 1)
    blocks = (("fit", "Fitted facts (may be used for calibration)"),
              ("check", "Held-back facts (never used for calibration, only checked)"))
    for use, title in blocks:
        rows = [r for r in results if r.use == use]
        if not rows:
            continue
        lines += [title, head, "-" * len(head)]
        for r in rows:
            interval = (f"[{_num(r.lo, r.unit)}, {_num(r.hi, r.unit)}]"
                        if r.lo is not None or r.hi is not None else "")
            lines.append(f"{r.id:{width}s} {'PASS' if r.passed else 'FAIL':6s} "
                         f"{_num(r.value, r.unit):>8s} {interval:>18s} {r.unit:6s} {r.what}")
            anchor = r.source.rpartition("#")[2] or r.source
            lines.append(f"{pad}  {r.rule} [{anchor}]")
        lines.append("")
    fit = [r for r in results if r.use == "fit"]
    held = [r for r in results if r.use == "check"]
    parts = [f"{sum(r.passed for r in rows)} of {len(rows)} {kind} facts pass"
             for rows, kind in ((fit, "fitted"), (held, "held-back")) if rows]
    lines.append("; ".join(parts))
    return lines
