"""The Python API: one run by scenario name and seed, as a small result with pandas tables.

    >>> from model import simulate
    >>> run = simulate("stability-ai", seed=3, weeks=40, **{"ceo.listening": 0.8})
    >>> run.summary["final_cash"], run.weekly["cash"].min(), len(run.events)

The same scenario, seed and overrides give the same numbers as ``run.py simulate`` (its
``summary.json``, ``weekly.csv`` and ``events.csv``). A user's scenario file is read outside
the model (``experiments.runs.runner.load_scenario``) and passed in as a ``Scenario``.
``StartupModel`` itself takes the same keywords, for ``mesa.batch_run`` (see docs/api.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import mesa
import pandas as pd

from model.company import StartupModel
from model.outcomes import EVENT_COLUMNS, event_rows, summary, weekly_columns
from model.overrides import DEFAULT_SCENARIO, plain, resolve
from model.parameters import Parameters
from model.scenarios import Scenario, load


@dataclass(frozen=True, eq=False)
class Result:
    """One finished run.

    Attributes:
        scenario: the scenario's name ("custom" for a bare parameter tree).
        seed: the run's seed.
        summary: the run's outcomes (the keys of :data:`model.outcomes.SUMMARY_KEYS`).
        weekly: one row per week run, the columns the model's DataCollector declares
            (``model.company.WEEKLY_COLUMNS``; money in USD, trust 0-1).
        events: one row per event, columns :data:`model.outcomes.EVENT_COLUMNS` (``week``,
            ``date``, ``event``, ``agent``, ``role``, ``detail``, ``cause``, ``amount``,
            ``counterpart``; ``amount`` is NaN where the event has none).
        params: the parameter tree the run used.
        model: the finished ``StartupModel`` (agents, ledger, event log).
    """
    scenario: str
    seed: int | None
    summary: dict = field(repr=False)
    weekly: pd.DataFrame = field(repr=False)
    events: pd.DataFrame = field(repr=False)
    params: Parameters = field(repr=False)
    model: StartupModel = field(repr=False)


def forget(model) -> None:
    """Let a finished model be freed.

    Mesa 3.3 numbers agents from a class-level dict keyed by model (``Agent._ids``), which
    keeps every model ever built alive; a process that runs thousands of models (a sweep
    worker, an exploratory loop) would grow without bound. Mesa 3.5 has no such dict.
    """
    ids = mesa.Agent.__dict__.get("_ids")
    if isinstance(ids, dict):
        ids.pop(model, None)


def events_frame(model) -> pd.DataFrame:
    """The event table of a run as a DataFrame (typed even when it is empty)."""
    return pd.DataFrame.from_records(event_rows(model), columns=list(EVENT_COLUMNS)).astype(
        {"week": "int64", "amount": "float64"})


def simulate(scenario: str | Scenario | Parameters = DEFAULT_SCENARIO, seed: int | None = 1,
             weeks: int | None = None, overrides: Mapping[str, Any] | None = None,
             **overrides_kw: Any) -> Result:
    """Run ``scenario`` once with ``seed`` and return its :class:`Result`.

    Args:
        scenario: a shipped scenario's name (``model.names()``), a loaded ``Scenario`` (e.g.
            a user's file read by ``experiments.runs.runner.load_scenario``) or a parameter
            tree.
        seed: the run's seed; the same seed and parameters give the same run.
        weeks: the horizon in weeks (default: the scenario's ``run.weeks``).
        overrides: parameter values by dotted path, ``{"ceo.listening": 0.8}``; they may
            also be given as keywords, ``**{"ceo.listening": 0.8}``.

    Raises:
        ParameterError: an unknown scenario or parameter (the message lists the valid
            choices), or a value of the wrong type or out of range.
    """
    seed = plain(seed)
    if isinstance(scenario, str):
        scenario = load(scenario)
    # the name without drawing: a population's draws belong to the run's seed (resolve)
    name = scenario.name if isinstance(scenario, Scenario) else "custom"
    params = resolve(scenario, weeks, overrides, seed=seed, **overrides_kw)
    model = StartupModel(params, seed=seed).run()
    forget(model)
    return Result(name, seed, summary(model, name, seed),
                  pd.DataFrame(weekly_columns(model)), events_frame(model), params, model)
