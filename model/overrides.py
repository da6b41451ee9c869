"""A run's parameters from a scenario and overrides given by dotted path, as Python values.

``resolve("stability-ai", weeks=40, **{"ceo.listening": 0.8})`` is the parameter tree that
``run.py simulate --scenario stability-ai --weeks 40 --set ceo.listening=0.8`` runs: the
shipped scenario with its calibrated values (:func:`model.scenarios.load`), each override
set in the scenario's data by :func:`model.parameters.override` (an unknown path lists the
valid choices) and the whole tree validated again by :func:`model.parameters.build`. Used
by :func:`model.api.simulate` and by the keyword form of ``StartupModel`` that
``mesa.batch_run`` calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from model.parameters import Parameters, ParameterError, build, override, to_dict
from model.scenarios import Scenario, load

DEFAULT_SCENARIO = "stability-ai"


def plain(value: Any) -> Any:
    """A numpy scalar (samplers hand them out) as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value


def named(scenario: str | Scenario | Parameters, seed: int | None = None
          ) -> tuple[str, Parameters]:
    """(name, parameters) of a shipped scenario's name, a loaded Scenario or a parameter tree
    (named "custom"); an unknown name raises ParameterError listing the valid ones. A
    scenario with distributions gives the run of ``seed`` its own draws
    (:meth:`model.scenarios.Scenario.params_for`)."""
    if isinstance(scenario, str):
        scenario = load(scenario)
    if isinstance(scenario, Scenario):
        return scenario.name, scenario.params_for(seed)
    if isinstance(scenario, Parameters):
        return "custom", scenario
    raise TypeError(f"scenario: expected a scenario name, a Scenario or Parameters, "
                    f"got {type(scenario).__name__}")


def _merged(overrides: Mapping[str, Any] | None, weeks: int | None = None,
           **overrides_kw: Any) -> dict[str, Any]:
    """The overrides of a dict, of keywords and of ``weeks`` (as ``run.weeks``) in one dict;
    a path given twice raises ParameterError."""
    out = dict(overrides or {})
    extra = dict(overrides_kw)
    if weeks is not None:
        extra["run.weeks"] = weeks
    for path, value in extra.items():
        if path in out:
            raise ParameterError(f"{path}: given twice (in overrides and as "
                                 f"{'weeks' if path == 'run.weeks' else 'a keyword'})")
        out[path] = value
    return out


def resolve(scenario: str | Scenario | Parameters = DEFAULT_SCENARIO, weeks: int | None = None,
            overrides: Mapping[str, Any] | None = None, *, seed: int | None = None,
            **overrides_kw: Any) -> Parameters:
    """The validated parameters of ``scenario`` with ``weeks`` (the horizon, weeks) and the
    overrides (dotted path -> value, as a dict and/or keywords) applied. Without overrides
    the scenario's own tree is returned; otherwise a new one (the scenario is not changed).
    Bad names or values raise ParameterError (one line, naming the valid choices). ``seed``:
    the run whose draws a scenario with distributions gives (overrides win over draws)."""
    _, params = named(scenario, seed)
    values = _merged(overrides, weeks, **overrides_kw)
    if not values:
        return params
    data = to_dict(params)
    for path, value in values.items():
        if not isinstance(path, str):
            raise ParameterError(f"{path!r}: a parameter path is text, e.g. 'ceo.listening'")
        override(data, path, plain(value))
    return build(Parameters, data)


def model_arguments(params: Parameters | None, seed, scenario: str | Scenario | None,
                    weeks: int | None, rng, overrides: Mapping[str, Any]):
    """(parameters, seed) of ``StartupModel``'s keyword form: ``params`` or a ``scenario``
    (default the baseline) with ``weeks`` and dotted-path ``overrides``; the seed as ``seed``
    or, Mesa's name for it, ``rng`` (``mesa.batch_run`` passes one of them)."""
    if type(scenario).__module__.startswith("mesa."):
        # Mesa 3.5's SolaraViz re-creates a model with its own (experimental) scenario object,
        # which holds no parameters of ours, only perhaps a seed
        seed = seed if seed is not None else getattr(scenario, "rng", None)
        scenario = None
    if params is not None and scenario is not None:
        raise ParameterError("StartupModel: give params or scenario, not both")
    seed, rng = plain(seed), plain(rng)
    if seed is not None and rng is not None and seed != rng:
        raise ParameterError(f"StartupModel: seed={seed!r} and rng={rng!r} differ; give one")
    base = params if params is not None else (scenario or DEFAULT_SCENARIO)
    seed = seed if seed is not None else rng
    return resolve(base, weeks, overrides, seed=seed), seed
