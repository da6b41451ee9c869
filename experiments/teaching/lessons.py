"""The counterfactual lessons: each shipped scenario that states a question, what to look for,
and the commands that compare it with its base scenario.

The sweeps go to their default folders (named by scenario and a hash of the design), so the
printed commands run as printed, again and again: a sweep that is already there is found
complete, and ``compare`` writes its report afresh.
"""

from __future__ import annotations

from experiments.runs.sweep import default_folder, make_spec
from model.scenarios import lessons

REPLICATES = 200


def lesson_lines(case: str | None = None) -> list[str]:
    """Every lesson (of ``case``: the lessons whose base it is) as printable lines."""
    lines = []
    for sc in (sc for sc in lessons() if case is None or sc.base == case):
        base = default_folder(make_spec(sc.base, REPLICATES, trajectories=True))
        mine = default_folder(make_spec(sc.name, REPLICATES, trajectories=True))
        lines += [f"{sc.name}: {sc.description}",
                  f"  question:     {sc.question}",
                  f"  look for:     {sc.look_for}",
                  f"  run:          python run.py sweep --scenario {sc.base} --replicates "
                  f"{REPLICATES} --trajectories",
                  f"                python run.py sweep --scenario {sc.name} --replicates "
                  f"{REPLICATES} --trajectories",
                  f"                python run.py compare results/sweeps/{base} "
                  f"results/sweeps/{mine} --out results/reports/{sc.name}",
                  ""]
    return lines
