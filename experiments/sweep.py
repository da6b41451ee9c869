"""Monte Carlo sweeps: a design x replicates, run in parallel, stored as they finish.

Seeds: one root seed -> ``SeedSequence`` -> one seed per replicate. Replicate k uses the
same seed at every design point (common random numbers), so comparisons between points
are paired. Each run's seed is stored; ``run.py simulate --seed S`` with the point's
parameters reproduces it.

The store (a directory) holds ``manifest.json`` and, while the sweep runs, one part file
per batch of runs under ``parts/``, written atomically (temporary file + rename) as soon
as the batch finishes (by the worker itself when it is a local process). An interrupted
sweep continues with ``--resume``; finished batches are kept, so no run is lost or run
twice. At the end the chunks are merged (streaming, in fixed-size row
groups) into ``runs.parquet``, ``events.parquet`` and, with trajectories,
``trajectories.parquet``: the same bytes whatever the worker count, completion order or
interruptions.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.designs import Design
from experiments.runner import forget
from experiments.seeds import run_seeds
from model import StartupModel, scenarios
from model.company import WEEKLY_COLUMNS, WEEKLY_INTS
from model.outcomes import EVENT_COLUMNS, SUMMARY_TYPES, event_rows, summary, weekly_columns
from model.parameters import leaf_type

VERSION = "0.1.0"
TABLES = ("runs", "events", "trajectories")
ROW_GROUP = {"runs": 10_000, "events": 200_000, "trajectories": 200_000}
FAIL_ENV = "STARTUP_SIM_FAIL_RUNS"   # fault injection for tests: run_ids that raise


class SweepError(ValueError):
    """Bad sweep input or store state: one line, exit status 2."""


def read_manifest(root: Path) -> dict:
    """A sweep's manifest; SweepError if ``root`` is not a sweep made by this tool."""
    path = Path(root) / "manifest.json"
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"{root}: not a sweep directory (no manifest.json)") from None
    except (OSError, ValueError):
        raise SweepError(f"{root}: manifest.json is unreadable") from None
    if not isinstance(m, dict) or not {"identity", "design", "runs_total"} <= set(m):
        raise SweepError(f"{root}: manifest.json is not a sweep manifest of this tool")
    return m


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

    def __post_init__(self):
        if not self.seeds:
            self.seeds = run_seeds(self.root_seed, self.replicates)

    @property
    def n_runs(self) -> int:
        return len(self.design.points) * self.replicates

    def identity(self) -> dict:
        """What must match for --resume to continue this sweep."""
        return {"scenario": self.scenario, "scenario_text": self.scenario_text,
                "sets": self.sets, "weeks": self.weeks, "design": self.design.to_dict(),
                "replicates": self.replicates, "root_seed": self.root_seed,
                "trajectories": self.trajectories}

    def task(self, run_id: int) -> tuple[int, int, int, int]:
        point, rep = divmod(run_id, self.replicates)
        return run_id, point, rep, self.seeds[rep]


def _literal(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def point_overrides(spec: SweepSpec, point: dict) -> list[str]:
    extra = [f"run.weeks={spec.weeks}"] if spec.weeks else []
    return list(spec.sets) + extra + [f"{p}={_literal(v)}" for p, v in point.items()]


def load_point(spec_id: dict, point: dict):
    """The scenario with the sweep's overrides and one design point applied."""
    sets = list(spec_id["sets"]) + ([f"run.weeks={spec_id['weeks']}"] if spec_id["weeks"] else [])
    sets += [f"{p}={_literal(v)}" for p, v in point.items()]
    if spec_id["scenario_text"] is not None:
        return scenarios.from_text(spec_id["scenario_text"], spec_id["scenario"], sets)
    return scenarios.load(spec_id["scenario"], sets)


def prepare_points(spec: SweepSpec) -> None:
    """Round generated or sampled values of whole-number parameters (values given in a list
    must be whole already), then validate every point (raises ParameterError)."""
    spread = {f.path for f in spec.design.factors if f.generated or f.lo is not None}
    for point in spec.design.points:
        for path in point:
            if (leaf_type(path) is int and isinstance(point[path], float)
                    and path in spread):
                point[path] = int(round(point[path]))
    for point in spec.design.points:
        load_point(spec.identity(), point)


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
    fail = {int(x) for x in os.environ.get(FAIL_ENV, "").split(",") if x.strip()}
    points = spec_id["design"]["points"]
    out = {"runs": [], "events": [], "trajectories": []}
    if "schemas" not in cache:
        cache["schemas"] = schemas(spec_id)
    for run_id, point_id, rep, seed in tasks:
        row = {"run_id": run_id, "point_id": point_id, "replicate": rep, "seed": seed}
        row.update(points[point_id])
        try:
            if run_id in fail:
                raise RuntimeError("injected failure (test hook)")
            if point_id not in cache:
                cache[point_id] = load_point(spec_id, points[point_id])
            sc = cache[point_id]
            model = StartupModel(sc.params, seed=seed).run()
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


def part_name(runs: pa.Table) -> str:
    ids = runs.column("run_id")
    return f"part-{ids[0].as_py():09d}-{ids[-1].as_py():09d}.parquet"


def write_part(parts: Path, tables: dict) -> None:
    """One batch's part files, each atomic; the runs part lands last (it is the commit)."""
    name = part_name(tables["runs"])
    _atomic_write_table(tables["events"], parts / "events" / name)
    if tables["trajectories"] is not None:
        _atomic_write_table(tables["trajectories"], parts / "trajectories" / name)
    _atomic_write_table(tables["runs"], parts / "runs" / name)


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


# ----------------------------------------------------------------------------- storage

_PA = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}


def schemas(spec_id: dict) -> dict[str, pa.Schema]:
    """Arrow schemas of the three tables (explicit, so every part has the same one)."""
    varied = []
    for path in (f["path"] for f in spec_id["design"]["factors"]):
        tp = leaf_type(path)
        varied.append(pa.field(path, {int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
                               .get(tp, pa.string())))
    runs = pa.schema([pa.field("run_id", pa.int64()), pa.field("point_id", pa.int64()),
                      pa.field("replicate", pa.int64()), pa.field("seed", pa.int64()), *varied]
                     + [pa.field(k, _PA[t]) for k, t in SUMMARY_TYPES.items() if k != "seed"]
                     + [pa.field("status", pa.string()), pa.field("error", pa.string())])
    events = pa.schema([pa.field("run_id", pa.int64()), pa.field("week", pa.int64())]
                       + [pa.field(c, pa.string()) for c in EVENT_COLUMNS[1:] if c != "week"])
    traj = pa.schema([pa.field("run_id", pa.int64())]
                     + [pa.field(c, pa.int64() if c in WEEKLY_INTS else
                                 pa.string() if c == "date" else pa.float64())
                        for c in WEEKLY_COLUMNS])
    return {"runs": runs, "events": events, "trajectories": traj}


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class Store:
    """A sweep's directory: manifest, chunk parts, and the merged tables."""

    def __init__(self, root: Path, spec: SweepSpec) -> None:
        self.root = Path(root)
        self.spec = spec
        self.schemas = schemas(spec.identity())
        self.parts = self.root / "parts"

    def create(self) -> None:
        for t in TABLES:
            (self.parts / t).mkdir(parents=True, exist_ok=True)

    def _part_names(self, table: str) -> list[str]:
        d = self.parts / table
        return sorted(p.name for p in d.glob("part-*.parquet")) if d.exists() else []

    def tidy(self) -> None:
        """Drop leftovers of a chunk whose runs part never landed (crash between writes)."""
        done = set(self._part_names("runs"))
        for t in ("events", "trajectories"):
            for name in self._part_names(t):
                if name not in done:
                    (self.parts / t / name).unlink()
        for tmp in self.parts.rglob("*.tmp"):
            tmp.unlink()

    def done(self) -> tuple[set[int], int]:
        """Run ids already stored, and how many of them failed."""
        ids, failed = set(), 0
        for name in self._part_names("runs"):
            t = pq.read_table(self.parts / "runs" / name, columns=["run_id", "status"])
            ids.update(t.column("run_id").to_pylist())
            failed += t.column("status").to_pylist().count("failed")
        return ids, failed

    def finalize(self) -> None:
        """Merge each table's parts, in run order, into one file with fixed row groups.

        The parts stay until :meth:`remove_parts` (called once the manifest says
        "complete"), so a crash during the merge loses nothing: a resume merges again.
        """
        for t in TABLES:
            if t == "trajectories" and not self.spec.trajectories:
                continue
            target = self.root / f"{t}.parquet"
            tmp = target.with_name(target.name + ".tmp")
            size, buffer, buffered, written = ROW_GROUP[t], [], 0, 0
            with pq.ParquetWriter(tmp, self.schemas[t]) as writer:
                for name in self._part_names(t):
                    buffer.append(pq.read_table(self.parts / t / name, schema=self.schemas[t]))
                    buffered += buffer[-1].num_rows
                    while buffered >= size:          # fixed row groups: same bytes however
                        merged = pa.concat_tables(buffer)   # the parts were cut
                        writer.write_table(merged.slice(0, size).combine_chunks(),
                                           row_group_size=size)
                        written += size
                        buffer = [merged.slice(size)]
                        buffered = buffer[0].num_rows
                if buffered or not written:
                    tail = pa.concat_tables(buffer) if buffer else self.schemas[t].empty_table()
                    writer.write_table(tail.combine_chunks(), row_group_size=size)
            os.replace(tmp, target)

    def remove_parts(self) -> None:
        shutil.rmtree(self.parts, ignore_errors=True)


# ----------------------------------------------------------------------------- running

def versions() -> dict:
    import mesa
    import scipy
    return {"project": VERSION, "python": platform.python_version(), "mesa": mesa.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "pyarrow": pa.__version__}


class Progress:
    """A progress bar with rate and ETA on a terminal; plain periodic lines otherwise."""

    def __init__(self, total: int, initial: int, stream=None) -> None:
        self.total, self.count = total, initial
        self.stream = stream or sys.stderr
        self.start, self.last = time.monotonic(), 0.0
        self.first = initial
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=total, initial=initial, unit="run", file=self.stream,
                            dynamic_ncols=True, smoothing=0.1)

    def update(self, n: int) -> None:
        self.count += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if now - self.last >= 10.0 or self.count >= self.total:
            self.last = now
            rate = (self.count - self.first) / max(now - self.start, 1e-9)
            eta = (self.total - self.count) / rate if rate > 0 else float("inf")
            print(f"sweep: {self.count}/{self.total} runs ({self.count / self.total:.0%}), "
                  f"{rate:.1f} runs/s, ETA {eta:.0f} s", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class LocalExecutor:
    """Local processes through concurrent.futures (jobs=1: this process)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool = None
        if jobs > 1:
            import multiprocessing
            import threading
            from concurrent.futures import ProcessPoolExecutor
            # Fork (instant: the workers inherit the imported model) when this process has
            # no other threads, where it is safe; otherwise a fork server that imports the
            # model once. Spawn would re-import everything in every worker.
            methods = multiprocessing.get_all_start_methods()
            if "fork" in methods and threading.active_count() == 1:
                ctx = multiprocessing.get_context("fork")
            elif "forkserver" in methods:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["experiments.sweep"])
            else:
                ctx = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(jobs, mp_context=ctx)

    @property
    def slots(self) -> int:
        return self.jobs

    def submit(self, fn, *args):
        if self.pool is None:
            from concurrent.futures import Future
            f = Future()
            f.set_result(fn(*args))
            return f
        return self.pool.submit(fn, *args)

    def wait_one(self, futures):
        from concurrent.futures import FIRST_COMPLETED, wait
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return done

    def close(self, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class DaskExecutor:
    """A dask.distributed cluster: ``tcp://HOST:PORT`` or ``local:N`` (a LocalCluster)."""

    def __init__(self, address: str) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise SweepError("--scheduler needs dask.distributed: pip install 'dask[distributed]'") from None
        self.cluster = None
        if address.startswith("local:"):
            try:
                n = int(address.split(":", 1)[1])
            except ValueError:
                n = 0
            if n <= 0:
                raise SweepError(f"--scheduler {address}: expected local:N with N > 0 workers")
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=None, host="127.0.0.1")
            self.client = Client(self.cluster)
        else:
            if not address.startswith("tcp://"):
                raise SweepError(f"--scheduler {address!r}: expected tcp://HOST:PORT or local:N")
            try:
                self.client = Client(address, timeout="5s")
            except (OSError, TimeoutError) as exc:
                raise SweepError(f"--scheduler {address}: cannot reach the scheduler "
                                 f"({type(exc).__name__})") from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    @property
    def slots(self) -> int:
        return self.workers

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def wait_one(self, futures):
        from dask.distributed import wait
        res = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(res.done)

    def close(self, cancel: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@dataclass
class SweepResult:
    total: int
    done: int
    failed: int
    status: str        # complete, interrupted
    seconds: float


def batch_size(n_runs: int) -> int:
    """Runs per batch (and per part file): about 1% of the sweep, between 10 and 100."""
    return max(10, min(100, n_runs // 100))


def run_sweep(spec: SweepSpec, root: Path, executor, manifest: dict, resume: bool,
              progress: bool = True) -> SweepResult:
    """Run every run of ``spec`` not yet in the store at ``root``; merge at the end.

    Runs go in batches aligned to fixed run-id boundaries (``manifest["batch_size"]``); a
    batch is stored as one part as soon as it finishes, in any order, so a resume finds
    whole batches done or missing, and the merge (sorted by run id) is always the same.
    """
    store = Store(root, spec)
    store.create()               # (again on resume: harmless, and restores a lost parts/)
    if resume:
        store.tidy()
    done_ids, failed = store.done()
    size = manifest.setdefault("batch_size", batch_size(spec.n_runs))
    batches = [[i for i in range(b, min(b + size, spec.n_runs)) if i not in done_ids]
               for b in range(0, spec.n_runs, size)]
    batches = [b for b in batches if b]
    manifest.update(status="running", runs_done=len(done_ids) - failed, runs_failed=failed)
    write_json(root / "manifest.json", manifest)
    spec_id = spec.identity()
    local_parts = str(store.parts) if isinstance(executor, LocalExecutor) else None
    bar = Progress(spec.n_runs, len(done_ids)) if progress else None
    t0 = last_write = time.monotonic()
    in_flight: dict = {}
    submitted = 0
    status = "interrupted"
    try:
        while submitted < len(batches) or in_flight:
            while submitted < len(batches) and len(in_flight) < 4 * executor.slots:
                fut = executor.submit(run_batch, spec_id,
                                      [spec.task(i) for i in batches[submitted]], local_parts)
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
        status = "complete"
    except KeyboardInterrupt:
        executor.close(cancel=True)
        raise
    finally:
        if bar:
            bar.close()
        if status != "complete":   # count what is really stored (an interrupt can land anywhere)
            ids, failed_now = store.done()
            manifest.update(runs_done=len(ids) - failed_now, runs_failed=failed_now)
        manifest.update(status=status, end=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        write_json(root / "manifest.json", manifest)
    store.remove_parts()
    return SweepResult(spec.n_runs, manifest["runs_done"], manifest["runs_failed"], status,
                       time.monotonic() - t0)


def new_manifest(spec: SweepSpec, argv: list[str]) -> dict:
    sets = list(spec.sets) + ([f"run.weeks={spec.weeks}"] if spec.weeks else [])
    sc = (scenarios.from_text(spec.scenario_text, spec.scenario, sets) if spec.scenario_text
          else scenarios.load(spec.scenario, sets))
    from model.parameters import to_dict
    return {"command": argv, "identity": spec.identity(), "scenario": spec.scenario,
            "parameters": to_dict(sc.params), "design": spec.design.to_dict(),
            "root_seed": spec.root_seed, "replicates": spec.replicates, "seeds": spec.seeds,
            "runs_total": spec.n_runs, "versions": versions(),
            "start": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "end": None,
            "runs_done": 0, "runs_failed": 0, "status": "running"}
