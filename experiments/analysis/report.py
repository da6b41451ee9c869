"""A comparison report: figures plus report.md and report.html, readable on their own."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from experiments.analysis import plots
from experiments.analysis.compare import (Comparison, check_outcomes, compare, load_groups,
                                          summary_rows, terminal_table, test_rows)
from experiments.runs.store import read_manifest, read_runs

MAX_FAN_RUNS = 2000   # runs per group in a fan chart (a seeded subsample beyond this)


def start_date(sweep: Path) -> dt.date:
    m = read_manifest(sweep)
    return dt.date.fromisoformat(m["parameters"]["run"]["start_date"])


def trajectories(sweep: Path, run_ids: list[int], seed: int = 0) -> dict[str, np.ndarray] | None:
    """Weekly columns as runs x weeks arrays (NaN after a run ended), or None if not stored."""
    path = Path(sweep) / "trajectories.parquet"
    if not path.exists():
        return None
    if len(run_ids) > MAX_FAN_RUNS:
        run_ids = sorted(np.random.default_rng(seed).choice(run_ids, MAX_FAN_RUNS, replace=False))
    table = pq.read_table(path, filters=[("run_id", "in", list(map(int, run_ids)))])
    cols = [c for c in table.column_names if c not in ("run_id", "date")]
    rid = table.column("run_id").to_numpy()
    week = table.column("week").to_numpy()
    index = {r: i for i, r in enumerate(sorted(set(rid.tolist())))}
    n_weeks = int(week.max()) + 1 if len(week) else 0
    rows = np.array([index[r] for r in rid.tolist()], dtype=int)
    out = {}
    for c in cols:
        a = np.full((len(index), n_weeks), np.nan)
        a[rows, week] = table.column(c).to_numpy(zero_copy_only=False).astype(float)
        out[c] = a
    out["week"] = np.arange(n_weeks)
    return out


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def make_figures(c: Comparison, out: Path) -> list[tuple[str, Path]]:
    """Every figure of the report: (caption, file)."""
    figs = []
    start = start_date(c.groups[0].sweep)
    fig_dir = out / "figures"
    for s in c.summaries:
        if s.kind == "time":
            figs.append((f"Time to {s.label}",
                         plots.survival_figure(s, start, fig_dir / f"survival-{s.outcome}.png")))
        elif s.kind == "amount":
            figs.append((f"Distribution of {s.label}",
                         plots.distribution_figure(s, fig_dir / f"distribution-{s.outcome}.png")))
    if any(s.kind == "binary" for s in c.summaries):
        figs.append(("Yes/no outcomes", plots.proportions_figure(c.summaries,
                                                                  fig_dir / "proportions.png")))
    for g in c.groups:
        traj = trajectories(g.sweep, [r["run_id"] for r in g.rows])
        if traj is not None:
            figs.append((f"Weekly trajectories: {g.label}",
                         plots.fan_chart(traj, start, g.label,
                                         fig_dir / f"fan-{_slug(g.label)}.png")))
    for g in c.groups:
        ev_path = g.sweep / "events.parquet"
        if not ev_path.exists():
            continue
        ids = [r["run_id"] for r in g.rows]
        table = pq.read_table(ev_path, columns=["run_id", "week", "event"])
        table = table.filter(pc.is_in(table.column("run_id"), value_set=pa.array(ids)))
        table = table.filter(pc.invert(pc.is_in(table.column("event"), value_set=pa.array(
            ["promise_made", "promise_kept", "promise_broken"]))))
        n_weeks = max(r["weeks_run"] for r in g.rows)
        figs.append((f"Events across runs: {g.label}",
                     plots.event_raster(table.column("week").to_numpy(),
                                        table.column("event").to_pylist(),
                                        table.column("run_id").to_numpy(), len(ids), n_weeks,
                                        start, fig_dir / f"events-{_slug(g.label)}.png",
                                        f"Events across runs ({g.label}): share of runs with "
                                        f"the event that week")))
    return figs


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r.replace("|", "\\|") for r in row) + " |" for row in rows]
    return out


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{html.escape(x)}</th>" for x in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def write_report(c: Comparison, out: Path, command: str) -> tuple[Path, Path]:
    """Write report.md and report.html (with their figures) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    figs = make_figures(c, out)
    groups = [[g.label, str(g.sweep), str(len(g.rows))] for g in c.groups]
    pairing = ("Runs are paired replicate by replicate (the groups share seeds: common random "
               "numbers), so paired tests are used (Wilcoxon signed-rank, McNemar)."
               if c.paired else "Runs are not paired, so two-sample tests are used "
               "(Mann-Whitney U, Fisher's exact test).")
    intro = ("Time-to-event outcomes treat runs without the event as right-censored at their "
             "last week (Kaplan-Meier); medians of counts and amounts carry 95% bootstrap "
             "intervals; shares carry 95% Wilson intervals. P-values are adjusted for multiple "
             "comparisons with the Benjamini-Hochberg false discovery rate.")
    sum_head = ["outcome (unit)", "group", "runs", "estimate [95% interval]"]
    test_head = ["outcome", "groups", "test", "p", "p (FDR-adjusted)", "effect"]
    md = ["# Comparison report", "", f"Command: `{command}`", "", "## Groups", "",
          *_md_table(["group", "sweep", "runs"], groups), "", pairing, "", intro, "",
          "## Outcomes by group", "", *_md_table(sum_head, summary_rows(c)), "",
          "## Tests between groups", "", *_md_table(test_head, test_rows(c)), "",
          "## Figures", ""]
    for cap, path in figs:
        md += [f"### {cap}", "", f"![{cap}]({path.relative_to(out).as_posix()})", ""]
    md_path = out / "report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    fig_html = "".join(f"<h3>{html.escape(cap)}</h3><img src='{path.relative_to(out).as_posix()}'"
                       f" alt='{html.escape(cap)}'>" for cap, path in figs)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Comparison report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}}
table{{border-collapse:collapse;margin:1em 0;font-size:90%}}td,th{{border:1px solid #ccc;
padding:3px 8px;text-align:left}}img{{max-width:100%}}code{{background:#f4f4f4}}</style>
</head><body><h1>Comparison report</h1><p>Command: <code>{html.escape(command)}</code></p>
<h2>Groups</h2>{_html_table(["group", "sweep", "runs"], groups)}<p>{html.escape(pairing)}</p>
<p>{html.escape(intro)}</p><h2>Outcomes by group</h2>{_html_table(sum_head, summary_rows(c))}
<h2>Tests between groups</h2>{_html_table(test_head, test_rows(c))}<h2>Figures</h2>{fig_html}
</body></html>"""
    html_path = out / "report.html"
    html_path.write_text(page, encoding="utf-8")
    return md_path, html_path


def response_figures(sweep: Path, outcomes: list[str], out: Path) -> list[tuple[str, Path]]:
    """Each outcome against each varied parameter of a grid sweep (a heat map for two)."""
    from experiments.analysis.sensitivity import outcome_value
    from experiments.analysis.compare import AMOUNTS, BINARY, TIME_TO_EVENT
    m = read_manifest(sweep)
    factors = [f["path"] for f in m["design"]["factors"]]
    table = read_runs(sweep)
    if not factors or table is None:
        return []
    rows = [r for r in table.to_pylist() if r["status"] == "ok"]
    figs = []
    for outcome in outcomes:
        label = (f"{TIME_TO_EVENT[outcome][0]} week (censored at the horizon)"
                 if outcome in TIME_TO_EVENT else
                 f"{AMOUNTS[outcome][0]} ({AMOUNTS[outcome][1]})" if outcome in AMOUNTS
                 else f"{BINARY[outcome][0]} (share)")
        for param in factors:
            values = sorted({r[param] for r in rows}, key=lambda v: (isinstance(v, str), v))
            if len(values) < 2 or len(values) > 50:
                continue
            data = [np.array([outcome_value(r, outcome) for r in rows if r[param] == v])
                    for v in values]
            figs.append((f"{label} against {param}",
                         plots.response_figure(values, data, param, label,
                                               out / "figures" / f"response-{outcome}-{_slug(param)}.png",
                                               binary=outcome in BINARY)))
        if len(factors) == 2 and m["design"]["kind"] == "grid":
            px, py = factors
            xs = sorted({r[px] for r in rows}, key=lambda v: (isinstance(v, str), v))
            ys = sorted({r[py] for r in rows}, key=lambda v: (isinstance(v, str), v))
            grid = np.full((len(ys), len(xs)), np.nan)
            for i, yv in enumerate(ys):
                for j, xv in enumerate(xs):
                    v = [outcome_value(r, outcome) for r in rows if r[px] == xv and r[py] == yv]
                    if v:
                        grid[i, j] = np.median(v) if outcome not in BINARY else np.mean(v)
            figs.append((f"{label} over {px} and {py}",
                         plots.heatmap_figure(xs, ys, grid, px, py, label,
                                              out / "figures" / f"heatmap-{outcome}.png",
                                              "share" if outcome in BINARY else "median")))
    return figs


def compare_report(dirs: list[Path], by: str | None, outcomes: list[str] | None, out: Path,
                   command: str) -> tuple[list[str], Path, Path]:
    """Compare the groups of ``dirs`` (split ``by`` a varied parameter): the terminal lines,
    and report.md + report.html with figures written into ``out``."""
    c = compare(load_groups([Path(d) for d in dirs], by), check_outcomes(outcomes))
    md, page = write_report(c, Path(out), command)
    return terminal_table(c), md, page


def plot_all(dirs: list[Path], by: str | None, outcomes: list[str] | None,
             out: Path) -> list[tuple[str, Path]]:
    """Every figure of one or more sweeps into ``out/figures``: (caption, path) pairs."""
    outcomes, dirs, out = check_outcomes(outcomes), [Path(d) for d in dirs], Path(out)
    figs = make_figures(compare(load_groups(dirs, by, minimum=1), outcomes), out)
    if len(dirs) == 1:
        figs += response_figures(dirs[0], outcomes, out)
    return figs
