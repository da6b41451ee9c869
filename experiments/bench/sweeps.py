"""Sweep benchmark: throughput, speedup, peak memory, and Mesa's batch_run side by side.

    python run.py bench --sweep            (or python -m experiments.bench.sweeps)

Each measurement runs a sweep end to end in a fresh process (start-up, workers, writing the
store; the same engine as ``run.py sweep``), on the baseline scenario, 104 weeks per run:

- runs per second with 1 and 2 jobs (10,000 runs each, so that start-up and the final
  merge weigh little) and the speedup;
- peak memory with 1,000 and 10,000 runs (2 jobs): the coordinating process and the sum
  of its worker processes, sampled from /proc every 0.2 s;
- the wall time of 10,000 runs with 2 jobs (target: <= 3 minutes);
- ``mesa.batch_run`` on the same model, the same number of runs and processes, next to
  our sweep (target: faster than batch_run).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from model import StartupModel

ROOT = Path(__file__).resolve().parent.parent


class Measure(NamedTuple):
    label: str
    runs: int
    jobs: int
    seconds: float
    coordinator_mb: float
    worker_mb: float

    @property
    def rate(self) -> float:
        return self.runs / self.seconds


def _child(kind: str, runs: int, jobs: int, out: str) -> None:
    """Run one measured job in this (fresh) process and print its figures as JSON."""
    t0 = time.perf_counter()
    if kind == "sweep":
        from experiments.runs.sweep import make_spec, sweep
        # progress on standard error (a line every 10 s): the measured jobs take minutes
        res = sweep(make_spec("stability-ai", replicates=runs), out, jobs=jobs, progress=True)
        if res.failed or res.status != "complete":
            raise SystemExit(1)
    else:
        import mesa
        from experiments.runs.seeds import run_seeds
        # StartupModel's keyword form; the seeds as "rng", which both Mesa 3.3 and 3.5 pass on
        mesa.batch_run(StartupModel, {"scenario": "stability-ai", "rng": run_seeds(20221017, runs),
                                      "ceo.listening": 0.1},
                       number_processes=jobs, data_collection_period=-1, max_steps=104,
                       display_progress=False)
    seconds = time.perf_counter() - t0
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "coordinator_mb": me, "worker_mb": kids}))


def _tree_rss_mb(root_pid: int) -> tuple[float, float]:
    """(RSS of root_pid, summed RSS of all its descendants) in MB, from /proc."""
    parent, rss = {}, {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            parent[int(d.name)] = int(fields[1])
            rss[int(d.name)] = int(fields[21]) * resource.getpagesize() / 2**20
        except (OSError, IndexError, ValueError):
            continue
    kids, frontier = set(), {root_pid}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - kids
        kids |= frontier
    return rss.get(root_pid, 0.0), sum(rss.get(p, 0.0) for p in kids)


def measure(label: str, kind: str, runs: int, jobs: int) -> Measure:
    """Run one job in a fresh process; sample the RSS of it and its workers every 0.2 s."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([sys.executable, "-m", "experiments.bench.sweeps", "--child",
                                 kind, str(runs), str(jobs), str(Path(tmp) / "sweep")],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True)
        peak_self = peak_kids = 0.0
        while proc.poll() is None:
            me, kids = _tree_rss_mb(proc.pid)
            peak_self, peak_kids = max(peak_self, me), max(peak_kids, kids)
            time.sleep(0.2)
        out = proc.stdout.read()
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark job {label} failed ({proc.returncode})")
    fig = json.loads(out.strip().splitlines()[-1])
    return Measure(label, runs, jobs, fig["seconds"], max(peak_self, fig["coordinator_mb"]),
                   peak_kids)


def bench(small: int = 1000, large: int = 10000) -> list[Measure]:
    jobs = [("sweep, 1 job", "sweep", large, 1), ("sweep, 2 jobs", "sweep", large, 2),
            ("sweep, 2 jobs", "sweep", small, 2),
            ("mesa.batch_run, 2 processes", "batch_run", small, 2)]
    out = []
    for k, (label, kind, runs, n) in enumerate(jobs, 1):
        # a line per measurement: the whole benchmark takes minutes
        print(f"bench --sweep: {k}/{len(jobs)} {label}, {runs} runs ...", file=sys.stderr,
              flush=True)
        out.append(measure(label, kind, runs, n))
        print(f"bench --sweep: {k}/{len(jobs)} done in {out[-1].seconds:.0f} s",
              file=sys.stderr, flush=True)
    return out


def report(ms: list[Measure]) -> list[str]:
    import platform

    import mesa
    one, big, two, batch = ms
    lines = [f"sweep benchmark: baseline, 104 weeks per run (Mesa {mesa.__version__}, "
             f"Python {platform.python_version()})", "",
             f"{'job':32s} {'runs':>6s} {'jobs':>4s} {'seconds':>8s} {'runs/s':>7s} "
             f"{'coordinator MB':>14s} {'workers MB':>10s}"]
    for m in ms:
        lines.append(f"{m.label:32s} {m.runs:>6d} {m.jobs:>4d} {m.seconds:>8.1f} {m.rate:>7.1f} "
                     f"{m.coordinator_mb:>14.0f} {m.worker_mb:>10.0f}")
    peak_small = two.coordinator_mb + two.worker_mb
    peak_big = big.coordinator_mb + big.worker_mb
    lines += ["",
              f"2-job speedup ({big.runs} runs):        {big.rate / one.rate:.2f}x   (target >= 1.7x)",
              f"{big.runs} runs with 2 jobs:              {big.seconds:.0f} s    (target <= 180 s)",
              f"peak memory {big.runs} vs {two.runs} runs:       {peak_big:.0f} MB vs "
              f"{peak_small:.0f} MB = {peak_big / peak_small:.2f}x (target <= 1.5x)",
              f"sweep vs batch_run ({two.runs} runs, 2 processes): {two.seconds:.1f} s vs "
              f"{batch.seconds:.1f} s = {batch.seconds / two.seconds:.2f}x faster"]
    return lines


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        small = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
        large = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
        print("\n".join(report(bench(small, large))))
