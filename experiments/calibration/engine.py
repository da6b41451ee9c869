"""Calibrating a scenario to its case record: screening, ABC-SMC, predictive check, report.

:func:`calibrate` runs the whole chain into one folder:

(a) Morris screening of every default prior (:func:`priors.default_priors`) against the
    FITTED facts' per-run statistics (amounts; event weeks with the horizon where the event
    did not happen; yes/no as 0/1), each averaged over replicate seeds (the same seeds at
    every design point): ``screening.csv`` and ``screening.png``;
(b) ``screen_top`` parameters are left free: first each fitted statistic's most
    influential parameter (its leader), then the highest-ranked; the others keep the
    scenario's values;
(c) ABC-SMC (:mod:`experiments.calibration.abc`) where one simulation is one run of the
    scenario with the proposal's values, and its distance from the record is
    sqrt(mean over fitted facts of d_i^2) with d_i from ``facts.run_distance``:
    ``state.json``, ``generations/``, ``particles.parquet``;
(d) a posterior predictive check: runs drawn from the posterior (one per draw), every fact
    evaluated with ``facts.evaluate``, fitted and held-back facts apart: ``predictive.csv``;
(e) ``report.md`` with its figures (:mod:`experiments.calibration.report`).

The case's facts come from :mod:`experiments.analysis.facts` (``load_facts``,
``run_statistics``, ``run_distance``, ``evaluate``), imported when needed.

Seeds: everything from the root ``seed``: ABC batches use the spawn keys (generation,
batch), screening replicates (10000, k), predictive runs (10001, k) and predictive draws
(10002,).
"""

from __future__ import annotations

import importlib
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.calibration.abc import ABCResult, CalibrationError, abc_smc
from experiments.calibration.parallel import OrderedPool
from experiments.calibration.priors import (FITTED_ELSEWHERE, Prior, by_path, default_priors,
                                            free_from_ranking)
from experiments.calibration.report import draw, write_report
from experiments.calibration.screening import ScreeningResult, plot_ranking, ranking_text, screen
from experiments.runs.runner import forget, load_scenario
from model import StartupModel
from model.parameters import with_values

SCREEN_KEY, PPC_KEY, DRAW_KEY = 10_000, 10_001, 10_002
DEFAULT_SEED = 20221017


def facts_api():
    """The facts module (imported late: it is written alongside, and tests may stand in)."""
    return importlib.import_module("experiments.analysis.facts")


def child_seeds(root: int, key: int, n: int) -> list[int]:
    """``n`` 63-bit run seeds from ``SeedSequence(root, spawn_key=(key,))``."""
    ss = np.random.SeedSequence(root, spawn_key=(key,))
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in ss.spawn(n)]


# --------------------------------------------------------------------------- parameters

def apply_theta(params, theta: dict):
    """A copy of ``params`` with ``theta``'s leaf values set (checked against the declared
    range; whole-number parameters rounded): :func:`model.parameters.with_values`. About
    0.15 ms, against ~4 ms for reloading the scenario with overrides (equal: tested)."""
    return with_values(params, theta)


_CACHE: dict = {}


def _base(scenario: str, sets: tuple[str, ...]):
    """(scenario, facts, fitted fact ids) for this process, loaded once."""
    key = (scenario, sets)
    if key not in _CACHE:
        sc = load_scenario(scenario, list(sets), calibrated=False)
        facts = facts_api().load_facts(scenario)
        _CACHE[key] = (sc, facts, [f.id for f in facts if f.use == "fit"])
    return _CACHE[key]


def _numeric(value, horizon: float) -> float | None:
    if value is None:
        return float(horizon)           # an event that did not happen: censored at the horizon
    if isinstance(value, tuple) and isinstance(value[1], bool):
        return float(value[0])          # (week, observed) of an event week: the week watched
    if isinstance(value, tuple):        # (events with the cause, events) of an event share
        return value[0] / value[1] if value[1] else None
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return None


def _run(scenario: str, sets: tuple[str, ...], theta: dict, seed: int):
    sc, facts, fitted = _base(scenario, sets)
    model = StartupModel(apply_theta(sc.params, theta), seed=seed).run()
    stats = facts_api().run_statistics(model, facts)
    forget(model)
    return sc, facts, fitted, stats


@dataclass(frozen=True)
class ScenarioDistance:
    """``simulate(theta, seed) -> distance`` of one run of ``scenario`` from its record."""
    scenario: str
    sets: tuple[str, ...] = ()

    def __call__(self, theta: dict, seed: int) -> float:
        _, facts, fitted, stats = _run(self.scenario, self.sets, theta, seed)
        d = facts_api().run_distance(facts, stats)
        vals = [float(d[i]) for i in fitted if d.get(i) is not None and math.isfinite(float(d[i]))]
        return math.sqrt(sum(v * v for v in vals) / len(vals)) if vals else math.inf


@dataclass(frozen=True)
class FittedStatistics:
    """``f(point) -> {fact id: mean over replicate seeds}`` of the fitted facts' statistics."""
    scenario: str
    seeds: tuple[int, ...]
    sets: tuple[str, ...] = ()

    def __call__(self, point: dict) -> dict[str, float]:
        sums: dict[str, list[float]] = {}
        for s in self.seeds:
            sc, _, fitted, stats = _run(self.scenario, self.sets, point, s)
            for i in fitted:
                v = _numeric(stats.get(i), sc.params.run.weeks)
                if v is not None:
                    sums.setdefault(i, []).append(v)
        return {i: float(np.mean(v)) for i, v in sums.items() if len(v) == len(self.seeds)}


def _ppc(scenario: str, sets: tuple[str, ...], theta: dict, seed: int) -> dict:
    return _run(scenario, sets, theta, seed)[3]


# --------------------------------------------------------------------------- the chain

@dataclass
class CalibrationResult:
    folder: Path
    screening: ScreeningResult | None
    free: list[str]
    abc: ABCResult
    predictive: list[tuple]         # (fact id, use, share of runs passing, passed over all)
    seconds: dict[str, float]


def _log(msg: str, stream) -> None:
    print(msg, file=stream, flush=True)


def calibrate(scenario: str = "stability-ai", out: Path | str = "results/calibration", *,
              population: int = 500, generations: int = 12, alpha: float = 0.5,
              min_acceptance: float = 0.01, min_improvement: float = 0.05,
              batch_size: int = 50, jobs: int = 2, seed: int = DEFAULT_SEED,
              resume: bool = False, force: bool = False, screen_top: int = 10,
              screen_trajectories: int = 40, screen_replicates: int = 3,
              predictive_runs: int = 200, free: list[str] | None = None,
              priors: list[Prior] | None = None, sets: list[str] | tuple[str, ...] = (),
              progress: bool = True, stream=None) -> CalibrationResult:
    """Screen, fit (ABC-SMC), check and report the calibration of ``scenario`` into ``out``.

    ``free``: the parameters to fit, skipping the screening; ``priors``: instead of the
    default ones; ``sets``: fixed ``path=value`` overrides of the scenario.
    """
    stream = stream or sys.stderr
    out = Path(out)
    sets = tuple(sets)
    times: dict[str, float] = {}
    base = load_scenario(scenario, list(sets), calibrated=False)
    facts = facts_api().load_facts(scenario)
    if not any(f.use == "fit" for f in facts):
        raise CalibrationError(f"scenario {scenario!r}: no fact is marked for fitting")
    priors = list(priors) if priors is not None else default_priors(base.params, base.sources)
    if free is not None:                 # checked before anything is written
        try:
            by_path(priors, free)
        except KeyError as exc:
            raise CalibrationError(f"--free: {exc.args[0]}") from None
    if (out / "state.json").exists() and not (resume or force):
        raise CalibrationError(f"{out} holds a calibration already; resume it or use force")
    out.mkdir(parents=True, exist_ok=True)

    # (a, b) screening, unless the free parameters are given
    result_screen, leaders = None, {}
    if free is None:
        t0 = time.perf_counter()
        settings = {"scenario": scenario, "sets": list(sets), "seed": seed,
                    "trajectories": screen_trajectories, "replicates": screen_replicates,
                    "priors": [p.to_dict() for p in priors], "selection": "leaders, then rank"}
        cached = out / "screening.json"
        if resume and cached.exists() and json.loads(cached.read_text())["settings"] == settings:
            saved = json.loads(cached.read_text())
            leaders = saved["leaders"]
            free = free_from_ranking(saved["ranking"], screen_top, leaders.values())
            _log(f"screening: reused {cached}", stream)
        else:
            f = FittedStatistics(scenario, tuple(child_seeds(seed, SCREEN_KEY, screen_replicates)),
                                 sets)
            n_points = screen_trajectories * (len(priors) + 1)
            _log(f"screening {len(priors)} parameters: {n_points} design points x "
                 f"{screen_replicates} replicates", stream)
            from experiments.runs.progress import Progress
            bar = Progress(n_points, stream=stream, label="screening", unit="point") \
                if progress else None
            result_screen = screen(priors, f, trajectories=screen_trajectories, seed=seed,
                                   jobs=jobs,
                                   on_point=(lambda i, r: bar.update(1)) if bar else None)
            if bar:
                bar.close()
            leaders = result_screen.leaders(exclude=FITTED_ELSEWHERE)
            free = free_from_ranking(result_screen.score.index, screen_top, leaders.values())
            result_screen.table().to_csv(out / "screening.csv")
            plot_ranking(result_screen, out / "screening.png", highlight=free)
            tmp = cached.with_name("screening.json.tmp")
            tmp.write_text(json.dumps({"settings": settings, "leaders": leaders,
                                       "ranking": list(result_screen.score.index)}, indent=2))
            tmp.replace(cached)
            _log(ranking_text(result_screen, top=max(screen_top, 15)), stream)
            _log("each fitted statistic's leader: "
                 + ", ".join(f"{k} -> {v}" for k, v in leaders.items()), stream)
        times["screening"] = round(time.perf_counter() - t0, 1)
    free_priors = by_path(priors, free)

    # (c) ABC-SMC
    t0 = time.perf_counter()
    abc = abc_smc(free_priors, ScenarioDistance(scenario, sets), out, population=population,
                  alpha=alpha, generations=generations, min_acceptance=min_acceptance,
                  min_improvement=min_improvement, batch_size=batch_size, seed=seed, jobs=jobs,
                  resume=resume, force=force, progress=progress, stream=stream,
                  tag={"scenario": scenario, "sets": list(sets)})
    times["abc"] = round(time.perf_counter() - t0, 1)

    # (d) posterior predictive check
    t0 = time.perf_counter()
    thetas = draw(out, predictive_runs, int(np.random.SeedSequence(
        seed, spawn_key=(DRAW_KEY,)).generate_state(1)[0]))
    seeds = child_seeds(seed, PPC_KEY, predictive_runs)
    with OrderedPool(jobs) as pool:
        stats = pool.map(_ppc, [(scenario, sets, th, s) for th, s in zip(thetas, seeds)], ahead=8)
    api = facts_api()
    overall = {r.id: r.passed for r in api.evaluate(facts, stats)}
    per_run = [{r.id: r.passed for r in api.evaluate(facts, [s])} for s in stats]
    predictive = []
    for fact in facts:
        vals = [p[fact.id] for p in per_run if p.get(fact.id) is not None]
        share = float(np.mean(vals)) if vals else None
        predictive.append((fact.id, fact.use, share, overall.get(fact.id)))
    import pandas as pd
    pd.DataFrame(predictive, columns=["fact", "use", "share_of_runs_passing",
                                      "passed_over_all_runs"]).to_csv(out / "predictive.csv",
                                                                      index=False)
    times["predictive"] = round(time.perf_counter() - t0, 1)

    # (e) the report
    notes = [f"Scenario `{scenario}`" + (f" with {', '.join(sets)}" if sets else "")
             + f"; root seed {seed}; free parameters: {', '.join(free)}; the others keep the "
             "scenario's values."]
    if leaders:
        notes += ["", "Chosen as free: each fitted fact's leader (the parameter that moves its "
                  "statistic most in the screening), then the highest-ranked, "
                  f"{len(free)} in all. Leaders: "
                  + "; ".join(f"{k}: {v}" for k, v in leaders.items()) + "."]
    notes += ["", "Distance of one run from the record: sqrt(mean over the fitted facts of d_i^2).",
             "", "Wall time: " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()) + "."]
    if result_screen is not None or (out / "screening.png").exists():
        notes += ["", "![screening](screening.png)"]
    write_report(out, predictive, title=f"Calibration of {scenario}", notes=notes)
    return CalibrationResult(out, result_screen, list(free), abc, predictive, times)
