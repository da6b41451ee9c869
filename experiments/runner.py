"""Run the model: one simulation from a scenario, or many over seeds."""

from __future__ import annotations

import dataclasses

from model import StartupModel
from model.outcomes import summary
from model.scenarios import Scenario


def simulate(scenario: Scenario, seed: int, weeks: int | None = None) -> StartupModel:
    """Run ``scenario`` once with ``seed``; ``weeks`` overrides its horizon."""
    params = scenario.params
    if weeks is not None:   # a copy: the scenario's own parameters stay as loaded
        params = dataclasses.replace(params, run=dataclasses.replace(params.run, weeks=weeks))
    return StartupModel(params, seed=seed).run()


def summaries(scenario: Scenario, seeds: list[int]) -> list[dict]:
    """Summaries of one run per seed (sequential; sweeps parallelise elsewhere)."""
    return [summary(simulate(scenario, s), scenario.name, s) for s in seeds]
