"""Monte Carlo sweeps: a design x replicates, run in parallel, stored as they finish.

Seeds: one root seed -> ``SeedSequence`` -> one seed per replicate. Replicate k uses the
same seed at every design point (common random numbers), so comparisons between points
are paired. Each run's seed is stored; ``run.py simulate --seed S`` with the point's
parameters reproduces it.

Run ids go replicate by replicate (``run_id = replicate * points + point``) and replicate
k's seed does not depend on how many replicates there are, so a sweep grows: resumed with
more replicates it runs only the new ones, appended after the stored ids, and ends as the
same bytes as a fresh sweep of that size.

Runs go in batches; a worker stores its batch as a part file as soon as it finishes (see
:mod:`experiments.runs.store`), so an interrupted sweep continues with ``resume=True``
without losing or repeating a run, and the merged tables are the same bytes whatever the
worker count, completion order or interruptions.

From Python::

    from experiments.runs.sweep import make_spec, sweep
    spec = make_spec("stability-ai", replicates=100, vary=["ceo.listening=0.1,0.8"])
    result = sweep(spec, "results/sweeps/listening", jobs=2)
"""

from __future__ import annotations

import errno
import importlib
import json
import platform
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from experiments.runs.designs import Design, build_design
from experiments.runs.executors import DaskExecutor, LocalExecutor
from experiments.runs.progress import Progress
from experiments.runs.runner import forget, load_scenario
from experiments.runs.seeds import run_seeds
from experiments.runs.store import (TABLES, Store, SweepError, read_manifest, schemas,
                                    write_json, write_part)
from model import StartupModel, scenarios
from model.outcomes import SUMMARY_TYPES, event_rows, summary, weekly_columns
from model.parameters import leaf_type, to_dict, with_values

VERSION = "0.1.0"
DEFAULT_SEED = 20221017
DEFAULT_MODEL = "model:StartupModel"

__all__ = ["SweepSpec", "SweepResult", "SweepError", "make_spec", "sweep", "run_sweep",
           "read_manifest", "DEFAULT_SEED"]


# ----------------------------------------------------------------------------- the spec

@dataclass
class SweepSpec:
    """Everything that determines a sweep's results."""
    scenario: str                 # name, or file stem for a user's file
    scenario_text: str | None     # TOML text of a user's scenario file (None: shipped)
    sets: list[str]
    weeks: int | None
    design: Design
    replicates: int
    root_seed: int
    trajectories: bool
    seeds: list[int] = field(default_factory=list)
    model: str = DEFAULT_MODEL    # "module:Class", a StartupModel (sub)class
    draws: list[dict] | None = None   # replicate k runs with parameter set k (a posterior's)
    draws_from: str | None = None     # where the draws came from (a calibration folder)
    drawn: list[str] = field(default_factory=list)   # paths drawn per run from distributions

    def __post_init__(self):
        if not self.seeds:
            self.seeds = run_seeds(self.root_seed, self.replicates)

    @property
    def n_runs(self) -> int:
        return len(self.design.points) * self.replicates

    def identity(self) -> dict:
        """What must match for a resume to continue this sweep."""
        out = {"scenario": self.scenario, "scenario_text": self.scenario_text,
               "sets": self.sets, "weeks": self.weeks, "design": self.design.to_dict(),
               "replicates": self.replicates, "root_seed": self.root_seed,
               "trajectories": self.trajectories}
        if self.model != DEFAULT_MODEL:
            out["model"] = self.model
        if self.draws is not None:
            out["draws"], out["draws_from"] = self.draws, self.draws_from
        if self.drawn:
            out["drawn"] = self.drawn
        return out

    def task(self, run_id: int) -> tuple[int, int, int, int]:
        rep, point = divmod(run_id, len(self.design.points))
        return run_id, point, rep, self.seeds[rep]


def make_spec(scenario: str = "stability-ai", replicates: int = 200, vary=(),
              design: str = "grid", samples: int | None = None, seed: int = DEFAULT_SEED,
              weeks: int | None = None, sets=(), trajectories: bool = False,
              model: str = DEFAULT_MODEL, draws: list[dict] | None = None,
              draws_from: str | None = None) -> SweepSpec:
    """A validated sweep spec. ``scenario`` is a shipped name or a scenario file (.toml);
    ``vary`` holds ``path=SPEC`` strings as for ``run.py sweep --vary``; ``draws`` (one
    parameter set per replicate, e.g. from a calibration's posterior) make replicate k run
    with set k at every design point, so outcomes carry parameter uncertainty as well as
    chance. Raises ParameterError, DesignError or SweepError (one line each) on bad input."""
    sets = list(sets)
    loaded = load_scenario(scenario, sets + ([f"run.weeks={weeks}"] if weeks else []))
    text = None
    name = scenario
    if scenario.endswith(".toml"):
        name, text = Path(scenario).stem, Path(scenario).read_text(encoding="utf-8")
    model_class(model)
    spec = SweepSpec(name, text, sets, weeks, build_design(design, list(vary), samples, seed),
                     replicates, seed, trajectories, model=model, draws=draws,
                     draws_from=draws_from)
    if draws is not None:
        if len(draws) != replicates:
            raise SweepError(f"--posterior: {len(draws)} parameter sets for {replicates} "
                             f"replicates")
        both = set(draws[0]) & {f.path for f in spec.design.factors}
        if both:
            raise SweepError(f"--vary {sorted(both)[0]}: also drawn from the posterior; vary "
                             f"another parameter or leave out --posterior")
        told = set(draws[0]) & loaded.overridden()
        if told:      # the draw would silently replace the value asked for
            raise SweepError(f"--set {sorted(told)[0]}: also drawn from the posterior; set "
                             f"another parameter or leave out --posterior")
    prepare_points(spec)
    if draws is not None and set(draws[0]) & set(spec.drawn):
        raise SweepError(f"--posterior: {sorted(set(draws[0]) & set(spec.drawn))[0]} is also "
                         f"a distribution of the scenario; give it a value or leave out "
                         f"--posterior")
    return spec


def default_folder(spec: SweepSpec) -> str:
    """The default store folder name of a sweep: its scenario and a short hash of everything
    that determines its results, so two different sweeps never share a default folder and
    the same sweep always finds its own."""
    import hashlib
    key = json.dumps(growable(spec.identity()), sort_keys=True, default=str).encode("utf-8")
    return f"{spec.scenario}-{hashlib.sha256(key).hexdigest()[:8]}"


def growable(identity: dict) -> dict:
    """What must match for a sweep to grow into another: its identity without the replicate
    count (and the posterior draws, one per replicate: checked as a prefix)."""
    return {k: v for k, v in identity.items() if k not in ("replicates", "draws")}


def model_class(path: str) -> type:
    """The model class named ``module:Class`` (a StartupModel or a subclass of it)."""
    mod, _, name = path.partition(":")
    try:
        cls = getattr(importlib.import_module(mod), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SweepError(f"--model {path}: cannot import it ({type(exc).__name__}); expected "
                         f"module:Class, e.g. {DEFAULT_MODEL}") from None
    if not (isinstance(cls, type) and issubclass(cls, StartupModel)):
        raise SweepError(f"--model {path}: not a StartupModel class")
    return cls


def _literal(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def load_point(spec_id: dict, point: dict):
    """The scenario with the sweep's overrides and one design point applied."""
    sets = list(spec_id["sets"]) + ([f"run.weeks={spec_id['weeks']}"] if spec_id["weeks"] else [])
    sets += [f"{p}={_literal(v)}" for p, v in point.items()]
    if spec_id["scenario_text"] is not None:
        return scenarios.from_text(spec_id["scenario_text"], spec_id["scenario"], sets)
    return scenarios.load(spec_id["scenario"], sets)


def prepare_points(spec: SweepSpec) -> None:
    """Round generated or sampled values of whole-number parameters (values given in a list
    must be whole already), then validate every point (raises ParameterError) and note the
    parameters that the points' scenarios draw per run from distributions (``spec.drawn``:
    stored in runs.parquet beside the varied ones)."""
    spread = {f.path for f in spec.design.factors if f.generated or f.lo is not None}
    for point in spec.design.points:
        for path in point:
            if (leaf_type(path) is int and isinstance(point[path], float)
                    and path in spread):
                point[path] = int(round(point[path]))
    drawn = set()
    for point in spec.design.points:
        drawn |= set(load_point(spec.identity(), point).distributions)
    spec.drawn = sorted(drawn - {f.path for f in spec.design.factors})


# ----------------------------------------------------------------------------- workers

_PARAMS_CACHE: dict = {}


def run_batch(spec_id: dict, tasks: list[tuple[int, int, int, int]],
              parts: str | None = None) -> dict:
    """Run a batch of (run_id, point_id, replicate, seed); failures are recorded, not raised.

    With ``parts`` (a local store's parts directory) the worker writes the batch's part
    files itself and returns only its status counts; otherwise it returns the tables.
    """
    key = json.dumps(spec_id, sort_keys=True)
    cache = _PARAMS_CACHE.setdefault(key, {})
    points = spec_id["design"]["points"]
    out = {"runs": [], "events": [], "trajectories": []}
    if "schemas" not in cache:
        cache["schemas"] = schemas(spec_id)
        cache["model"] = model_class(spec_id.get("model", DEFAULT_MODEL))
    for run_id, point_id, rep, seed in tasks:
        row = {"run_id": run_id, "point_id": point_id, "replicate": rep, "seed": seed}
        row.update(points[point_id])
        try:
            if point_id not in cache:
                cache[point_id] = load_point(spec_id, points[point_id])
            sc = cache[point_id]
            row.update(sc.draws(seed))           # parameters drawn from distributions
            params = sc.params_for(seed)
            if spec_id.get("draws"):
                row.update(spec_id["draws"][rep])
                params = with_values(params, spec_id["draws"][rep])
            model = cache["model"](params, seed=seed).run()
            row.update(summary(model, sc.name, seed))
            row.update(status="ok", error=None)
            out["events"].extend((run_id,) + e for e in event_rows(model))
            if spec_id["trajectories"]:
                cols = weekly_columns(model)
                n = len(cols["week"])
                out["trajectories"].append({"run_id": [run_id] * n, **cols})
            forget(model)
        except Exception as exc:   # a failed run is data, the sweep goes on
            row.update({k: None for k in SUMMARY_TYPES})
            row.update(scenario=spec_id["scenario"], seed=seed, status="failed",
                       error=f"{type(exc).__name__}: {exc}")
        out["runs"].append(row)
    tables = _tables(out, cache["schemas"], spec_id["trajectories"])
    if parts is None:
        return tables
    write_part(Path(parts), tables)
    return {"runs": None, "n": len(tasks),
            "states": tables["runs"].column("status").to_pylist()}


def _tables(out: dict, sch: dict, trajectories: bool) -> dict[str, pa.Table | None]:
    """Rows of a batch as Arrow tables (built in the worker: cheap to send and to write)."""
    ev = out["events"]
    ev_cols = list(zip(*ev)) if ev else [[] for _ in sch["events"]]
    tables = {"runs": pa.table({c: [r.get(c) for r in out["runs"]] for c in sch["runs"].names},
                               schema=sch["runs"]),
              "events": pa.table(dict(zip(sch["events"].names, ev_cols)), schema=sch["events"]),
              "trajectories": None}
    if trajectories:
        tr = out["trajectories"]
        tables["trajectories"] = pa.table(
            {c: [v for t in tr for v in t[c]] for c in sch["trajectories"].names},
            schema=sch["trajectories"])
    return tables


# ----------------------------------------------------------------------------- running

def versions() -> dict:
    import mesa
    import scipy
    return {"project": VERSION, "python": platform.python_version(), "mesa": mesa.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "pyarrow": pa.__version__}


@dataclass
class SweepResult:
    total: int
    done: int
    failed: int
    status: str        # complete, interrupted, already complete
    seconds: float
    ran: int = 0       # runs made this session (a resumed or grown sweep: the missing ones)


def batch_size(n_runs: int) -> int:
    """Runs per batch (and per part file): about 1% of the sweep, between 10 and 100."""
    return max(10, min(100, n_runs // 100))


def batches(missing: list[int], size: int) -> list[list[int]]:
    """The missing run ids (ascending) cut into batches of consecutive ids, never across a
    multiple of ``size``: each part file then holds one unbroken range of run ids, so parts
    sorted by name are in run order, whatever was stored before (a resume, a grown sweep)."""
    out: list[list[int]] = []
    for i in missing:
        if out and i == out[-1][-1] + 1 and i // size == out[-1][0] // size:
            out[-1].append(i)
        else:
            out.append([i])
    return out


WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def store_error(root: Path, exc: OSError) -> SweepError:
    """One line for a sweep stopped by the system: a store that cannot be written any more (a
    full disk, a removed folder), or a lost connection to a cluster."""
    if not root.is_dir():
        return SweepError(f"{root}: the sweep directory was removed while the sweep ran; "
                          f"stopped")
    what = exc.strerror or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if exc.filename is not None or exc.errno in WRITE_ERRORS:
        why = f"cannot write the sweep ({what})"
    else:
        why = f"the sweep stopped ({type(exc).__name__}: {what})"
    return SweepError(f"{root}: {why}; the runs stored so far are kept: continue with "
                      f"--resume once that is fixed")


def run_sweep(spec: SweepSpec, root: Path, executor, manifest: dict, resume: bool,
              progress: bool = True) -> SweepResult:
    """Run every run of ``spec`` not yet in the store at ``root``; merge at the end.

    Runs go in batches of consecutive run ids (see :func:`batches`); a batch is stored as one
    part as soon as it finishes, in any order, so a resume finds whole batches done or
    missing, and the merge (parts in run-id order) is always the same. A store that cannot be
    written (full disk, folder removed) stops the sweep with a SweepError; what was stored
    stays, and nothing half-written is left.
    """
    store = Store(root, spec)
    store.create()               # (again on resume: harmless, and restores a lost parts/)
    if resume:
        store.tidy()
    done_ids, failed = store.done()
    size = manifest.setdefault("batch_size", batch_size(spec.n_runs))
    todo = batches([i for i in range(spec.n_runs) if i not in done_ids], size)
    manifest.update(status="running", runs_done=len(done_ids) - failed, runs_failed=failed)
    write_json(root / "manifest.json", manifest)
    spec_id = spec.identity()
    local_parts = str(store.parts) if isinstance(executor, LocalExecutor) else None
    bar = Progress(spec.n_runs, len(done_ids)) if progress else None
    t0 = last_write = time.monotonic()
    in_flight: dict = {}
    submitted = 0
    try:
        while submitted < len(todo) or in_flight:
            while submitted < len(todo) and len(in_flight) < 4 * executor.slots:
                fut = executor.submit(run_batch, spec_id,
                                      [spec.task(i) for i in todo[submitted]], local_parts)
                in_flight[fut] = submitted
                submitted += 1
            for fut in executor.wait_one(in_flight):
                del in_flight[fut]
                res = fut.result()
                if local_parts is None:          # a remote worker: the store is written here
                    write_part(store.parts, res)
                    states = res["runs"].column("status").to_pylist()
                else:
                    states = res["states"]
                manifest["runs_done"] += states.count("ok")
                manifest["runs_failed"] += states.count("failed")
                if bar:
                    bar.update(len(states))
            if time.monotonic() - last_write > 2.0:
                last_write = time.monotonic()
                write_json(root / "manifest.json", manifest)
        store.finalize()
        manifest.update(status="complete", end=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        write_json(root / "manifest.json", manifest)
    except BaseException as exc:
        executor.close(cancel=True)
        stopped(store, manifest)
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise store_error(root, exc) from None
        raise                    # Ctrl-C, a closed pipe: the command line says so
    finally:
        if bar:
            bar.close()
    store.remove_parts()
    return SweepResult(spec.n_runs, manifest["runs_done"], manifest["runs_failed"],
                       "complete", time.monotonic() - t0, spec.n_runs - len(done_ids))


def stopped(store: Store, manifest: dict) -> None:
    """Record an interrupted sweep: what is really stored (an interrupt can land anywhere).
    A store that has gone (removed) is not made again; one that cannot be written keeps its
    last manifest."""
    if not store.root.is_dir():
        return
    try:
        store.tidy()             # what a stopped worker was writing
        ids, failed = store.done()
        manifest.update(runs_done=len(ids) - failed, runs_failed=failed, status="interrupted",
                        end=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        write_json(store.root / "manifest.json", manifest)
    except OSError:
        pass


RUN_ORDER = "replicate, point"   # run_id = replicate * points + point (see the module doc)


def new_manifest(spec: SweepSpec, argv: list[str]) -> dict:
    sc = load_point(spec.identity(), {})
    extra = {"distributions": {p: str(d) for p, d in sc.distributions.items()}} \
        if sc.distributions else {}
    return {"command": list(argv), "identity": spec.identity(), "scenario": spec.scenario,
            "parameters": to_dict(sc.params), **extra, "design": spec.design.to_dict(),
            "root_seed": spec.root_seed, "replicates": spec.replicates, "seeds": spec.seeds,
            "runs_total": spec.n_runs, "run_order": RUN_ORDER, "versions": versions(),
            "start": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "end": None,
            "runs_done": 0, "runs_failed": 0, "status": "running"}


def differences(old: dict, new: dict) -> list[str]:
    """What differs between a stored sweep's identity and a new one, apart from more
    replicates (with, for a posterior, the stored draws as the first ones of the new)."""
    new = json.loads(json.dumps(new))
    a, b = growable(old), growable(new)
    diff = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
    was, now = old.get("draws"), new.get("draws")
    if (was is None) != (now is None) or (was and was[:len(now)] != now[:len(was)]):
        diff.append("draws")
    return sorted(diff)


def open_store(spec: SweepSpec, out: Path, resume: bool = False, force: bool = False,
               argv=()) -> tuple[dict | None, str]:
    """Check ``out`` for a new sweep, a resume or a grown sweep: (its manifest, "new",
    "resume" or "grow"); the manifest is None when the sweep there is already complete.
    Nothing is written here; SweepError explains a refusal."""
    out = Path(out)
    if resume:
        m = read_manifest(out) if (out / "manifest.json").exists() else None
        if m is None:
            raise SweepError(f"--resume: {out} holds no sweep (no manifest.json)")
        old = m.get("identity", {})
        diff = differences(old, spec.identity())
        if diff:
            raise SweepError(f"--resume: {out} was made with other parameters "
                             f"(differs in: {', '.join(diff)}); use --force or another "
                             f"--out")
        stored = old.get("replicates", spec.replicates)
        if stored > spec.replicates:
            raise SweepError(f"--replicates {spec.replicates}: {out} already holds {stored} "
                             f"replicates per point and a sweep cannot shrink; give "
                             f"--replicates {stored} (or more, to grow it) or another --out")
        if m.get("run_order") != RUN_ORDER and (stored < spec.replicates
                                                or m.get("status") != "complete"):
            raise SweepError(f"--resume: {out} was made by an earlier version that numbered "
                             f"runs point by point, so it cannot be continued or grown; use "
                             f"--force or another --out")
        if stored < spec.replicates:
            return new_manifest(spec, argv), "grow"
        return (None if m.get("status") == "complete" else m), "resume"
    if out.exists():
        if not force:
            raise SweepError(f"--out {out}: exists; use --resume to continue it or --force "
                             f"to replace it")
        if not out.is_dir():
            raise SweepError(f"--out {out}: exists and is not a directory")
        if any(out.iterdir()):
            try:
                read_manifest(out)
            except SweepError:
                raise SweepError(f"--force: {out} is not a sweep directory; refusing to "
                                 f"delete it") from None
    return new_manifest(spec, argv), "new"


def grow(spec: SweepSpec, out: Path, manifest: dict) -> None:
    """Make the store at ``out`` (fewer replicates) the store of ``spec``, ready to run the
    new replicates: the runs stored keep their ids (replicate-major ids do not depend on
    the replicate count), a finished sweep's merged tables become its first part again, and
    the manifest becomes ``spec``'s. Each step can be interrupted: run again, it goes on."""
    store = Store(out, spec)
    old = read_manifest(out)
    if old.get("status") == "complete" or not store.stored_parts():
        store.unmerge()
    write_json(out / "manifest.json", manifest)
    for t in TABLES:            # the parts hold them now; a reader must not see stale files
        (out / f"{t}.parquet").unlink(missing_ok=True)


def make_executor(jobs: int = 1, scheduler: str | None = None):
    """Local processes (``jobs``), or a dask.distributed cluster (``tcp://HOST:PORT`` or
    ``local:N``)."""
    return DaskExecutor(scheduler) if scheduler else LocalExecutor(jobs)


def sweep(spec: SweepSpec, out: Path | str, jobs: int = 1, scheduler: str | None = None,
          resume: bool = False, force: bool = False, progress: bool = False, argv=(),
          batch: int | None = None, on_start=None) -> SweepResult:
    """Run a sweep into the store ``out``: new, resumed (``resume``) or replaced (``force``).

    A resume with more replicates than stored grows the sweep: only the new replicates run,
    and the store ends byte-identical to a fresh sweep of ``spec``. Returns counts and the
    status; a sweep already complete is left as it is. Ctrl-C (KeyboardInterrupt) leaves
    every finished batch stored for a resume. ``on_start`` is called with the sweep's
    manifest once the store is ready (the command line prints a line there).
    """
    out = Path(out)
    manifest, mode = open_store(spec, out, resume, force, argv)
    if manifest is None:
        m = read_manifest(out)
        return SweepResult(m["runs_total"], m["runs_done"], m["runs_failed"],
                           "already complete", 0.0)
    executor = make_executor(jobs, scheduler)
    try:
        if mode == "new":
            if out.exists():
                shutil.rmtree(out)
            out.mkdir(parents=True)
        if mode != "resume" and batch:
            manifest["batch_size"] = batch
        if mode == "grow":
            try:
                grow(spec, out, manifest)
            except OSError as exc:
                raise store_error(out, exc) from None
        if on_start:
            on_start(manifest)
        return run_sweep(spec, out, executor, manifest, mode != "new", progress)
    finally:
        executor.close()
