"""Writing a run's outputs: weekly.csv, events.csv and summary.json, atomically.

Files are written into a temporary directory beside the target and moved into place only
when all of them are complete, so an interrupted or failed write leaves nothing half-done.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

from experiments.runs.runner import simulate
from model.company import WEEKLY_COLUMNS
from model.outcomes import EVENT_COLUMNS, event_rows, summary, weekly_columns


def _fmt(v):
    return format(v, ".10g") if isinstance(v, float) else v


def write_run(model, scenario: str, seed: int, out: Path) -> dict:
    """Write the three output files of a finished run into ``out``; return the summary."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = summary(model, scenario, seed)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)   # mkdtemp makes it private; outputs get the usual mode
    try:
        cols = weekly_columns(model)
        names = list(WEEKLY_COLUMNS)
        with open(tmp / "weekly.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(names)
            for row in zip(*(cols[n] for n in names)):
                w.writerow([_fmt(v) for v in row])
        with open(tmp / "events.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(EVENT_COLUMNS)
            w.writerows(event_rows(model))
        with open(tmp / "summary.json", "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
            fh.write("\n")
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def simulate_to(scenario, seed: int, out: Path):
    """Run ``scenario`` once with ``seed`` and write its files into ``out``: (model, summary)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"--out {out}: exists and is not a directory")
    model = simulate(scenario, seed)
    return model, write_run(model, scenario.name, seed, out)
