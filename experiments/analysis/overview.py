"""A short text summary of a stored sweep: its design, progress and outcome medians."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments.analysis.statistics import km_quantiles
from experiments.runs.store import read_manifest, read_runs


def _median(values) -> str:
    v = [x for x in values if x is not None]
    return f"{np.median(v):.3g}" if v else "-"


def describe_sweep(root: Path, max_points: int = 20) -> list[str]:
    root = Path(root)
    m = read_manifest(root)
    d = m["design"]
    factors = ", ".join(f["path"] + (f"={','.join(map(str, f['values']))}" if f["values"]
                                     else f"={f['lo']:g}:{f['hi']:g}") for f in d["factors"])
    lines = [f"sweep {root}: scenario '{m['scenario']}', status {m['status']}",
             f"  design: {d['kind']} over {factors or 'no varied parameters'}; "
             f"{len(d['points'])} points x {m['replicates']} replicates = {m['runs_total']} runs; "
             f"root seed {m['root_seed']} (common random numbers across points)",
             f"  progress: {m['runs_done']} ok, {m['runs_failed']} failed, "
             f"{m['runs_total'] - m['runs_done'] - m['runs_failed']} to go; started "
             f"{m['start']}, ended {m['end'] or '-'}",
             "  versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items())]
    table = read_runs(root)
    if table is None:
        return lines
    rows = table.to_pylist()
    paths = [f["path"] for f in d["factors"]]
    lines += ["", f"  {'point':>5s}  {'values':40s} {'ok':>5s}  {'CEO exit (KM median wk)':>23s}"
                  f"  {'out by wk 78':>12s}  {'exec deps':>9s}  {'raised $M':>9s}  {'insolvent':>9s}"]
    for pid, point in enumerate(d["points"][:max_points]):
        runs = [r for r in rows if r["point_id"] == pid and r["status"] == "ok"]
        if not runs:
            continue
        km = km_quantiles([r["ceo_exit_week"] if r["ceo_exit_week"] is not None
                           else r["weeks_run"] - 1 for r in runs],
                          [r["ceo_exit_week"] is not None for r in runs])
        out78 = np.mean([r["ceo_exit_week"] is not None and r["ceo_exit_week"] <= 78 for r in runs])
        values = ", ".join(f"{p.split('.')[-1]}={point[p]:.4g}" if isinstance(point[p], float)
                           else f"{p.split('.')[-1]}={point[p]}" for p in paths) or "-"
        lines.append(f"  {pid:>5d}  {values[:40]:40s} {len(runs):>5d}  "
                     f"{'-' if km.median is None else f'{km.median:g}':>23s}  {out78:>12.0%}  "
                     f"{_median([r['exec_departures'] for r in runs]):>9s}  "
                     f"{_median([r['total_raised'] / 1e6 for r in runs]):>9s}  "
                     f"{np.mean([r['insolvent_week'] is not None for r in runs]):>9.0%}")
    if len(d["points"]) > max_points:
        lines.append(f"  ... and {len(d['points']) - max_points} more points")
    return lines
