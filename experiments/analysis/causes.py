"""Why people leave: the main cause the model logs with each departure, counted over many
runs. A held-back fact that fails (the core team gone too early) is explained by the causes
of the departures behind it, generated into the ODD (block ``core-causes-SCENARIO``)."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from experiments.analysis.validate import DEFAULT_ROOT_SEED
from experiments.runs.runner import finished_runs, load_scenario
from experiments.runs.seeds import run_seeds


class CauseRow(NamedTuple):
    cause: str
    departures: int     # departures with this main cause, over all runs
    share: float        # of all the departures counted


def departure_causes(scenario: str, role: str, before_week: int, n_seeds: int = 200,
                     root_seed: int = DEFAULT_ROOT_SEED) -> tuple[list[CauseRow], int]:
    """Main causes of the departures of people with ``role`` before ``before_week``, most
    frequent first, and the number of runs."""
    counts: Counter = Counter()
    for model in finished_runs(load_scenario(scenario), run_seeds(root_seed, n_seeds)):
        counts.update(e.cause for e in model.events
                      if e.event == "departure" and e.role == role and e.week < before_week)
    total = sum(counts.values())
    rows = [CauseRow(c, n, n / total) for c, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]
    return rows, n_seeds


def causes_markdown(rows: list[CauseRow], scenario: str, role: str, before_week: int,
                    n_seeds: int, root_seed: int) -> str:
    total = sum(r.departures for r in rows)
    out = [f"{n_seeds} runs of `{scenario}` (root seed {root_seed}): the main cause logged "
           f"with each departure of a {role} before week {before_week} ({total} departures, "
           f"{total / n_seeds:.2f} per run).", "",
           "| main cause | departures | share |", "| --- | --- | --- |"]
    out += [f"| {r.cause} | {r.departures} | {r.share:.0%} |" for r in rows]
    return "\n".join(out) + "\n"
