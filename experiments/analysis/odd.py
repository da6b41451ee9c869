"""Generated parts of the model description (``docs/ODD.md``), so its results are never
pasted by hand: ``python run.py docs`` runs the validation of every scenario that has facts
and copies the adopted calibration summary into the blocks marked

    <!-- generated: NAME -->
    ...
    <!-- end generated: NAME -->

Blocks: ``validation-SCENARIO`` (the facts table, fitted and held-back facts apart),
``calibration-SCENARIO`` (the summary written by ``run.py calibrate --adopt`` into
``docs/calibration/SCENARIO/summary.md``) and ``network-REFERENCE`` (the colleague
network's ablation on the reference case, :mod:`experiments.analysis.ablation`) and
``core-causes-REFERENCE`` (why the core researchers leave before Stable Diffusion 3 ships,
:mod:`experiments.analysis.causes`) and ``core-crosstab-REFERENCE`` (the two held-back facts
about the core team, run by run) and ``posterior-validation`` (every case's facts judged at
the calibrated point and over the shipped posterior of the reference case) and
``founder-exits`` (how the founder leaves office in every case). Text outside the blocks is
left as it is.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from experiments.analysis.ablation import network_ablation, network_markdown
from experiments.analysis.causes import (causes_markdown, crosstab_markdown, departure_causes,
                                         fact_crosstab, founder_exit_route, routes_markdown)
from experiments.analysis.facts import (FactResult, evaluate, has_own_facts, load_facts,
                                        run_statistics)
from experiments.analysis.validate import DEFAULT_ROOT_SEED, validate
from experiments.runs.runner import finished_runs, load_scenario
from experiments.runs.seeds import run_seeds
from model.overrides import DEFAULT_SCENARIO

BLOCK = re.compile(r"(<!-- generated: (?P<name>[A-Za-z0-9_.\-]+) -->\n)(?P<body>.*?)"
                   r"(<!-- end generated: (?P=name) -->)", re.S)


def _cell(x, unit: str) -> str:
    if x is None:
        return "–"
    if unit == "share":
        return f"{x:.2f}"
    return f"{x:,.1f}" if unit in ("$M", "$B") else f"{x:g}"


def facts_markdown(results: list[FactResult], n_seeds: int, root_seed: int,
                   scenario: str) -> str:
    """The validation of ``scenario`` as Markdown: fitted and held-back facts apart."""
    out = [f"`python run.py validate --scenario {scenario} --seeds {n_seeds}` (root seed "
           f"{root_seed}):", ""]
    for use, title in (("fit", "Fitted facts (used by the calibration)"),
                       ("check", "Held-back facts (never used to fit; checked afterwards)")):
        rows = [r for r in results if r.use == use]
        if not rows:
            continue
        passed = sum(1 for r in rows if r.passed)
        out += [f"**{title}: {passed} of {len(rows)} pass.**", "",
                "| fact | documented | result | value [interval] | rule |",
                "| --- | --- | --- | --- | --- |"]
        for r in rows:
            interval = (f" [{_cell(r.lo, r.unit)}, {_cell(r.hi, r.unit)}]"
                        if r.lo is not None or r.hi is not None else "")
            out.append(f"| `{r.id}` | {r.what} | {'PASS' if r.passed else 'FAIL'} | "
                       f"{_cell(r.value, r.unit)}{interval} {r.unit} | {r.rule} |")
        out.append("")
    return "\n".join(out)


def _verdict(r: FactResult) -> str:
    return f"{'PASS' if r.passed else 'FAIL'} {_cell(r.value, r.unit)}"


def posterior_markdown(cases: list[tuple[str, list[FactResult], list[FactResult], list[str]]],
                       folder: str, n_seeds: int, root_seed: int) -> str:
    """Each case's facts at the calibrated point and over the posterior, side by side;
    ``cases``: (scenario, point results, posterior results, paths kept as the case's own)."""
    out = [f"`python run.py validate --scenario NAME --seeds {n_seeds}` (root seed {root_seed}), "
           f"without and with `--posterior {folder}` (run k takes the k-th of {n_seeds} "
           f"parameter sets drawn from the posterior):", "",
           "| case | fact | use | at the calibrated point | over the posterior |",
           "| --- | --- | --- | --- | --- |"]
    notes = []
    for name, point, over, kept in cases:
        for a, b in zip(point, over):
            out.append(f"| {name} | `{a.id}` | {'fitted' if a.use == 'fit' else 'held back'} | "
                       f"{_verdict(a)} | {_verdict(b)} |")
        if kept:
            notes.append(f"`{name}` draws {', '.join(f'`{k}`' for k in kept)} from its own "
                         f"distributions (company inputs), not from the posterior.")
    totals = ["", "Passing, at the point / over the posterior: " + "; ".join(
        f"{name} {sum(r.passed for r in point)} / {sum(r.passed for r in over)} of {len(point)}"
        for name, point, over, _ in cases) + "."]
    return "\n".join(out + totals + ([""] + notes if notes else [])) + "\n"


def generated_blocks(root: Path, n_seeds: int = 200, root_seed: int = DEFAULT_ROOT_SEED,
                     posterior: tuple[str, list[dict]] | None = None) -> dict[str, str]:
    """Every block's new text, by block name; ``posterior``: (the folder, ``n_seeds``
    parameter sets drawn from it) for the block that judges every case over it."""
    from model.scenarios import names
    blocks = {}
    draws = posterior[1] if posterior else None
    over_posterior, routes = [], {}
    for name in names():
        if not has_own_facts(name):
            continue                      # counterfactuals are checked against their base's facts
        facts = load_facts(name)
        sc = load_scenario(name)
        # one pass over the runs: the facts' statistics and how each founder left office
        stats, routes[name] = [], Counter()
        for model in finished_runs(sc, run_seeds(root_seed, n_seeds)):
            stats.append(run_statistics(model, facts))
            routes[name][founder_exit_route(model)] += 1
        point = evaluate(facts, stats)
        blocks[f"validation-{name}"] = facts_markdown(point, n_seeds, root_seed, name)
        if draws is not None:
            kept = sorted(set(draws[0]) & set(sc.distributions))
            own = [{k: v for k, v in d.items() if k not in kept} for d in draws]
            over_posterior.append((name, point, validate(sc, n_seeds, root_seed, facts, own),
                                   kept))
        summary = root / "docs" / "calibration" / name / "summary.md"
        if summary.exists():           # its headings go below the ODD's own section levels
            text = summary.read_text(encoding="utf-8")
            text = re.sub(r"^(#+) ", lambda m: "#" * min(6, len(m.group(1)) + 3) + " ", text,
                          flags=re.M)
            blocks[f"calibration-{name}"] = text.rstrip("\n") + "\n"
    blocks["founder-exits"] = routes_markdown(routes, n_seeds, root_seed)
    if over_posterior:
        blocks["posterior-validation"] = posterior_markdown(over_posterior, posterior[0],
                                                            n_seeds, root_seed)
    blocks[f"network-{DEFAULT_SCENARIO}"] = network_markdown(
        network_ablation(DEFAULT_SCENARIO, n_seeds, root_seed), DEFAULT_SCENARIO, n_seeds,
        root_seed)
    # why the core team leaves before the week of the reference case's fact about it
    reference_facts = load_facts(DEFAULT_SCENARIO)
    core = next((f for f in reference_facts
                 if f.event is not None and "core_team_departed" in f.event.kinds),
                None)
    if core is not None and core.by_week is not None:
        rows, n = departure_causes(DEFAULT_SCENARIO, "core researcher", core.by_week + 1,
                                   n_seeds, root_seed)
        blocks[f"core-causes-{DEFAULT_SCENARIO}"] = causes_markdown(
            rows, DEFAULT_SCENARIO, "core researcher", core.by_week + 1, n, root_seed)
        # ... and whether the core team's order fact passes for the record's reason
        order = next((f for f in reference_facts if f.statistic == "order"
                      and "core_team_departed" in f.first.kinds), None)
        if order is not None:
            blocks[f"core-crosstab-{DEFAULT_SCENARIO}"] = crosstab_markdown(
                fact_crosstab(DEFAULT_SCENARIO, core, order, n_seeds, root_seed), core, order,
                DEFAULT_SCENARIO, n_seeds, root_seed)
    return blocks


def update(path: Path, blocks: dict[str, str]) -> list[str]:
    """Replace the marked blocks of the file at ``path``; returns the names replaced."""
    text = Path(path).read_text(encoding="utf-8")
    done = []

    def put(m):
        name = m.group("name")
        if name not in blocks:
            return m.group(0)
        done.append(name)
        return m.group(1) + blocks[name].rstrip("\n") + "\n" + m.group(4)

    new = BLOCK.sub(put, text)
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)
    return done
