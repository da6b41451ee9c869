"""Why people leave: the main cause the model logs with each departure, counted over many
runs. A held-back fact that fails (the core team gone too early) is explained by the causes
of the departures behind it, generated into the ODD (block ``core-causes-SCENARIO``), and
two yes/no facts about the same people are read together run by run (:func:`fact_crosstab`,
block ``core-crosstab-SCENARIO``): a fact can pass for the wrong reason."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from experiments.analysis.facts import Fact, run_statistics
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


def fact_crosstab(scenario: str, first: Fact, second: Fact, n_seeds: int = 200,
                  root_seed: int = DEFAULT_ROOT_SEED) -> Counter:
    """Runs by the pair of per-run values (True, False or None: not counted) of two yes/no
    facts (``share`` or ``order``)."""
    table: Counter = Counter()
    for model in finished_runs(load_scenario(scenario), run_seeds(root_seed, n_seeds)):
        values = run_statistics(model, [first, second])
        table[values[first.id], values[second.id]] += 1
    return table


def _question(f: Fact) -> str:
    """What a yes/no fact's value answers, in the facts' own terms."""
    if f.statistic == "order":
        return f"does `{'/'.join(f.first.kinds)}` come before `{'/'.join(f.then.kinds)}`?"
    by = f" by week {f.by_week}" if f.by_week is not None else ""
    return f"does `{'/'.join(f.event.kinds)}` happen{by}?"


def crosstab_markdown(table: Counter, first: Fact, second: Fact, scenario: str, n_seeds: int,
                      root_seed: int) -> str:
    """The table, with the cell that is the realised history marked."""
    def label(f: Fact, v) -> str:
        return "not counted" if v is None else ("yes" if v else "no") + (
            " (as in the record)" if v == f.observed else "")
    values = [True, False] + ([None] if any(None in k for k in table) else [])
    out = [f"{n_seeds} runs of `{scenario}` (root seed {root_seed}), counted by the value of "
           f"two held-back facts in each run: rows `{first.id}` ({_question(first)}), "
           f"columns `{second.id}` ({_question(second)}).", "",
           "| | " + " | ".join(label(second, v) for v in values) + " |",
           "| --- |" + " --- |" * len(values)]
    out += [f"| {label(first, a)} | " + " | ".join(str(table[a, b]) for b in values) + " |"
            for a in values]
    both = table[first.observed, second.observed]
    out += ["", f"Runs that match the record on both: {both} of {n_seeds} "
                f"({both / n_seeds:.0%})."]
    return "\n".join(out) + "\n"


ROUTES = ("resigned under pressure", "took an exit package", "left as a rescue's condition",
          "removed by a vote over lost trust", "stepped aside for a successor the board sought",
          "outvoted for a successor the board sought", "still in office at the end")


def founder_exit_route(model) -> str:
    """How the founder left office in a finished run (one of ROUTES), from the typed fields
    of his first ``ceo_resigned``/``ceo_removed`` event."""
    e = next((e for e in model.events if e.role == "founder-CEO"
              and e.event in ("ceo_resigned", "ceo_removed")), None)
    if e is None:
        return ROUTES[6]
    if e.cause == "succession":
        return ROUTES[4] if e.event == "ceo_resigned" else ROUTES[5]
    if e.event == "ceo_removed":
        return ROUTES[3]
    return {"exit package": ROUTES[1], "rescue condition": ROUTES[2]}.get(e.cause, ROUTES[0])


def routes_markdown(tables: dict[str, Counter], n_seeds: int, root_seed: int) -> str:
    """Routes (rows) by scenario (columns), in runs of ``n_seeds``."""
    names = list(tables)
    out = [f"{n_seeds} runs of each scenario (root seed {root_seed}), by how the founder left "
           f"office (his first exit as CEO):", "",
           "| route | " + " | ".join(f"`{n}`" for n in names) + " |",
           "| --- |" + " --- |" * len(names)]
    out += [f"| {r} | " + " | ".join(str(tables[n][r]) for n in names) + " |" for r in ROUTES]
    return "\n".join(out) + "\n"
