"""Does a mechanism carry weight? The same seeds run with the mechanism as it is and with it
switched off, compared pair by pair.

The colleague network is the mechanism the record says least about, so its ablation is
generated into the ODD (block ``network-SCENARIO``): departures and how they cluster among
colleagues in time (Knox's statistic, :func:`model.network.departure_clustering`), with the
network as calibrated, without peer influence and without ties.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from experiments.analysis.validate import DEFAULT_ROOT_SEED
from experiments.runs.runner import finished_runs, load_scenario
from experiments.runs.seeds import run_seeds
from model.network import CLUSTER_WINDOW_WEEKS, departure_clustering

NETWORK_VARIANTS = {
    "as calibrated": (),
    "no peer influence": ("workforce.contagion_shock=0", "workforce.follow_prob=0"),
    "no trust shock (asks to follow only)": ("workforce.contagion_shock=0",),
    "no ties": ("workforce.ties=0",),
}


class NetworkRow(NamedTuple):
    variant: str
    departures: float          # mean resignations per run other than normal turnover
    departures_diff: float     # mean paired difference from the first variant
    departures_se: float       # its standard error
    clustering: float | None   # pooled Knox ratio: observed / expected tied close pairs
    excess: float              # mean observed − expected tied close pairs per run
    excess_diff: float         # mean paired difference of ``excess`` from the first variant
    excess_se: float


def _per_run(model) -> tuple[int, int, float]:
    c = departure_clustering(model.leavers)
    left = sum(1 for e in model.events if e.event == "departure" and e.cause != "normal turnover")
    return left, c.observed, c.expected


def network_ablation(scenario: str, n_seeds: int = 200, root_seed: int = DEFAULT_ROOT_SEED,
                     variants: dict[str, tuple[str, ...]] = NETWORK_VARIANTS) -> list[NetworkRow]:
    """Each variant over the same ``n_seeds`` seeds; differences are paired by seed and
    taken from the first variant."""
    seeds = run_seeds(root_seed, n_seeds)
    per_variant = {}
    for label, sets in variants.items():
        rows = [_per_run(m) for m in finished_runs(load_scenario(scenario, sets), seeds)]
        per_variant[label] = np.array(rows, float)
    first = next(iter(per_variant.values()))

    def paired(a, b):
        d = a - b
        return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0

    out = []
    for label, x in per_variant.items():
        left, observed, expected = x[:, 0], x[:, 1], x[:, 2]
        excess, first_excess = observed - expected, first[:, 1] - first[:, 2]
        d_left, se_left = paired(first[:, 0], left)
        d_ex, se_ex = paired(first_excess, excess)
        out.append(NetworkRow(label, float(left.mean()), d_left, se_left,
                              float(observed.sum() / expected.sum()) if expected.sum() else None,
                              float(excess.mean()), d_ex, se_ex))
    return out


def network_markdown(rows: list[NetworkRow], scenario: str, n_seeds: int, root_seed: int) -> str:
    """The ablation as a Markdown table (``python run.py docs`` writes it into the ODD)."""
    first = rows[0].variant
    out = [f"{n_seeds} seeds of `{scenario}` (root seed {root_seed}), the same seeds in every "
           f"row. *Departures*: resignations of executives and researchers other than normal "
           f"turnover, per run. *Clustering*: Knox's ratio of tied colleagues' pairs of "
           f"departures 1–{CLUSTER_WINDOW_WEEKS} weeks apart, observed over expected if the "
           f"weeks were shuffled among the leavers, pooled over runs; *excess*: observed − "
           f"expected per run. Differences are '{first}' minus the row, paired by seed "
           f"(± one standard error).", "",
           "| variant | departures | difference | clustering | excess | difference |",
           "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        same = r.variant == first
        undefined = r.clustering is None      # no tied leavers: clustering means nothing
        out.append(f"| {r.variant} | {r.departures:.1f} | "
                   f"{'' if same else f'{r.departures_diff:+.1f} ± {r.departures_se:.1f}'} | "
                   f"{'–' if undefined else f'{r.clustering:.2f}'} | "
                   f"{'–' if undefined else f'{r.excess:.1f}'} | "
                   f"{'' if same or undefined else f'{r.excess_diff:+.1f} ± {r.excess_se:.1f}'} |")
    return "\n".join(out) + "\n"
