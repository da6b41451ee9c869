"""Generated parts of the model description: blocks between markers are replaced by fresh
results, everything else is left as it is."""

from experiments.analysis.facts import load_facts
from experiments.analysis.odd import facts_markdown, update
from experiments.analysis.validate import validate
from model import load


def test_only_the_marked_blocks_are_replaced(tmp_path):
    doc = tmp_path / "ODD.md"
    doc.write_text("# Title\nkept text\n<!-- generated: a -->\nold a\n<!-- end generated: a -->\n"
                   "between\n<!-- generated: b -->\nold b\n<!-- end generated: b -->\ntail\n",
                   encoding="utf-8")
    done = update(doc, {"a": "new a\nline 2", "c": "unused"})
    text = doc.read_text(encoding="utf-8")
    assert done == ["a"]
    assert "new a\nline 2\n<!-- end generated: a -->" in text
    assert "old a" not in text and "old b" in text          # b had no new text: unchanged
    assert text.startswith("# Title\nkept text\n") and text.endswith("tail\n")


def test_the_validation_block_lists_fitted_and_held_back_facts_with_their_results():
    facts = load_facts("stability-ai")
    results = validate(load("stability-ai"), 20, 7, facts)
    text = facts_markdown(results, 20, 7, "stability-ai")
    assert "--seeds 20" in text and "root seed 7" in text
    fit_at, check_at = text.index("Fitted facts"), text.index("Held-back facts")
    for r in results:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{r.id}` |"))
        assert ("PASS" if r.passed else "FAIL") in row
        assert (text.index(row) < check_at) == (r.use == "fit")
    assert fit_at < check_at
    n_fit = sum(r.use == "fit" for r in results)
    passed_fit = sum(r.passed for r in results if r.use == "fit")
    assert f"{passed_fit} of {n_fit} pass" in text


def test_the_network_ablation_pairs_seeds_and_marks_undefined_clustering():
    from experiments.analysis.ablation import network_ablation, network_markdown
    rows = network_ablation("stability-ai", 8, 3, {"as is": (), "again": (),
                                                   "no ties": ("workforce.ties=0",)})
    same, again, no_ties = rows
    # the same seeds in every row: a repeat of the first variant differs by exactly nothing
    assert again.departures_diff == 0.0 and again.excess_diff == 0.0 and again.departures_se == 0.0
    assert again.clustering == same.clustering and same.clustering is not None
    assert no_ties.clustering is None and no_ties.excess == 0.0
    text = network_markdown(rows, "stability-ai", 8, 3)
    row = next(line for line in text.splitlines() if line.startswith("| no ties |"))
    assert row.count("–") == 2 and "8 seeds" in text and "root seed 3" in text


def test_departure_causes_count_every_departure_of_the_role_before_the_week():
    from experiments.analysis.causes import causes_markdown, departure_causes
    from experiments.runs.runner import simulate
    from experiments.runs.seeds import run_seeds
    rows, n = departure_causes("stability-ai", "researcher", 40, 5, 3)
    expected = sum(1 for s in run_seeds(3, 5) for e in simulate(load("stability-ai"), s).events
                   if e.event == "departure" and e.role == "researcher" and e.week < 40)
    assert n == 5 and sum(r.departures for r in rows) == expected > 0
    assert [r.departures for r in rows] == sorted((r.departures for r in rows), reverse=True)
    assert abs(sum(r.share for r in rows) - 1.0) < 1e-9
    text = causes_markdown(rows, "stability-ai", "researcher", 40, n, 3)
    assert f"({expected} departures" in text and text.count("\n| ") == len(rows) + 2   # header, rule, rows


def test_the_crosstab_of_two_yes_no_facts_counts_each_run_once_by_its_two_values():
    from experiments.analysis.causes import crosstab_markdown, fact_crosstab
    from experiments.analysis.facts import load_facts
    from experiments.runs.runner import simulate
    from experiments.runs.seeds import run_seeds
    facts = {f.id: f for f in load_facts("stability-ai")}
    gone, first = facts["core_team_gone_by_sd3"], facts["core_team_before_founder"]
    table = fact_crosstab("stability-ai", gone, first, 12, 3)
    assert sum(table.values()) == 12
    # the rows' totals from the model's own record of the week the core team was gone
    weeks = [simulate(load("stability-ai"), s).core_team_departed_week for s in run_seeds(3, 12)]
    early = sum(w is not None and w <= gone.by_week for w in weeks)
    assert table[True, True] + table[True, False] == early
    assert table[False, True] + table[False, False] == 12 - early
    text = crosstab_markdown(table, gone, first, "stability-ai", 12, 3)
    both = table[gone.observed, first.observed]
    assert f"on both: {both} of 12" in text and text.count("(as in the record)") == 2


def test_the_posterior_block_shows_each_fact_at_the_point_and_over_the_draws():
    from experiments.analysis.odd import posterior_markdown
    sc = load("stability-ai")
    facts = load_facts("stability-ai")
    point = validate(sc, 10, 7, facts)
    # parameter sets under which nobody's trust ever falls below their threshold
    loyal = [{"workforce.threshold_mean": 0.0, "workforce.threshold_sd": 0.0}] * 10
    over = validate(sc, 10, 7, facts, loyal)
    text = posterior_markdown([("stability-ai", point, over, ["x.y"])], "some/dir", 10, 7)
    assert "--posterior some/dir" in text and "root seed 7" in text
    for a, b in zip(point, over):
        (row,) = [line for line in text.splitlines() if f"| `{a.id}` |" in line]
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[3].startswith("PASS" if a.passed else "FAIL")
        assert cells[4].startswith("PASS" if b.passed else "FAIL")
    (exec_row,) = [line for line in text.splitlines() if "| `exec_departures` |" in line]
    assert exec_row.split("|")[4] != exec_row.split("|")[5]   # the draws changed the result
    assert (f"stability-ai {sum(r.passed for r in point)} / {sum(r.passed for r in over)} "
            f"of {len(point)}") in text
    assert "`x.y`" in text


def test_the_odd_parameter_tables_show_the_scenario_values():
    """Every hand-written ODD table row that ends in a parameter's value (`| `path` | ... |
    value |`) shows the baseline's value, from the scenario file or its calibration: a
    changed input must not leave a stale number in the model description."""
    import re
    import tomllib
    from pathlib import Path
    from model import scenarios
    from model.parameters import to_dict
    root = Path(__file__).resolve().parents[1]
    calibrated = to_dict(scenarios.load("stability-ai").params)
    written = tomllib.loads((root / "model" / "scenarios" / "stability-ai.toml").read_text("utf-8"))

    def leaf(tree, path):
        for key in path.split("."):
            if not isinstance(tree, dict) or key not in tree:
                return None
            tree = tree[key]
        return tree if isinstance(tree, int | float) and not isinstance(tree, bool) else None

    rows, stale = 0, []
    for n, line in enumerate((root / "docs" / "ODD.md").read_text("utf-8").splitlines(), 1):
        m = re.match(r"\| `([a-z_]+\.[a-z_.]+)` \|.*\| (-?[0-9][0-9.e+-]*) \|\s*$", line)
        if not m:
            continue
        values = [v for v in (leaf(written, m[1]), leaf(calibrated, m[1])) if v is not None]
        if not values:
            continue
        rows += 1
        if not any(abs(float(m[2]) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            stale.append(f"line {n}: {m[1]} = {m[2]}, scenario {values}")
    assert rows >= 50, rows          # the tables were found
    assert not stale, "\n".join(stale)
