"""Sweeps that grow: ``sweep --replicates N --resume`` on a sweep of fewer replicates runs
only the new replicates and ends byte-identical to a fresh sweep of N (replicate k keeps its
seed: common random numbers are kept), whatever the worker count, whether the smaller sweep
had finished or was stopped part way, and from the default folder.

Sweeps here are tiny (2 points x 2 or 3 replicates, 30 weeks) and run in this process.
"""

import errno
import json
import random
import shutil

import pyarrow.parquet as pq
import pytest

from conftest import cli, in_process
from experiments.runs import store as store_module
from experiments.runs import sweep as sweep_module
from experiments.runs.seeds import run_seeds
from experiments.runs.store import Store
from experiments.runs.sweep import batches, make_spec

ARGS = ["--vary", "ceo.listening=0.2,0.8", "--weeks", 30, "--seed", 4, "--trajectories",
        "--no-progress"]
TABLES = ("runs.parquet", "events.parquet", "trajectories.parquet")
TIMES = ("command", "start", "end")       # what a grown manifest may (must) say differently


def sweep(out, replicates, *extra, results=None):
    """The sweep command in this process; with --jobs 2 as a command of its own (worker
    processes forked from a test process that has used pyarrow's threads could hang)."""
    args = ["sweep", *ARGS, "--replicates", replicates, *extra]
    args += ["--out", out] if out is not None else []
    if "--jobs" in extra and str(extra[extra.index("--jobs") + 1]) != "1":
        assert results is None
        r = cli(*args)
    else:
        r = in_process(*args, **({"results": results} if results else {}))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return r


def manifest(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def assert_same_store(a, b):
    assert sorted(p.name for p in a.iterdir()) == sorted(["manifest.json", *TABLES])
    for t in TABLES:
        assert (a / t).read_bytes() == (b / t).read_bytes(), t
    ma, mb = manifest(a), manifest(b)
    assert {k: v for k, v in ma.items() if k not in TIMES} == \
        {k: v for k, v in mb.items() if k not in TIMES}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A fresh sweep of 3 replicates, one process."""
    out = tmp_path_factory.mktemp("fresh") / "s"
    sweep(out, 3, "--jobs", 1)
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A finished sweep of 2 replicates (each test grows its own copy)."""
    out = tmp_path_factory.mktemp("small") / "s"
    sweep(out, 2, "--jobs", 1)
    return out


@pytest.fixture
def copy(small, tmp_path):
    shutil.copytree(small, tmp_path / "s")
    return tmp_path / "s"


def spy_batches(monkeypatch) -> list[int]:
    """Record the run ids each batch runs (jobs 1 runs them in this process)."""
    ran = []
    real = sweep_module.run_batch

    def run_batch(spec_id, tasks, parts=None):
        ran.extend(t[0] for t in tasks)
        return real(spec_id, tasks, parts)

    monkeypatch.setattr(sweep_module, "run_batch", run_batch)
    return ran


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_finished_sweep_grown_is_byte_identical_to_a_fresh_one(copy, fresh, jobs,
                                                                monkeypatch):
    ran = spy_batches(monkeypatch) if jobs == 1 else None
    r = sweep(copy, 3, "--jobs", jobs, "--resume")
    assert "6 runs ok, 0 failed, of 6" in r.stdout
    assert_same_store(copy, fresh)
    if ran is not None:
        assert sorted(ran) == [4, 5]          # only the new replicate ran, once per point
    runs = pq.read_table(copy / "runs.parquet").to_pylist()
    seeds = run_seeds(4, 3)
    assert [(x["replicate"], x["point_id"]) for x in runs] == \
        [(k, p) for k in range(3) for p in range(2)]
    assert all(x["seed"] == seeds[x["replicate"]] for x in runs)   # common random numbers
    assert manifest(copy)["seeds"] == seeds and seeds[:2] == run_seeds(4, 2)


def test_grown_twice_and_resumed_when_complete(copy, fresh, tmp_path):
    """2 -> 3 replicates -> resumed at 3 (already complete, unchanged)."""
    sweep(copy, 3, "--resume", "--jobs", 1)
    before = {t: (copy / t).read_bytes() for t in TABLES}
    r = sweep(copy, 3, "--resume", "--jobs", 1)
    assert "already complete" in r.stdout
    assert {t: (copy / t).read_bytes() for t in TABLES} == before
    assert_same_store(copy, fresh)


def test_a_sweep_stopped_part_way_grows_to_the_same_bytes(fresh, tmp_path, monkeypatch):
    """A 2-replicate sweep stopped by a full disk after its first batch, then grown to 3."""
    out = tmp_path / "s"
    real, calls = pq.write_table, []

    def full_disk(table, where, *a, **kw):
        calls.append(where)
        if len(calls) > 3:                    # the first batch's three parts land
            raise OSError(errno.ENOSPC, "No space left on device", str(where))
        return real(table, where, *a, **kw)

    monkeypatch.setattr(store_module.pq, "write_table", full_disk)
    r = in_process("sweep", *ARGS, "--replicates", 2, "--jobs", 1, "--chunk-size", 2,
                   "--out", out)
    monkeypatch.undo()
    assert r.returncode == 2 and "No space left" in r.stderr, r.stderr
    assert manifest(out)["status"] == "interrupted"
    assert len(Store(out, make_spec(replicates=2, weeks=30)).stored_parts()) == 1
    sweep(out, 3, "--resume", "--jobs", 1)
    assert_same_store(out, fresh)


def test_growing_goes_on_after_a_crash_in_the_middle_of_growing(copy, fresh):
    """A crash right after the merged tables became parts again, before the manifest said
    so: growing again loses nothing and repeats nothing."""
    spec = make_spec("stability-ai", 3, ["ceo.listening=0.2,0.8"], seed=4, weeks=30,
                     trajectories=True)
    Store(copy, spec).unmerge()
    assert (copy / "parts" / "runs").is_dir() and manifest(copy)["replicates"] == 2
    sweep(copy, 3, "--resume", "--jobs", 1)
    assert_same_store(copy, fresh)


def test_the_default_folder_finds_the_smaller_sweep_and_grows_it(fresh, tmp_path):
    sweep(None, 2, "--jobs", 1, results=tmp_path)
    (first,) = (tmp_path / "sweeps").iterdir()
    r = sweep(None, 3, "--jobs", 1, results=tmp_path)       # no --resume needed: same folder
    assert [p.name for p in (tmp_path / "sweeps").iterdir()] == [first.name]
    assert str(first) in r.stdout
    assert_same_store(first, fresh)
    fewer = in_process("sweep", *ARGS, "--replicates", 2, results=tmp_path)
    assert fewer.returncode == 2 and fewer.stderr.count("\n") == 1, fewer.stderr
    assert fewer.stderr.startswith("error: --replicates 2:") and "holds 3" in fewer.stderr


def test_a_store_of_an_earlier_version_is_not_grown(copy):
    """Stores made before run ids went replicate by replicate cannot be grown (their ids
    would clash): refused in one line, nothing changed."""
    m = manifest(copy)
    del m["run_order"]
    (copy / "manifest.json").write_text(json.dumps(m, indent=2) + "\n")
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    r = in_process("sweep", *ARGS, "--replicates", 3, "--resume", "--out", copy)
    assert r.returncode == 2 and r.stderr.startswith("error:") and "earlier version" in r.stderr
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before


@pytest.mark.parametrize("seed", range(20))
def test_batches_are_unbroken_ranges_within_one_window(seed):
    """Whatever is stored already, each batch (one part file) is a run of consecutive ids
    inside one window of the batch size, so part names sort in run order."""
    rng = random.Random(seed)
    n, size = rng.randint(1, 300), rng.randint(1, 40)
    missing = sorted(rng.sample(range(n), rng.randint(0, n)))
    got = batches(missing, size)
    assert [i for b in got for i in b] == missing
    for b in got:
        assert b == list(range(b[0], b[-1] + 1))
        assert b[0] // size == b[-1] // size
