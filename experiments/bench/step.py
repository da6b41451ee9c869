"""Benchmark: one baseline run over its horizon, next to a trivial Mesa agent loop (the floor).

    python run.py bench [--runs 40]     (or python -m experiments.bench.step)

Reports the median wall time of a baseline run, its cost per agent-week, and the same for
a Mesa model with as many agents doing nothing but ``shuffle_do('step')`` for as many
weeks, in the same process; the ratio says how far the model is above the framework floor.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import NamedTuple

import mesa

from experiments.runs.runner import forget
from model import StartupModel, load


class _Idle(mesa.Agent):
    def step(self):
        self.x = 1


class _IdleModel(mesa.Model):
    def __init__(self, n: int, seed: int) -> None:
        super().__init__(rng=seed)
        _Idle.create_agents(self, n)

    def step(self):
        self.agents.shuffle_do("step")


class BenchResult(NamedTuple):
    runs: int
    median_run_ms: float
    agent_weeks: float          # mean agent-weeks simulated per baseline run
    us_per_agent_week: float
    floor_run_ms: float
    floor_us_per_agent_week: float
    ratio: float
    mesa_version: str
    weeks: int                  # the scenario's horizon


def bench(runs: int = 40, scenario: str = "stability-ai") -> BenchResult:
    params = load(scenario).params
    times, agent_weeks = [], []
    StartupModel(params, seed=0).run()      # warm-up (imports, caches)
    for seed in range(1, runs + 1):
        t0 = time.perf_counter()
        m = StartupModel(params, seed=seed)
        alive = 0
        while m.running:
            m.step()
            alive += len(m.agents)
        times.append(time.perf_counter() - t0)
        agent_weeks.append(alive)
        forget(m)
    n_agents = round(statistics.mean(agent_weeks) / params.run.weeks)
    floor = []
    for seed in range(1, runs + 1):
        t0 = time.perf_counter()
        fm = _IdleModel(n_agents, seed)
        for _ in range(params.run.weeks):
            fm.step()
        floor.append(time.perf_counter() - t0)
    med, fmed, aw = statistics.median(times), statistics.median(floor), statistics.mean(agent_weeks)
    return BenchResult(runs, med * 1e3, aw, med / aw * 1e6, fmed * 1e3,
                       fmed / (n_agents * params.run.weeks) * 1e6, med / fmed, mesa.__version__,
                       params.run.weeks)


def report(r: BenchResult) -> list[str]:
    return [
        f"benchmark: {r.runs} baseline runs of {r.weeks} weeks (Mesa {r.mesa_version}, "
        f"Python {sys.version.split()[0]})",
        f"  baseline run, median:        {r.median_run_ms:8.2f} ms   (target <= 25 ms)",
        f"  agent-weeks per run, mean:   {r.agent_weeks:8.0f}",
        f"  cost per agent-week:         {r.us_per_agent_week:8.2f} us",
        f"  trivial Mesa loop, median:   {r.floor_run_ms:8.2f} ms   "
        f"({r.floor_us_per_agent_week:.2f} us per agent-week)",
        f"  ratio model / floor:         {r.ratio:8.1f} x",
    ]


if __name__ == "__main__":
    print("\n".join(report(bench(int(sys.argv[1]) if len(sys.argv) > 1 else 40))))
