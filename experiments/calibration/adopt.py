"""Adopting a calibration: the weighted posterior medians of a finished calibration become the
shipped scenario's calibrated values (``model/scenarios/NAME.calibrated.toml``), each with
its 90% posterior interval and the command that made it as its source, so ``run.py params``
shows where every calibrated number comes from and how uncertain it is.

The same calibration folder (same seed, same settings) always gives the same file.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from importlib import resources
from pathlib import Path

from experiments.calibration.abc import gen_path, read_state
from experiments.calibration.report import point_estimate, posterior_summary
from model.scenarios import calibrated_name


def _fmt(v) -> str:
    return str(v) if isinstance(v, int) else f"{v:.6g}"


def calibrated_text(folder: Path, scenario: str, command: str) -> str:
    """The TOML text of the calibrated values of ``scenario`` from ``folder``."""
    folder = Path(folder)
    state = read_state(folder)
    values = point_estimate(folder)
    summary = posterior_summary(folder)
    n = state["settings"]["population"]
    seed = state["settings"]["seed"]
    sections: dict[str, list[str]] = defaultdict(list)
    for path in sorted(values):
        section, _, key = path.rpartition(".")
        _, lo, hi = summary[path]
        sections[section].append(
            f"{key} = {_fmt(values[path])}  # calibrated: ABC-SMC posterior median, 90% "
            f"interval [{lo:.3g}, {hi:.3g}] ({n} particles, seed {seed})")
    where = Path(os.path.relpath(folder.resolve(), Path.cwd().resolve())).as_posix()
    lines = [f"# Calibrated values of scenario '{scenario}': weighted posterior medians of the",
             f"# ABC-SMC posterior in {where}, written by",
             f"#     {command}",
             "# with each value's 90% posterior interval as its source. They override the",
             "# scenario file's own values (model/scenarios/__init__.py). Do not edit by hand:",
             "# calibrate again."]
    for section in sorted(sections):
        lines += ["", f"[{section}]"] + sections[section]
    return "\n".join(lines) + "\n"


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def posterior_files(folder: Path) -> list[str]:
    """The files of a calibration folder that :func:`experiments.calibration.report.draw`
    reads (its state and last complete generation), and the posterior particles, relative
    to the folder: enough to draw from the posterior without the other generations."""
    n = len(read_state(Path(folder))["generations"])
    last = gen_path(Path(folder), n - 1).relative_to(folder)
    return ["state.json", str(last), "particles.parquet"]


def adopt(folder: Path, scenario: str, command: str, docs: Path | None = None) -> list[Path]:
    """Write the calibrated values of shipped ``scenario`` from ``folder`` (atomically), and
    with ``docs`` a copy of the calibration's report, figures and tables there (the model
    description shows them: ``run.py docs``) and of its posterior in ``docs/posterior``
    (so that a fresh checkout can draw from it: ``--posterior``). Returns the files written."""
    folder = Path(folder)
    target = Path(str(resources.files("model.scenarios").joinpath(calibrated_name(scenario))))
    written = [_write(target, calibrated_text(folder, scenario, command).encode("utf-8"))]
    if docs is not None:
        docs = Path(docs)
        for name in ("screening.png", "posterior.png", "correlations.png", "screening.csv",
                     "predictive.csv"):
            if (folder / name).exists():
                written.append(_write(docs / name, (folder / name).read_bytes()))
        report = (folder / "report.md").read_text(encoding="utf-8")
        head = (f"Adopted with `{command}`; the calibrated values are in "
                f"`model/scenarios/{calibrated_name(scenario)}` and `python run.py params` "
                f"shows each with its 90% posterior interval.\n\n")
        report = report.replace("](", "](calibration/" + scenario + "/")   # links from docs/
        written.append(_write(docs / "summary.md", (head + report).encode("utf-8")))
        shipped = docs / "posterior"
        # the previous posterior's last generation may have another file name
        shutil.rmtree(shipped, ignore_errors=True)
        for name in posterior_files(folder):
            written.append(_write(shipped / name, (folder / name).read_bytes()))
    return written
