"""Monte Carlo sweeps through the command line: `run.py sweep` and `run.py runs`.

The sweeps that matter run as subprocesses of run.py (as in test_cli.py), started together in
one module fixture and kept tiny (--weeks 30, a few replicates). Bad input and small stores are
also checked through run.main in this process (same code path, no interpreter start-up).
Stores are compared byte for byte: results must not depend on the worker count, the executor,
the completion order or interruptions.
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, in_process
from experiments.runs.designs import build_design
from experiments.runs.seeds import run_seeds
from model import load
from model.company import WEEKLY_COLUMNS
from model.outcomes import EVENT_COLUMNS, SUMMARY_TYPES
from model.parameters import to_dict

# A model class that raises for two chosen runs (run ids 6 and 3 of the "failing" sweep:
# replicate 3 at listening 0.2 and replicate 1 at listening 0.8), given to the sweep with
# --model as a researcher would give their own StartupModel subclass.
FAILING_MODEL = """
from experiments.runs.seeds import run_seeds
from model import StartupModel

SEEDS = run_seeds(8, 4)
FAIL = {(0.2, SEEDS[3]), (0.8, SEEDS[1])}


class FailingModel(StartupModel):
    def __init__(self, params, seed=None, **kw):
        if (params.ceo.listening, seed) in FAIL:
            raise RuntimeError("injected failure (a model subclass of the test)")
        super().__init__(params, seed=seed, **kw)
"""
TABLES = ("runs.parquet", "events.parquet", "trajectories.parquet")

GRID_SEED, GRID_REPS, WEEKS = 11, 15, 30
GRID_VARY = {"ceo.listening": (0.2, 0.8), "governance.removal_by": ("board", "shareholders")}
GRID = ["--vary", "ceo.listening=0.2,0.8", "--vary", "governance.removal_by=board,shareholders",
        "--replicates", GRID_REPS, "--weeks", WEEKS, "--seed", GRID_SEED, "--trajectories",
        "--no-progress"]
GRID_RUNS = 4 * GRID_REPS       # several batches of runs, so workers can finish out of order

# A small store the refusal tests try to damage (each case gets its own copy).
VICTIM = ["--vary", "ceo.listening=0.3,0.6", "--replicates", 3, "--weeks", 20, "--seed", 5,
          "--jobs", 1, "--no-progress"]

# The interruption tests: long enough to be interrupted after the first chunk lands.
LONG = ["--vary", "ceo.listening=0.2,0.7", "--replicates", 300, "--weeks", WEEKS, "--seed", 3,
        "--jobs", 2, "--chunk-size", 10, "--no-progress"]
LONG_RUNS = 600

# A Latin hypercube sweep (3 points x 2 replicates).
LHS = ["--design", "lhs", "--samples", 3, "--vary", "ceo.listening=0.1:0.9",
       "--vary", "finance.start_cash=50e6:150e6", "--replicates", 2, "--weeks", WEEKS,
       "--seed", 99, "--jobs", 1, "--no-progress"]


def command(*args):
    return [sys.executable, str(ROOT / "run.py"), *map(str, args)]


def environment(extra=None):
    env = dict(os.environ)
    env.update(extra or {})
    return env


def cli(*args, env=None, timeout=300):
    return subprocess.run(command(*args), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=environment(env))


def concurrently(tasks: dict, workers: int = 3) -> dict:
    """{key: zero-argument callable} -> {key: its result}, a few at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {k: pool.submit(f) for k, f in tasks.items()}
        return {k: f.result() for k, f in futures.items()}


def rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def snapshot(root: Path) -> dict:
    """Every file under ``root`` (relative path -> bytes)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def assert_one_error_line(r):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:"), r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# =========================================================================== the sweeps

@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """Every independent sweep subprocess of this module, started together (a few at a time).

    The grid sweep with 1 process, 2 processes and a dask LocalCluster; a Latin hypercube
    sweep; a sweep with two failing runs; the small store the refusal tests work on; the long
    sweep uninterrupted, killed (SIGKILL) then resumed, and stopped (SIGINT) then resumed; and
    two bad commands run end to end. Values are (CompletedProcess, directory), or for the
    interrupted sweeps (what the interruption left, CompletedProcess of --resume, directory).
    """
    base = tmp_path_factory.mktemp("sweeps")
    for name in ("unreachable", "malformed", "not-a-sweep", "models"):
        (base / name).mkdir()
    (base / "models" / "failing_model.py").write_text(FAILING_MODEL, encoding="utf-8")
    with_models = {"PYTHONPATH": os.pathsep.join([str(base / "models"), str(ROOT)])}

    def run(*args, env=None):
        return lambda: cli(*args, env=env)

    def stop_and_resume(name, sig):
        return lambda: interrupted_then_resumed(base / name, sig)

    tasks = {   # longest first
        "reference": run("sweep", *LONG, "--out", base / "reference"),
        "killed": stop_and_resume("killed", signal.SIGKILL),
        "ctrl-c": stop_and_resume("ctrl-c", signal.SIGINT),
        "dask": run("sweep", *GRID, "--scheduler", "local:2", "--chunk-size", 25,
                    "--out", base / "dask"),
        "unreachable": run("sweep", "--replicates", 2, "--weeks", 5, "--no-progress",
                           "--scheduler", "tcp://127.0.0.1:9", "--out", base / "unreachable" / "x"),
        "jobs2": run("sweep", *GRID, "--jobs", 2, "--chunk-size", 10, "--out", base / "jobs2"),
        "failing": run("sweep", "--vary", "ceo.listening=0.2,0.8", "--replicates", 4, "--weeks",
                       WEEKS, "--seed", 8, "--jobs", 2, "--chunk-size", 2, "--no-progress",
                       "--model", "failing_model:FailingModel", "--out", base / "failing",
                       env=with_models),
        "jobs1": run("sweep", *GRID, "--jobs", 1, "--out", base / "jobs1"),
        "lhs": run("sweep", *LHS, "--out", base / "lhs"),
        "victim": run("sweep", *VICTIM, "--out", base / "victim"),
        "malformed": run("sweep", "--vary", "ceo.listening", "--replicates", 2, "--no-progress",
                         "--out", base / "malformed" / "x"),
        "not-a-sweep": run("runs", base / "not-a-sweep"),
    }
    results = concurrently(tasks, workers=4)
    return {k: (*v, base / k) if isinstance(v, tuple) else (v, base / k)
            for k, v in results.items()}


def finished(sweeps, name):
    r, out = sweeps[name]
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def store(sweeps):
    return finished(sweeps, "jobs1")


@pytest.mark.parametrize("kind", ["jobs1", "jobs2", "dask"])
def test_a_sweep_completes_and_says_so(sweeps, kind):
    r, out = sweeps[kind]
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert f"sweep complete: {GRID_RUNS} runs ok, 0 failed, of {GRID_RUNS}" in r.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json", *TABLES])
    m = manifest(out)
    assert (m["status"], m["runs_done"], m["runs_failed"], m["runs_total"]) == \
        ("complete", GRID_RUNS, 0, GRID_RUNS)


def test_runs_table_has_one_row_per_run_with_every_column(store):
    table = pq.read_table(store / "runs.parquet")
    names = table.column_names
    assert names[:4] == ["run_id", "point_id", "replicate", "seed"]
    assert set(GRID_VARY) <= set(names)
    assert set(SUMMARY_TYPES) <= set(names)
    assert names[-2:] == ["status", "error"]
    assert len(names) == len(set(names))
    runs = table.to_pylist()
    assert [r["run_id"] for r in runs] == list(range(GRID_RUNS))
    points = manifest(store)["design"]["points"]
    assert len(points) == 4
    for r in runs:           # replicate by replicate: ids of a grown sweep follow on
        assert r["point_id"] == r["run_id"] % 4
        assert r["replicate"] == r["run_id"] // 4
        assert {p: r[p] for p in GRID_VARY} == points[r["point_id"]]
        assert (r["status"], r["error"], r["scenario"]) == ("ok", None, "stability-ai")
        assert 0 < r["weeks_run"] <= WEEKS
    combos = {(r["ceo.listening"], r["governance.removal_by"]) for r in runs}
    assert combos == {(a, b) for a in GRID_VARY["ceo.listening"]
                      for b in GRID_VARY["governance.removal_by"]}
    assert table.schema.field("ceo.listening").type == "double"
    assert table.schema.field("governance.removal_by").type == "string"
    outcomes = {(r["exec_departures"], r["min_cash"], r["final_cash"]) for r in runs}
    assert len(outcomes) > 1                     # not one run copied over and over


def test_replicate_k_has_the_same_seed_at_every_point(store):
    """Common random numbers; the seeds come from the root seed through run_seeds."""
    runs = rows(store / "runs.parquet")
    expected = run_seeds(GRID_SEED, GRID_REPS)
    for k in range(GRID_REPS):
        assert {r["seed"] for r in runs if r["replicate"] == k} == {expected[k]}, k
    assert len(set(expected)) == GRID_REPS
    assert manifest(store)["seeds"] == expected
    assert not set(expected) & set(run_seeds(GRID_SEED + 1, GRID_REPS))


def test_events_table_has_the_run_id_and_the_event_columns(store):
    table = pq.read_table(store / "events.parquet")
    assert table.column_names == ["run_id", *EVENT_COLUMNS]
    events = table.to_pylist()
    ids = [e["run_id"] for e in events]
    assert ids == sorted(ids)
    assert set(ids) == set(range(GRID_RUNS))     # every run here has events
    weeks = {r["run_id"]: r["weeks_run"] for r in rows(store / "runs.parquet")}
    for e in events:
        assert 0 <= e["week"] < weeks[e["run_id"]]
        assert e["event"] and isinstance(e["date"], str)


def test_trajectories_table_has_the_weekly_columns_one_row_per_week(store):
    table = pq.read_table(store / "trajectories.parquet")
    assert table.column_names == ["run_id", *WEEKLY_COLUMNS]
    traj = table.to_pylist()
    runs = rows(store / "runs.parquet")
    assert len(traj) == sum(r["weeks_run"] for r in runs)
    for r in runs:
        mine = [t for t in traj if t["run_id"] == r["run_id"]]
        assert [t["week"] for t in mine] == list(range(r["weeks_run"]))
        assert min(t["cash"] for t in mine) == r["min_cash"]


def test_manifest_records_the_sweep(store):
    import platform

    import mesa
    m = manifest(store)
    cmd = m["command"]
    assert cmd[0] == "sweep" and "--vary" in cmd and "ceo.listening=0.2,0.8" in cmd
    assert "--trajectories" in cmd and str(store) in cmd
    assert m["scenario"] == "stability-ai"
    assert m["root_seed"] == GRID_SEED and m["replicates"] == GRID_REPS
    assert m["design"]["kind"] == "grid"
    assert [f["path"] for f in m["design"]["factors"]] == list(GRID_VARY)
    expected = build_design("grid", ["ceo.listening=0.2,0.8",
                                     "governance.removal_by=board,shareholders"],
                            None, GRID_SEED)
    assert m["design"]["points"] == expected.points
    v = m["versions"]
    assert v["python"] == platform.python_version()
    assert v["mesa"] == mesa.__version__ and v["numpy"] == np.__version__
    assert v["project"]
    start = datetime.strptime(m["start"], "%Y-%m-%dT%H:%M:%S%z")
    end = datetime.strptime(m["end"], "%Y-%m-%dT%H:%M:%S%z")
    assert start <= end
    assert (m["runs_done"], m["runs_failed"], m["status"]) == (GRID_RUNS, 0, "complete")
    base = to_dict(load("stability-ai").params)
    assert set(m["parameters"]) == set(base)
    assert m["parameters"]["ceo"] == base["ceo"] and m["parameters"]["finance"] == base["finance"]


def test_manifest_parameter_tree_is_the_one_the_runs_used(store):
    """The manifest's parameter tree must say what the runs ran with: --weeks 30 here.

    sweep.new_manifest loads the scenario with the --set overrides only, not with
    run.weeks=WEEKS, so the tree says run.weeks = 104 while every run is 30 weeks long."""
    m = manifest(store)
    assert m["parameters"]["run"]["weeks"] == WEEKS
    assert m["parameters"] == to_dict(load("stability-ai", [f"run.weeks={WEEKS}"]).params)


# --------------------------------------------------------------------------- independence

@pytest.mark.parametrize("table", TABLES)
def test_two_processes_write_the_same_bytes_as_one(sweeps, table):
    one, two = finished(sweeps, "jobs1"), finished(sweeps, "jobs2")
    assert (one / table).read_bytes() == (two / table).read_bytes()


@pytest.mark.parametrize("table", TABLES)
def test_a_dask_local_cluster_writes_the_same_bytes_as_local_processes(sweeps, table):
    local, dask = finished(sweeps, "jobs1"), finished(sweeps, "dask")
    assert "local:2" in sweeps["dask"][0].stderr
    assert (local / table).read_bytes() == (dask / table).read_bytes()


# --------------------------------------------------------------------------- reproducing a run

def reproduce(runs, picks, paths, where):
    """simulate each picked run with its seed and values; {run_id: output directory}."""
    outs = {}
    for run_id in picks:
        r = runs[run_id]
        sets = [a for p in paths for a in ("--set", f"{p}={r[p]}")]
        outs[run_id] = where / f"run{run_id}"
        res = in_process("simulate", "--seed", r["seed"], "--weeks", WEEKS, *sets, "--quiet",
                         "--out", outs[run_id])
        assert res.returncode == 0, res.stderr
    return outs


def test_simulate_with_a_runs_seed_and_values_reproduces_it(store, tmp_path):
    runs = rows(store / "runs.parquet")
    events = rows(store / "events.parquet")
    traj = rows(store / "trajectories.parquet")
    picks = [0, 21, 38, 59]                  # four points, four replicates
    outs = reproduce(runs, picks, list(GRID_VARY), tmp_path)
    for run_id in picks:
        s = json.loads((outs[run_id] / "summary.json").read_text())
        row = runs[run_id]
        assert {k: s[k] for k in SUMMARY_TYPES} == {k: row[k] for k in SUMMARY_TYPES}, run_id
        mine = [tuple("" if e[c] is None else str(e[c]) for c in EVENT_COLUMNS)
                for e in events if e["run_id"] == run_id]
        theirs = [tuple(e[c] for c in EVENT_COLUMNS) for e in read_csv(outs[run_id] / "events.csv")]
        assert mine == theirs
        weekly = read_csv(outs[run_id] / "weekly.csv")
        stored = [t for t in traj if t["run_id"] == run_id]
        assert len(weekly) == len(stored)
        for w, t in zip(weekly, stored):
            assert float(w["cash"]) == pytest.approx(t["cash"], rel=1e-9, abs=1e-6)
            assert int(w["staff"]) == t["staff"] and w["date"] == t["date"]


def test_a_sampled_sweep_runs_the_design_points_of_its_root_seed(sweeps):
    out = finished(sweeps, "lhs")
    runs = rows(out / "runs.parquet")
    design = build_design("lhs", ["ceo.listening=0.1:0.9", "finance.start_cash=50e6:150e6"],
                          3, 99)
    assert len(runs) == 6
    for r in runs:
        point = design.points[r["point_id"]]
        assert r["ceo.listening"] == point["ceo.listening"]
        assert r["finance.start_cash"] == point["finance.start_cash"]
        assert r["seed"] == run_seeds(99, 2)[r["replicate"]]
    assert manifest(out)["design"]["points"] == design.points


def test_simulate_reproduces_a_run_of_a_sampled_sweep(sweeps, tmp_path):
    runs = rows(finished(sweeps, "lhs") / "runs.parquet")
    picks = [1, 4]
    outs = reproduce(runs, picks, ["ceo.listening", "finance.start_cash"], tmp_path)
    for run_id in picks:
        s = json.loads((outs[run_id] / "summary.json").read_text())
        assert {k: s[k] for k in SUMMARY_TYPES} == {k: runs[run_id][k] for k in SUMMARY_TYPES}


def test_the_sweep_engine_called_from_python_writes_the_same_store(store, tmp_path):
    from experiments.runs.sweep import make_spec, sweep
    spec = make_spec("stability-ai", GRID_REPS, [f"{k}={','.join(map(str, v))}"
                                                 for k, v in GRID_VARY.items()],
                     seed=GRID_SEED, weeks=WEEKS, trajectories=True)
    res = sweep(spec, tmp_path / "py", jobs=1)
    assert (res.status, res.done, res.failed) == ("complete", GRID_RUNS, 0)
    for t in TABLES:
        assert (tmp_path / "py" / t).read_bytes() == (store / t).read_bytes(), t


# --------------------------------------------------------------------------- failed runs

def test_a_run_that_raises_is_recorded_as_failed_and_the_sweep_goes_on(sweeps):
    r, out = sweeps["failing"]
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert "6 runs ok, 2 failed, of 8" in r.stdout
    runs = rows(out / "runs.parquet")
    assert [x["run_id"] for x in runs] == list(range(8))
    seeds = run_seeds(8, 4)
    for x in runs:
        assert x["seed"] == seeds[x["replicate"]]
        if x["run_id"] in (3, 6):
            assert x["status"] == "failed"
            assert x["error"].startswith("RuntimeError") and "injected failure" in x["error"]
            assert all(x[k] is None for k in SUMMARY_TYPES if k not in ("seed", "scenario"))
            assert x["scenario"] == "stability-ai"
            assert x["ceo.listening"] == (0.8 if x["run_id"] == 3 else 0.2)
        else:
            assert (x["status"], x["error"]) == ("ok", None)
            assert x["weeks_run"] is not None
    assert {e["run_id"] for e in rows(out / "events.parquet")} == set(range(8)) - {3, 6}
    m = manifest(out)
    assert (m["status"], m["runs_done"], m["runs_failed"]) == ("complete", 6, 2)


def test_runs_reports_the_failed_runs(sweeps):
    r = in_process("runs", sweeps["failing"][1])
    assert r.returncode == 0, r.stderr
    assert "6 ok, 2 failed, 0 to go" in r.stdout


# --------------------------------------------------------------------------- run.py runs

def test_runs_prints_design_progress_and_outcome_medians(store):
    from experiments.analysis.statistics import km_quantiles
    r = cli("runs", store)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "status complete" in out and "stability-ai" in out
    assert ("design: grid over ceo.listening=0.2,0.8, governance.removal_by=board,"
            f"shareholders; 4 points x {GRID_REPS} replicates = {GRID_RUNS} runs") in out
    assert f"root seed {GRID_SEED}" in out
    assert f"progress: {GRID_RUNS} ok, 0 failed, 0 to go" in out
    runs = rows(store / "runs.parquet")
    lines = out.splitlines()
    for pid in range(4):
        mine = [x for x in runs if x["point_id"] == pid]
        line = next(s for s in lines if s.split()[:1] == [str(pid)])
        km = km_quantiles([x["ceo_exit_week"] if x["ceo_exit_week"] is not None
                           else x["weeks_run"] - 1 for x in mine],
                          [x["ceo_exit_week"] is not None for x in mine]).median
        out78 = np.mean([x["ceo_exit_week"] is not None and x["ceo_exit_week"] <= 78
                         for x in mine])
        expected = [str(len(mine)), "-" if km is None else f"{km:g}", f"{out78:.0%}",
                    f"{np.median([x['exec_departures'] for x in mine]):.3g}",
                    f"{np.median([x['total_raised'] / 1e6 for x in mine]):.3g}",
                    f"{np.mean([x['insolvent_week'] is not None for x in mine]):.0%}"]
        assert line.split()[-6:] == expected, line
        assert f"listening={mine[0]['ceo.listening']:.4g}" in line


def test_runs_describes_a_sampled_design(sweeps):
    r = in_process("runs", finished(sweeps, "lhs"))
    assert r.returncode == 0, r.stderr
    assert "design: lhs over ceo.listening=0.1:0.9, finance.start_cash=5e+07:1.5e+08" in r.stdout
    assert "3 points x 2 replicates = 6 runs" in r.stdout


def test_runs_on_a_directory_that_is_not_a_sweep_exits_2(sweeps):
    r, d = sweeps["not-a-sweep"]
    assert_one_error_line(r)
    assert list(d.iterdir()) == []


@pytest.mark.parametrize("case", ["empty", "other files", "missing", "foreign manifest"])
def test_runs_on_a_directory_that_is_not_a_sweep_is_refused(case, tmp_path):
    d = tmp_path / "d"
    if case != "missing":
        d.mkdir()
    if case == "other files":
        (d / "notes.txt").write_text("hello")
        (d / "runs.parquet").write_bytes(b"not parquet")
    if case == "foreign manifest":       # e.g. a web app's manifest.json: describe_sweep
        (d / "manifest.json").write_text('{"name": "my app", "version": 2}\n')  # KeyError
    before = snapshot(tmp_path)
    r = in_process("runs", d)
    assert_one_error_line(r)
    assert snapshot(tmp_path) == before


# =========================================================================== bad input

@pytest.mark.parametrize("name", ["unreachable", "malformed"])
def test_bad_input_end_to_end_exits_2_with_one_error_line_and_writes_nothing(sweeps, name):
    r, where = sweeps[name]
    assert_one_error_line(r)
    assert list(where.iterdir()) == []
    if name == "unreachable":
        assert "tcp://127.0.0.1:9" in r.stderr and "cannot reach" in r.stderr


BAD = {
    "no '=' in --vary": ["--vary", "ceo.listening"],
    "too many ':' in --vary": ["--vary", "ceo.listening=0:1:2:3"],
    "not a number in a range": ["--vary", "ceo.listening=0:x:3"],
    "empty list item": ["--vary", "ceo.listening=0,,1"],
    "unknown parameter": ["--vary", "ceo.charisma=0,1"],
    "unknown parameter in a sampled design": ["--design", "lhs", "--samples", "4",
                                              "--vary", "ceo.charisma=0:1"],
    "a section, not a parameter": ["--vary", "ceo=0,1"],
    "value out of the parameter's range": ["--vary", "ceo.listening=0.5,1.5"],
    "not a choice": ["--vary", "governance.removal_by=board,anarchy"],
    "empty range": ["--vary", "ceo.listening=0.5:0.5:3"],
    "reversed range": ["--vary", "ceo.listening=0.9:0.1:3"],
    "reversed sampled range": ["--design", "lhs", "--samples", "4", "--vary", "ceo.listening=1:0"],
    "count below two": ["--vary", "ceo.listening=0:1:1"],
    "range without count for a grid": ["--vary", "ceo.listening=0:1"],
    "list for lhs": ["--design", "lhs", "--samples", "4", "--vary", "ceo.listening=0,1"],
    "same parameter twice": ["--vary", "ceo.listening=0,1", "--vary", "ceo.listening=0.5"],
    "samples with a grid": ["--vary", "ceo.listening=0,1", "--samples", "4"],
    "replicates 0": ["--replicates", "0"],
    "samples 0": ["--design", "lhs", "--samples", "0", "--vary", "ceo.listening=0:1"],
    "sobol with 6 samples": ["--design", "sobol", "--samples", "6", "--vary", "ceo.listening=0:1"],
    "lhs without samples": ["--design", "lhs", "--vary", "ceo.listening=0:1"],
    "unknown design": ["--design", "factorial", "--vary", "ceo.listening=0,1"],
    "unknown --set": ["--set", "ceo.charisma=1"],
    "unknown scenario": ["--scenario", "no-such-company"],
    "jobs 0": ["--jobs", "0"],
    "weeks 0": ["--weeks", "0"],
    "negative root seed": ["--seed", "-1"],
    "not a scheduler address": ["--scheduler", "127.0.0.1:8786"],
    "local cluster of 0": ["--scheduler", "local:0"],
    "resume and force": ["--resume", "--force"],
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_exits_2_with_one_error_line_and_writes_nothing(case, tmp_path):
    """run.main in this process (the same path as the command; one runs end to end above)."""
    out = tmp_path / "x"
    r = in_process("sweep", "--replicates", 2, "--weeks", 5, "--jobs", 1, "--no-progress",
                   *BAD[case], "--out", out)
    assert_one_error_line(r)
    assert list(tmp_path.iterdir()) == []


def test_a_fractional_value_for_a_whole_number_parameter_is_refused(tmp_path):
    """`simulate --set workforce.researchers=40.5` is refused ("expected a whole number"); in
    a --vary list the same value must be refused too. sweep.prepare_points rounds every float
    of an int parameter (meant for LO:HI:COUNT and sampled values), so the list 40.5,41.5
    silently runs 40 and 42 (round half to even) under the labels the user did not give."""
    out = tmp_path / "x"
    r = in_process("sweep", "--replicates", 2, "--weeks", 5, "--jobs", 1, "--no-progress",
                   "--vary", "workforce.researchers=40.5,41.5", "--out", out)
    assert_one_error_line(r)
    assert "workforce.researchers" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_whole_number_parameters_take_rounded_range_values(tmp_path):
    """LO:HI:COUNT on a whole-number parameter: evenly spaced values, rounded."""
    out = tmp_path / "x"
    r = in_process("sweep", "--replicates", 1, "--weeks", 5, "--jobs", 1, "--no-progress",
                   "--vary", "workforce.researchers=40:44:3", "--out", out)
    assert r.returncode == 0, r.stderr
    table = pq.read_table(out / "runs.parquet")
    assert table.schema.field("workforce.researchers").type == "int64"
    assert table.column("workforce.researchers").to_pylist() == [40, 42, 44]


def test_error_messages_name_the_problem(tmp_path):
    def err(case):
        return in_process("sweep", "--replicates", 2, *BAD[case], "--out", tmp_path / "x").stderr
    assert "ceo.charisma" in err("unknown parameter")
    assert "power of two" in err("sobol with 6 samples")
    assert "range" in err("reversed range") and "range" in err("empty range")
    assert "more than once" in err("same parameter twice")
    assert "--replicates" in err("replicates 0") and "--samples" in err("samples 0")


# --------------------------------------------------------------------------- existing stores

@pytest.fixture
def victim(sweeps, tmp_path):
    """A copy of the small finished sweep, for one test to work on."""
    d = tmp_path / "sweep"
    shutil.copytree(finished(sweeps, "victim"), d)
    return d


def plain_directory(d: Path) -> Path:
    d.mkdir()
    (d / "thesis.tex").write_text("chapter one")
    (d / "data").mkdir()
    (d / "data" / "x.csv").write_text("a,b\n1,2\n")
    return d


def with_option(args, option, value=None):
    """VICTIM-like ``args`` with ``option`` set to ``value`` (replaced, or added)."""
    args = [str(a) for a in args]
    if option in args and value is not None:
        k = args.index(option)
        return args[:k + 1] + [str(value)] + args[k + 2:]
    return args + [option] + ([str(value)] if value is not None else [])


OTHER_PARAMETERS = {
    "other root seed": ("--seed", 6),
    "other weeks": ("--weeks", 21),
    "other values": ("--vary", "ceo.listening=0.3,0.7"),
    "trajectories": ("--trajectories", None),
    "a --set": ("--set", "ceo.grandiosity=0.5"),
}


def test_an_existing_sweep_is_refused_without_resume_or_force(victim):
    before = snapshot(victim.parent)
    r = in_process("sweep", *VICTIM, "--out", victim)
    assert_one_error_line(r)
    assert "--resume" in r.stderr and "--force" in r.stderr
    assert snapshot(victim.parent) == before


@pytest.mark.parametrize("case", list(OTHER_PARAMETERS))
def test_resume_of_a_sweep_made_with_other_parameters_is_refused(case, victim):
    before = snapshot(victim.parent)
    r = in_process("sweep", *with_option(VICTIM, *OTHER_PARAMETERS[case]), "--resume",
                   "--out", victim)
    assert_one_error_line(r)
    assert "other parameters" in r.stderr
    assert snapshot(victim.parent) == before


def test_resume_with_other_parameters_names_what_differs(victim):
    r = in_process("sweep", *with_option(VICTIM, "--seed", 6), "--resume", "--out", victim)
    assert "root_seed" in r.stderr
    r = in_process("sweep", *with_option(VICTIM, "--trajectories"), "--resume", "--out", victim)
    assert "trajectories" in r.stderr


def test_resume_with_fewer_replicates_is_refused_and_names_the_stored_count(victim):
    """A sweep grows (more replicates: test_grow.py) but never shrinks."""
    before = snapshot(victim.parent)
    r = in_process("sweep", *with_option(VICTIM, "--replicates", 2), "--resume", "--out", victim)
    assert_one_error_line(r)
    assert "--replicates 2" in r.stderr and "holds 3 replicates" in r.stderr
    assert snapshot(victim.parent) == before


def test_resume_on_a_directory_without_a_manifest_is_refused(tmp_path):
    d = plain_directory(tmp_path / "plain")
    before = snapshot(tmp_path)
    r = in_process("sweep", *VICTIM, "--resume", "--out", d)
    assert_one_error_line(r)
    assert "manifest" in r.stderr
    assert snapshot(tmp_path) == before and sorted(p.name for p in d.iterdir()) == \
        ["data", "thesis.tex"]


def test_resume_on_a_missing_directory_is_refused_and_creates_nothing(tmp_path):
    r = in_process("sweep", *VICTIM, "--resume", "--out", tmp_path / "nothing-here")
    assert_one_error_line(r)
    assert list(tmp_path.iterdir()) == []


def test_force_on_a_directory_that_is_not_a_sweep_is_refused(tmp_path):
    d = plain_directory(tmp_path / "plain")
    before = snapshot(tmp_path)
    r = in_process("sweep", *VICTIM, "--force", "--out", d)
    assert_one_error_line(r)
    assert snapshot(tmp_path) == before


def test_force_on_a_directory_with_another_tools_manifest_is_refused(tmp_path):
    """Only a sweep may be replaced. A directory holding some other program's manifest.json
    (a web app, a data package) is not a sweep, but cmd_sweep only checks that a file named
    manifest.json exists, and deletes the directory."""
    d = tmp_path / "app"
    d.mkdir()
    (d / "manifest.json").write_text('{"name": "my app", "version": 2}\n')
    (d / "index.html").write_text("<html></html>")
    before = snapshot(tmp_path)
    r = in_process("sweep", *VICTIM, "--force", "--out", d)
    assert_one_error_line(r)
    assert snapshot(tmp_path) == before


def test_resume_of_a_complete_sweep_changes_nothing(victim):
    before = snapshot(victim)
    r = in_process("sweep", *VICTIM, "--resume", "--out", victim)
    assert r.returncode == 0, r.stderr
    assert "already complete" in r.stdout
    assert snapshot(victim) == before


def test_force_replaces_an_existing_sweep(victim, tmp_path):
    (victim / "stale.txt").write_text("left from before")
    args = ["--vary", "ceo.listening=0.1,0.4,0.5", "--replicates", 2, "--weeks", 20, "--seed", 4,
            "--jobs", 1, "--trajectories", "--no-progress"]
    r = in_process("sweep", *args, "--force", "--out", victim)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in victim.iterdir()) == sorted(["manifest.json", *TABLES])
    m = manifest(victim)
    assert (m["status"], m["runs_total"], m["root_seed"]) == ("complete", 6, 4)
    runs = rows(victim / "runs.parquet")
    assert [x["run_id"] for x in runs] == list(range(6))
    assert sorted({x["ceo.listening"] for x in runs}) == [0.1, 0.4, 0.5]
    fresh = tmp_path / "fresh"                  # the same as a fresh sweep of that command
    assert in_process("sweep", *args, "--out", fresh).returncode == 0
    for t in TABLES:
        assert (victim / t).read_bytes() == (fresh / t).read_bytes()


def test_force_on_an_empty_directory_makes_a_sweep(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    r = in_process("sweep", *VICTIM, "--force", "--out", d)
    assert r.returncode == 0, r.stderr
    assert len(rows(d / "runs.parquet")) == 6


def test_resume_after_a_crash_between_the_merge_and_the_manifest_update(victim):
    """A crash (kill -9, power loss) just after Store.finalize() merged and removed the parts,
    before run_sweep writes status "complete": the store holds the merged tables, no parts/,
    and the manifest of the last chunk (status "running"). --resume must finish it.

    On resume run_sweep calls Store.tidy() but not Store.create(); with parts/ gone every run
    is pending again and Store.write_chunk fails with FileNotFoundError (traceback, exit 1)."""
    m = manifest(victim)
    m.update(status="running", end=None)
    (victim / "manifest.json").write_text(json.dumps(m, indent=2) + "\n")
    tables = {t: (victim / t).read_bytes() for t in ("runs.parquet", "events.parquet")}
    r = cli("sweep", *VICTIM, "--resume", "--out", victim)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    for t, data in tables.items():
        assert (victim / t).read_bytes() == data
    assert manifest(victim)["status"] == "complete"


# =========================================================================== interruptions

def _default_sigint() -> None:
    """In the child: Ctrl-C as at a terminal. A test run started in the background (a
    non-interactive shell's ``cmd &``) inherits SIGINT ignored, and Python then, rightly,
    never raises KeyboardInterrupt: the sweep would not be interrupted at all."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)   # exec keeps "ignored", not handlers


def interrupt(out: Path, sig: int, args=LONG):
    """Start a sweep in its own process group; once a chunk is stored, signal the group."""
    p = subprocess.Popen(command("sweep", *args, "--out", out), cwd=ROOT, env=environment(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 120
        while not (out / "parts" / "runs").is_dir() or \
                not any((out / "parts" / "runs").glob("part-*.parquet")):
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "no chunk was stored"
            time.sleep(0.002)
        os.killpg(p.pid, sig)
        stdout, stderr = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    return p.returncode, stdout, stderr


def interrupted_then_resumed(out: Path, sig: int):
    """Interrupt the long sweep, note what it left, then --resume it."""
    code, _, stderr = interrupt(out, sig)
    left = {"code": code, "stderr": stderr, "manifest": manifest(out),
            "merged": (out / "runs.parquet").exists(), "stored": stored_part_rows(out)}
    return left, cli("sweep", *LONG, "--resume", "--out", out)


def stored_part_rows(out: Path) -> list[int]:
    ids = []
    for part in sorted((out / "parts" / "runs").glob("part-*.parquet")):
        ids += pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist()
    return ids


def assert_same_as_reference(out: Path, sweeps):
    reference = finished(sweeps, "reference")
    ids = [x["run_id"] for x in rows(out / "runs.parquet")]
    assert ids == list(range(LONG_RUNS))                # none missing, none twice
    events = pq.read_table(out / "events.parquet", columns=["run_id"]).column("run_id")
    assert set(events.to_pylist()) == set(ids)
    for t in ("runs.parquet", "events.parquet"):
        assert (out / t).read_bytes() == (reference / t).read_bytes(), t
    assert not (out / "parts").exists()
    m = manifest(out)
    assert (m["status"], m["runs_done"], m["runs_failed"]) == ("complete", LONG_RUNS, 0)


def assert_whole_batches(stored: list[int], size: int) -> None:
    """Stored runs are whole batches (aligned to the batch size), each run once."""
    assert len(stored) == len(set(stored))
    got = set(stored)
    for b in {i // size for i in stored}:
        batch = set(range(b * size, min((b + 1) * size, LONG_RUNS)))
        assert batch <= got, f"batch {b} stored only in part"


def test_a_sweep_killed_with_sigkill_resumes_to_the_same_store(sweeps):
    left, resumed, out = sweeps["killed"]
    assert left["code"] == -signal.SIGKILL
    assert not left["merged"]                            # it was stopped part way
    assert left["manifest"]["status"] == "running"
    stored = left["stored"]
    assert 0 < len(stored) < LONG_RUNS
    assert_whole_batches(stored, left["manifest"]["batch_size"])
    assert resumed.returncode == 0, resumed.stderr
    assert f"{LONG_RUNS} runs ok, 0 failed" in resumed.stdout
    assert_same_as_reference(out, sweeps)


def test_a_sweep_stopped_with_ctrl_c_exits_130_and_resumes_to_the_same_store(sweeps):
    left, resumed, out = sweeps["ctrl-c"]
    assert left["code"] == 130, left["stderr"]
    assert any(line.startswith("error: interrupted") and "--resume" in line
               for line in left["stderr"].splitlines()), left["stderr"]
    assert left["manifest"]["status"] == "interrupted"
    assert not left["merged"]
    stored = left["stored"]
    assert 0 < len(stored) < LONG_RUNS
    assert_whole_batches(stored, left["manifest"]["batch_size"])
    assert resumed.returncode == 0, resumed.stderr
    assert_same_as_reference(out, sweeps)


def test_after_ctrl_c_the_manifest_counts_only_the_stored_runs(tmp_path):
    """The progress an interrupted sweep reports must be the runs it stored.

    run_sweep's flush() adds a chunk to runs_done/runs_failed and writes the manifest before it
    empties the chunk; a Ctrl-C in between (here: while the manifest, large with 30000 seeds,
    is being written) makes the KeyboardInterrupt handler flush the same chunk again and count
    it twice: the manifest and `run.py runs` then report 40 runs done with 20 stored."""
    out = tmp_path / "sweep"
    args = ["--replicates", 30000, "--weeks", 10, "--jobs", 1, "--chunk-size", 10, "--seed", 2,
            "--no-progress"]
    code, _, stderr = interrupt(out, signal.SIGINT, args)
    assert code == 130, stderr
    m = manifest(out)
    stored = stored_part_rows(out)
    assert m["status"] == "interrupted" and 0 < len(stored) < 30000
    assert m["runs_done"] + m["runs_failed"] == len(stored)
    r = in_process("runs", out)
    assert f"progress: {len(stored)} ok, 0 failed, {30000 - len(stored)} to go" in r.stdout
