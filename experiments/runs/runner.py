"""Run the model: one simulation from a scenario, or many over seeds."""

from __future__ import annotations

from pathlib import Path

from experiments.runs.progress import tick
from model import StartupModel
from model.api import forget
from model.outcomes import summary
from model.overrides import resolve
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


def simulate(scenario: Scenario, seed: int, weeks: int | None = None,
             overrides: dict | None = None) -> StartupModel:
    """Run ``scenario`` once with ``seed`` (its distributions, if any, drawn from the seed);
    ``weeks`` overrides its horizon and ``overrides`` (dotted path -> value) its parameters
    (on a copy: the scenario's own parameters stay as loaded). The finished model, for the
    callers that read it; :func:`model.simulate` returns the same run as tables. Counts one
    step of the progress shown around it, if any (:func:`experiments.runs.progress.counting`)."""
    model = StartupModel(resolve(scenario, weeks, overrides, seed=seed), seed=seed).run()
    tick()
    return model


def finished_runs(scenario: Scenario, seeds, draws: list[dict] | None = None):
    """One finished run per seed, in order (sequential; sweeps parallelise elsewhere); with
    ``draws`` (one parameter set per seed, e.g. from a posterior), run k takes set k. Each
    model is let go (:func:`forget`) once the caller has moved on to the next."""
    seeds = list(seeds)
    if draws is not None and len(draws) != len(seeds):
        raise ValueError(f"{len(draws)} parameter sets for {len(seeds)} seeds")
    for k, s in enumerate(seeds):
        model = simulate(scenario, s, overrides=draws[k] if draws is not None else None)
        yield model
        forget(model)


def summaries(scenario: Scenario, seeds: list[int]) -> list[dict]:
    """Summaries of one run per seed."""
    return [summary(m, scenario.name, s) for m, s in zip(finished_runs(scenario, seeds), seeds)]
