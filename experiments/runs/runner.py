"""Run the model: one simulation from a scenario, or many over seeds."""

from __future__ import annotations

import dataclasses

import mesa

from pathlib import Path

from experiments.runs.progress import tick
from model import StartupModel
from model.outcomes import summary
from model.parameters import ParameterError
from model.scenarios import Scenario, from_text, load


def load_scenario(name: str, sets=(), calibrated: bool = True) -> Scenario:
    """A shipped scenario by name, or a user's scenario file (a path ending in .toml), with
    ``path=value`` overrides applied and validated (ParameterError: one line);
    ``calibrated=False`` leaves out the adopted calibrated values."""
    if name.endswith(".toml"):
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"--scenario {path}: cannot read it ({exc.strerror})") from None
        return from_text(text, path.stem, list(sets), calibrated)
    return load(name, list(sets), calibrated)


def simulate(scenario: Scenario, seed: int, weeks: int | None = None) -> StartupModel:
    """Run ``scenario`` once with ``seed``; ``weeks`` overrides its horizon. Counts one step
    of the progress shown around it, if any (:func:`experiments.runs.progress.counting`)."""
    params = scenario.params
    if weeks is not None:   # a copy: the scenario's own parameters stay as loaded
        params = dataclasses.replace(params, run=dataclasses.replace(params.run, weeks=weeks))
    model = StartupModel(params, seed=seed).run()
    tick()
    return model


def forget(model) -> None:
    """Let a finished model be freed.

    Mesa 3.3 numbers agents from a class-level dict keyed by model (``Agent._ids``), which
    keeps every model ever built alive; a process that runs thousands of models (a sweep
    worker) would grow without bound. Mesa 3.5 has no such dict.
    """
    ids = mesa.Agent.__dict__.get("_ids")
    if isinstance(ids, dict):
        ids.pop(model, None)


def summaries(scenario: Scenario, seeds: list[int]) -> list[dict]:
    """Summaries of one run per seed (sequential; sweeps parallelise elsewhere)."""
    out = []
    for s in seeds:
        model = simulate(scenario, s)
        out.append(summary(model, scenario.name, s))
        forget(model)
    return out
