"""The counterfactual lessons: each shipped scenario that states a question, what to look for,
and the commands that compare it with its base scenario."""

from __future__ import annotations

from model.scenarios import lessons


def lesson_lines() -> list[str]:
    """Every lesson as printable lines."""
    lines = []
    for sc in lessons():
        lines += [f"{sc.name}: {sc.description}",
                  f"  question:     {sc.question}",
                  f"  look for:     {sc.look_for}",
                  f"  run:          python run.py sweep --scenario {sc.base} --replicates 200 "
                  f"--trajectories --out results/sweeps/{sc.base}",
                  f"                python run.py sweep --scenario {sc.name} --replicates 200 "
                  f"--trajectories --out results/sweeps/{sc.name}",
                  f"                python run.py compare results/sweeps/{sc.base} "
                  f"results/sweeps/{sc.name} --out results/reports/{sc.name}",
                  ""]
    return lines
