"""The Python API (docs/api.md): ``model.simulate``, the keyword form of ``StartupModel`` that
``mesa.batch_run`` calls, and two real clients, EMA Workbench and SALib, driving the model
through it. Short horizons (40 weeks) keep it fast; the numbers are compared exactly."""

from __future__ import annotations

import gc
import json
import multiprocessing
import warnings
import weakref

import mesa
import numpy as np
import pandas as pd
import pytest

from conftest import cli, seeds
from experiments.runs.runner import load_scenario, simulate as runner_simulate
from model import ParameterError, StartupModel, load, simulate
from model.company import WEEKLY_COLUMNS
from model.outcomes import EVENT_COLUMNS, SUMMARY_KEYS, event_rows, summary

WEEKS = 40


def _same_run(a, b) -> None:
    """Two results hold the same numbers (summary, weekly table, events)."""
    assert json.dumps(a.summary) == json.dumps(b.summary)
    pd.testing.assert_frame_equal(a.weekly, b.weekly, check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)


# --------------------------------------------------------------------------- simulate

def test_simulate_matches_the_runner_number_for_number():
    """simulate(...) with Python values = the command line's path (--set text, the runner)."""
    for seed in seeds(2):
        res = simulate("stability-ai", seed=seed, weeks=WEEKS, **{"ceo.listening": 0.8})
        sc = load_scenario("stability-ai", ["ceo.listening=0.8", f"run.weeks={WEEKS}"])
        model = runner_simulate(sc, seed)
        assert res.params == sc.params
        assert json.dumps(res.summary) == json.dumps(summary(model, sc.name, seed))
        assert list(res.summary) == list(SUMMARY_KEYS)
        assert list(res.weekly.columns) == list(WEEKLY_COLUMNS)
        cols = model.datacollector.model_vars
        for name in WEEKLY_COLUMNS:
            assert res.weekly[name].tolist() == cols[name], name
        rows = [tuple(None if isinstance(v, float) and v != v else v for v in row)
                for row in res.events.itertuples(index=False)]
        assert rows == event_rows(model)
        assert list(res.events.columns) == list(EVENT_COLUMNS)


def test_simulate_matches_the_command_lines_summary_json(tmp_path):
    seed = seeds(1)[0]
    proc = cli("simulate", "--scenario", "board-control", "--seed", seed, "--weeks", WEEKS,
               "--set", "ceo.spending=0.4", "--out", tmp_path / "run", "--quiet")
    assert proc.returncode == 0, proc.stderr
    res = simulate("board-control", seed=seed, weeks=WEEKS, overrides={"ceo.spending": 0.4})
    written = (tmp_path / "run" / "summary.json").read_text(encoding="utf-8")
    assert written == json.dumps(res.summary, indent=2) + "\n"   # byte for byte


def test_overrides_change_the_run_and_not_the_scenario():
    sc = load("stability-ai")
    seed = seeds(1)[0]
    base = simulate(sc, seed=seed, weeks=WEEKS)
    poorer = simulate(sc, seed=seed, weeks=WEEKS, **{"finance.start_cash": 50e6})
    assert poorer.params.finance.start_cash == 50e6
    assert sc.params.finance.start_cash == load("stability-ai").params.finance.start_cash
    assert poorer.weekly["cash"].iloc[0] < base.weekly["cash"].iloc[0]
    assert poorer.summary["min_cash"] < base.summary["min_cash"]
    # an unchanged scenario object gives the unchanged run
    _same_run(base, simulate("stability-ai", seed=seed, weeks=WEEKS))


def test_dict_keyword_and_numpy_forms_agree():
    seed = seeds(1)[0]
    values = {"ceo.listening": 0.8, "investors.coatue.lead": False, "workforce.ties": 2,
              "investors.coatue.seat": "observer"}
    by_kw = simulate(seed=seed, weeks=WEEKS, **values)
    _same_run(by_kw, simulate(seed=seed, weeks=WEEKS, overrides=values))
    _same_run(by_kw, simulate(seed=seed, weeks=WEEKS, overrides={"ceo.listening": 0.8},
                              **{k: v for k, v in values.items() if k != "ceo.listening"}))
    # what samplers hand out: numpy scalars
    _same_run(by_kw, simulate(seed=np.int64(seed), weeks=np.int64(WEEKS), overrides={
        "ceo.listening": np.float64(0.8), "investors.coatue.lead": np.bool_(False),
        "workforce.ties": np.int64(2), "investors.coatue.seat": np.str_("observer")}))
    assert isinstance(by_kw.summary["seed"], int)
    coatue = by_kw.params.investors["coatue"]
    assert (coatue.lead, coatue.seat, by_kw.params.workforce.ties) == (False, "observer", 2)


def test_weeks_sets_the_horizon_and_nothing_else():
    seed = seeds(1)[0]
    short, full = simulate(seed=seed, weeks=WEEKS), simulate(seed=seed)
    assert short.summary["weeks_run"] == len(short.weekly) == WEEKS
    assert short.params.run.weeks == WEEKS
    horizon = load("stability-ai").params.run.weeks
    assert full.params.run.weeks == horizon
    ended_early = full.summary["insolvent_week"] is not None or full.summary["sold_week"] is not None
    assert full.summary["weeks_run"] == horizon or ended_early and full.summary["weeks_run"] < horizon
    pd.testing.assert_frame_equal(short.weekly, full.weekly.iloc[:WEEKS], check_exact=True)
    early = full.events[full.events["week"] < WEEKS]
    pd.testing.assert_frame_equal(short.events, early, check_exact=True)


@pytest.mark.parametrize("call, words", [
    (lambda: simulate("stability", seed=1), ["unknown scenario", "stability-ai", "board-control"]),
    (lambda: simulate(seed=1, **{"ceo.listenin": 0.5}), ["ceo.listenin", "listening", "spending"]),
    (lambda: simulate(seed=1, overrides={"investors.nobody.seat": True}),
     ["investors.nobody", "coatue"]),
    (lambda: simulate(seed=1, listening=0.5), ["listening: unknown parameter", "ceo"]),
    (lambda: simulate(seed=1, **{"ceo.listening": 1.5}), ["ceo.listening", "out of range"]),
    (lambda: simulate(seed=1, weeks=0), ["run.weeks", "out of range"]),
    (lambda: simulate(seed=1, weeks=10, overrides={"run.weeks": 20}), ["run.weeks", "twice"]),
    (lambda: simulate(seed=1, overrides={"ceo.listening": 0.5}, **{"ceo.listening": 0.6}),
     ["ceo.listening", "twice"]),
    (lambda: StartupModel(scenario="nope"), ["unknown scenario", "stability-ai"]),
    (lambda: StartupModel(seed=1, rng=2), ["seed", "rng"]),
    (lambda: StartupModel(load("stability-ai").params, scenario="board-control"), ["not both"]),
], ids=["scenario", "path", "entry", "section", "range", "weeks", "weeks-twice", "path-twice",
        "model-scenario", "model-seed-rng", "model-params-and-scenario"])
def test_bad_names_and_values_raise_one_line_naming_the_choices(call, words):
    with pytest.raises(ParameterError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_dropped_result_frees_its_model():
    """Mesa 3.3 keeps every model in a class-level dict unless it is forgotten."""
    res = simulate(seed=seeds(1)[0], weeks=5)
    ref = weakref.ref(res.model)
    del res
    gc.collect()
    assert ref() is None


# --------------------------------------------------------------------------- StartupModel

def test_keyword_model_is_the_same_run_as_simulate():
    seed = seeds(1)[0]
    res = simulate("early-bridge", seed=seed, weeks=WEEKS, **{"ceo.listening": 0.8})
    for model in (StartupModel(scenario="early-bridge", seed=seed, weeks=WEEKS,
                               **{"ceo.listening": 0.8}),
                  StartupModel(scenario="early-bridge", rng=seed, weeks=WEEKS,
                               **{"ceo.listening": 0.8}),
                  StartupModel(load("early-bridge").params, seed, weeks=WEEKS,
                               **{"ceo.listening": 0.8})):
        model.run()
        assert json.dumps(summary(model, "early-bridge", seed)) == json.dumps(res.summary)


def test_mesa_batch_run_gives_the_runs_of_simulate():
    """mesa.batch_run(StartupModel, ...) as documented: the seeds as "rng" (Mesa 3.3 passes
    parameters through; Mesa 3.5 also passes seed=None, which the model ignores)."""
    method = multiprocessing.get_start_method(allow_none=True)
    try:
        rows = mesa.batch_run(StartupModel, {"scenario": "stability-ai", "weeks": WEEKS,
                                             "rng": seeds(2), "ceo.listening": [0.1, 0.8]},
                              number_processes=1, data_collection_period=1, max_steps=1000,
                              display_progress=False)
    finally:   # batch_run forces "spawn" for the whole process (Mesa 3.5)
        multiprocessing.set_start_method(method, force=True)
    table = pd.DataFrame(rows)
    groups = table.groupby(["ceo.listening", "rng"])
    assert len(groups) == 4
    for (listening, seed), run in groups:
        res = simulate(seed=int(seed), weeks=WEEKS, **{"ceo.listening": listening})
        got = run[list(WEEKLY_COLUMNS)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, res.weekly, check_exact=True, check_dtype=False)


@pytest.mark.filterwarnings("ignore:.*use_state. found despite early return")
def test_solara_viz_can_re_create_the_keyword_model():
    """Mesa's SolaraViz (the dashboard) re-creates the model from its slider values; on Mesa
    3.5 it adds a scenario object of its own. Either way the run is simulate's."""
    from mesa.visualization import solara_viz
    seed = seeds(1)[0]
    values = {"scenario": "stability-ai", "rng": seed, "weeks": WEEKS, "ceo.listening": 0.8}
    first = StartupModel(**values)
    build = getattr(solara_viz, "_build_model_init_kwargs", None)    # Mesa >= 3.5
    kwargs = (build(first, values, add_scenario_when_empty=True,
                    require_model_accepts_scenario=True) if build else values)
    again = StartupModel(**kwargs).run()
    res = simulate(seed=seed, weeks=WEEKS, **{"ceo.listening": 0.8})
    assert json.dumps(summary(again, "stability-ai", seed)) == json.dumps(res.summary)


def test_a_python_sweep_stores_the_runs_of_simulate(tmp_path):
    """The sweep engine from Python (docs/api.md): each stored run is simulate's, seed and
    design point as stored."""
    from experiments.runs.sweep import make_spec, sweep
    spec = make_spec("stability-ai", replicates=2, vary=["ceo.listening=0.1,0.8"],
                     weeks=WEEKS, seed=7)
    assert sweep(spec, tmp_path / "sweep", jobs=1).status == "complete"
    runs = pd.read_parquet(tmp_path / "sweep" / "runs.parquet")
    assert len(runs) == 4
    for row in runs.to_dict("records"):
        res = simulate(seed=row["seed"], weeks=WEEKS, **{"ceo.listening": row["ceo.listening"]})
        for k in ("final_cash", "min_cash", "exec_departures", "total_raised"):
            assert row[k] == res.summary[k], k


# --------------------------------------------------------------------------- real clients

OUTCOMES = ("final_cash", "min_cash", "exec_departures", "researcher_departures")


@pytest.mark.filterwarnings("ignore:ipyparallel not installed")
def test_ema_workbench_drives_the_model_through_simulate():
    """EMA Workbench (2.5 on Python 3.11, 3.0 on 3.12): a plain Python Model wrapping
    simulate, a full-factorial design of 3 x 3 x 3 = 27 experiments run sequentially."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import (CategoricalParameter, Constant, Model, RealParameter,
                                   Samplers, ScalarOutcome, SequentialEvaluator)

    def govsim(seed, weeks, **overrides):
        res = simulate(seed=seed, weeks=weeks, overrides=overrides)
        return {**{k: res.summary[k] for k in OUTCOMES},
                "spending_used": res.params.ceo.spending}

    ema = Model("govsim", function=govsim)
    # EMA names are Python identifiers; variable_name is the keyword the function receives
    ema.uncertainties = [RealParameter("spending", 0.2, 0.9, variable_name="ceo.spending"),
                         RealParameter("free_share", 0.0, 0.3,
                                       variable_name="compute.free_share"),
                         CategoricalParameter("seed", seeds(3))]
    ema.constants = [Constant("weeks", WEEKS)]
    ema.outcomes = [ScalarOutcome(k) for k in OUTCOMES + ("spending_used",)]
    with SequentialEvaluator(ema) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(
            scenarios=3, uncertainty_sampling=Samplers.FF)
    assert len(experiments) == 27
    assert len(set(outcomes["final_cash"])) > 9      # the factors reach the model
    for i, row in experiments.iterrows():
        res = simulate(seed=int(row["seed"]), weeks=WEEKS,
                       **{"ceo.spending": float(row["spending"]),
                          "compute.free_share": float(row["free_share"])})
        for k in OUTCOMES:
            assert outcomes[k][i] == res.summary[k], (i, k)
        assert outcomes["spending_used"][i] == float(row["spending"])


def test_salib_drives_the_model_through_simulate():
    """SALib: a Sobol' design (8 x (3 + 2) = 40 runs, one seed: common random numbers),
    evaluated through simulate, analysed; every output is simulate's for that row."""
    from SALib import ProblemSpec
    seed = seeds(1)[0]
    names = ["ceo.spending", "compute.free_share", "ceo.listening"]
    outputs = ["final_cash", "min_cash"]
    sp = ProblemSpec({"names": names, "bounds": [[0.2, 0.9], [0.0, 0.3], [0.1, 0.9]],
                      "outputs": outputs})

    def govsim(X):
        runs = [simulate(seed=seed, weeks=WEEKS, overrides=dict(zip(names, x))) for x in X]
        return np.array([[r.summary[k] for k in outputs] for r in runs])

    sp.sample_sobol(8, calc_second_order=False, seed=1).evaluate(govsim)
    sp.analyze_sobol(calc_second_order=False, seed=1)
    assert sp.samples.shape == (40, 3)
    for x, y in zip(sp.samples, sp.results):
        res = simulate(seed=seed, weeks=WEEKS, **{n: float(v) for n, v in zip(names, x)})
        assert y.tolist() == [res.summary[k] for k in outputs]
    for k in outputs:
        st = np.asarray(sp.analysis[k]["ST"])
        assert st.shape == (3,) and np.isfinite(st).all()
