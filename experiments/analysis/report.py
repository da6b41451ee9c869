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
from experiments.analysis import response as resp
from experiments.analysis.compare import (SIGNIFICANCE_NOTE, Comparison, SweepError,
                                          check_outcomes, compare, headline, load_groups,
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


def write_report(c: Comparison, out: Path, command: str,
                 outcomes: list[str] | None = None) -> tuple[Path, Path]:
    """Write report.md and report.html (with their figures) into ``out``; with ``outcomes``,
    a heat map of them when the groups come from one sweep that varied two parameters."""
    out.mkdir(parents=True, exist_ok=True)
    figs = make_figures(c, out)
    if outcomes and len({g.sweep for g in c.groups}) == 1:
        figs += heatmaps(c.groups[0].sweep, outcomes, out)
    groups = [[g.label, str(g.sweep), str(len(g.rows))] for g in c.groups]
    pairing = ("Runs are paired replicate by replicate (the groups share seeds: common random "
               "numbers), so paired tests are used (Wilcoxon signed-rank, McNemar)."
               if c.paired else "Runs are not paired, so two-sample tests are used "
               "(Mann-Whitney U, Fisher's exact test).")
    intro = ("Time-to-event outcomes treat runs without the event as right-censored at their "
             "last week (Kaplan-Meier), including runs that ended early; medians of counts "
             "and amounts carry 95% bootstrap intervals, and an amount that is zero in most "
             "runs is described by the share of runs above zero and its mean; shares carry "
             "95% Wilson intervals. Differences are each group minus the reference "
             f"({c.reference}); for amounts the difference of the two medians, with a "
             "bootstrap interval (paired runs resampled together). P-values are adjusted "
             "for multiple comparisons with the Benjamini-Hochberg false discovery rate.")
    sum_head = ["outcome (unit)", "group", "runs", "estimate [95% interval]"]
    test_head = ["outcome", "difference from the reference [95% interval]", "test", "p",
                 "p (FDR-adjusted)", "further test"]
    summary = headline(c)
    md = ["# Comparison report", "", "## Summary", "", summary[0], "", *summary[1:], "",
          SIGNIFICANCE_NOTE, "", f"Command: `{command}`", "", "## Groups", "",
          *_md_table(["group", "sweep", "runs"], groups), "", pairing, "", intro, "",
          "## Outcomes by group", "", *_md_table(sum_head, summary_rows(c)), "",
          "## Differences from the reference", "", *_md_table(test_head, test_rows(c)), "",
          "## Figures", ""]
    for cap, path in figs:
        md += [f"### {cap}", "", f"![{cap}]({path.relative_to(out).as_posix()})", ""]
    md_path = out / "report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    body = (f"<h2>Groups</h2>{_html_table(['group', 'sweep', 'runs'], groups)}"
            f"<p>{html.escape(pairing)}</p><p>{html.escape(intro)}</p>"
            f"<h2>Outcomes by group</h2>{_html_table(sum_head, summary_rows(c))}"
            f"<h2>Differences from the reference</h2>{_html_table(test_head, test_rows(c))}")
    html_path = _write_html(out, "Comparison report", summary, command, body, figs)
    return md_path, html_path


def _write_html(out: Path, title: str, summary: list[str], command: str, body: str,
                figs: list[tuple[str, Path]]) -> Path:
    """report.html: the summary first, then ``body`` (tables) and the figures."""
    fig_html = "".join(f"<h3>{html.escape(cap)}</h3><img src='{path.relative_to(out).as_posix()}'"
                       f" alt='{html.escape(cap)}'>" for cap, path in figs)
    items = "".join(f"<li>{html.escape(x[2:])}</li>" for x in summary[1:])
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}}
table{{border-collapse:collapse;margin:1em 0;font-size:90%}}td,th{{border:1px solid #ccc;
padding:3px 8px;text-align:left}}img{{max-width:100%}}code{{background:#f4f4f4}}</style>
</head><body><h1>{title}</h1><h2>Summary</h2><p>{html.escape(summary[0])}</p><ul>{items}</ul>
<p>{html.escape(SIGNIFICANCE_NOTE)}</p><p>Command: <code>{html.escape(command)}</code></p>
{body}<h2>Figures</h2>{fig_html}</body></html>"""
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _rows(sweep: Path) -> list[dict]:
    table = read_runs(sweep)
    return [r for r in (table.to_pylist() if table is not None else []) if r["status"] == "ok"]


def _horizon(sweep: Path) -> int:
    return int(read_manifest(sweep)["parameters"]["run"]["weeks"])


def _label(outcome: str) -> str:
    from experiments.analysis.compare import AMOUNTS, BINARY, TIME_TO_EVENT
    return (f"{TIME_TO_EVENT[outcome][0]} (KM median week)" if outcome in TIME_TO_EVENT else
            f"{AMOUNTS[outcome][0]} ({AMOUNTS[outcome][1]})" if outcome in AMOUNTS
            else f"{BINARY[outcome][0]} (share)")


def continuous(sweep: Path, param: str, force: bool = False) -> bool:
    """``param`` is numeric with more than ``MAX_GROUPS`` values (or ``force``): a response,
    not groups."""
    values = {r[param] for r in _rows(sweep) if param in r}
    return resp.is_numeric(values) and (force or len(values) > MAX_GROUPS)


MAX_GROUPS = 6    # a numeric parameter with more values is treated as continuous


def heatmaps(sweep: Path, outcomes: list[str], out: Path) -> list[tuple[str, Path]]:
    """Heat maps of the outcomes over a sweep's two varied parameters (any design: sampled
    values are binned), one figure with a panel per outcome."""
    m = read_manifest(sweep)
    factors = [f["path"] for f in m["design"]["factors"]]
    rows = _rows(sweep)
    if len(factors) != 2 or not rows:
        return []
    px, py = factors
    surfaces = [resp.surface(rows, px, py, o, _horizon(sweep)) for o in outcomes]
    labels = [_label(o).replace(" (KM median week)", "") for o in outcomes]
    return [(f"Outcomes over {px} and {py}",
             plots.surface_panels(surfaces, labels, px, py,
                                  out / "figures" / f"heatmap-{_slug(px)}-{_slug(py)}.png"))]


def response_figures(sweep: Path, outcomes: list[str], out: Path) -> list[tuple[str, Path]]:
    """Each outcome against each varied parameter (a smoothed response for a continuous
    one), and a heat map for two."""
    from experiments.analysis import statistics as st
    from experiments.analysis.compare import BINARY, TIME_TO_EVENT, event_times
    from experiments.analysis.sensitivity import outcome_value
    m = read_manifest(sweep)
    factors = [f["path"] for f in m["design"]["factors"]]
    rows = _rows(sweep)
    if not factors or not rows:
        return []
    figs = []
    for param in factors:
        if continuous(sweep, param):
            rs = resp.responses(rows, param, outcomes, _horizon(sweep))
            figs.append((f"Outcomes against {param}",
                         plots.trend_panels(rs, param, out / "figures" /
                                            f"response-{_slug(param)}.png")))
            continue
        values = sorted({r[param] for r in rows}, key=lambda v: (isinstance(v, str), v))
        if len(values) < 2:
            continue
        for outcome in outcomes:
            label, data, est = _label(outcome), None, None
            if outcome in TIME_TO_EVENT:     # censored times: Kaplan-Meier medians
                svs = [st.survival(*event_times([r for r in rows if r[param] == v], outcome))
                       for v in values]
                est = tuple(np.array([np.nan if m is None else m for m in ms], float) for ms in
                            zip(*[(sv.median, sv.median_low, sv.median_high) for sv in svs])) \
                    + ("KM median week (95% interval; missing: not reached)",)
            else:
                data = [np.array([outcome_value(r, outcome) for r in rows if r[param] == v])
                        for v in values]
            figs.append((f"{label} against {param}",
                         plots.response_figure(values, data, param, label,
                                               out / "figures" / f"response-{outcome}-{_slug(param)}.png",
                                               binary=outcome in BINARY, estimates=est)))
    return figs + heatmaps(sweep, outcomes, out)


def response_report(sweep: Path, param: str, outcomes: list[str], out: Path,
                    command: str) -> tuple[list[str], Path, Path]:
    """The response of each outcome to a continuous ``param``: terminal lines, report.md and
    report.html with the response figure (and a heat map when two parameters were varied)."""
    rows = _rows(sweep)
    rs = resp.responses(rows, param, outcomes, _horizon(sweep))
    values = sorted({r[param] for r in rows})
    clear = sorted((r for r in rs if _trend_clear(r.trend)), key=lambda r: -r.strength)
    summary = [f"How the outcomes respond to {param} ({len(values)} values from "
               f"{values[0]:.3g} to {values[-1]:.3g}, {len(rows)} runs):"]
    summary += [f"- {r.sentence}" for r in clear[:3]]
    if not clear:
        summary.append("- no outcome shows a clear trend (every 95% interval includes none)")
    flat = [r.label for r in rs if not _trend_clear(r.trend)]
    if flat:
        summary.append("- no clear trend in " + ", ".join(flat)
                       + " (the 95% interval includes no change)")
    method = ("Curves: the statistic of the runs near each value (tricube weights over the "
              f"nearest {resp.SPAN:.0%} of runs), with a 95% band from {resp.N_BOOT} bootstrap "
              "resamples of the runs. Trend tests: Spearman's rank correlation for amounts; "
              "logistic regression on the parameter (likelihood-ratio test) for yes/no "
              "outcomes; a Cox model on the parameter (score test) for times to an event, "
              "where runs without the event, including runs that ended early, are censored "
              "at their last week. P-values are adjusted together (Benjamini-Hochberg). Runs "
              "share seeds across values (common random numbers), which makes these tests "
              "conservative. Use --bins K to compare quantile groups instead.")
    table = [[r.label, r.sentence, r.trend.test, f"{r.trend.pvalue:.3g}"] for r in rs]
    head = ["outcome", "response [95% interval]", "trend test", "p (FDR-adjusted)"]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figs = [(f"Outcomes against {param}",
             plots.trend_panels(rs, param, out / "figures" / f"response-{_slug(param)}.png"))]
    figs += heatmaps(sweep, outcomes, out)
    md = ["# Response report", "", "## Summary", "", summary[0], "", *summary[1:], "",
          SIGNIFICANCE_NOTE, "", f"Command: `{command}`", "", method, "",
          "## Responses", "", *_md_table(head, table), "", "## Figures", ""]
    for cap, path in figs:
        md += [f"### {cap}", "", f"![{cap}]({path.relative_to(out).as_posix()})", ""]
    md_path = out / "report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    html_path = _write_html(out, "Response report", summary, command,
                            f"<p>{html.escape(method)}</p><h2>Responses</h2>"
                            f"{_html_table(head, table)}", figs)
    lines = ["Summary", *summary, "", method, ""]
    lines += [f"  {r.sentence}  [{r.trend.test} p={r.trend.pvalue:.3g} (adjusted)]" for r in rs]
    lines += ["", SIGNIFICANCE_NOTE]
    return lines, md_path, html_path


def _trend_clear(t) -> bool:
    null = 1.0 if t.measure == "hazard ratio" else 0.0
    return t.low > null or t.high < null


def compare_report(dirs: list[Path], by: str | None, outcomes: list[str] | None, out: Path,
                   command: str, reference: str | None = None, bins: int | None = None,
                   response: bool = False) -> tuple[list[str], Path, Path]:
    """Compare the groups of ``dirs`` (split ``by`` a varied parameter): the terminal lines,
    and report.md + report.html with figures written into ``out``. A numeric ``by`` with many
    values (or ``response``) gives the response to it instead, unless ``bins`` groups it."""
    dirs = [Path(d) for d in dirs]
    outcomes = check_outcomes(outcomes)
    if by is not None and bins is None and len(dirs) == 1:
        load_groups(dirs, by, minimum=1)                 # checks that --by was varied
        if continuous(dirs[0], by, response):
            if reference is not None:
                raise SweepError(f"--reference: {by} is continuous here (a response, not "
                                 f"groups); use --bins K to compare quantile groups")
            return response_report(dirs[0], by, outcomes, out, command)
    if response:
        raise SweepError("--response needs --by a numeric parameter of one sweep, without --bins")
    c = compare(load_groups(dirs, by, reference=reference, bins=bins), outcomes)
    md, page = write_report(c, Path(out), command, outcomes if by else None)
    return terminal_table(c), md, page


def plot_all(dirs: list[Path], by: str | None, outcomes: list[str] | None,
             out: Path, bins: int | None = None) -> list[tuple[str, Path]]:
    """Every figure of one or more sweeps into ``out/figures``: (caption, path) pairs."""
    outcomes, dirs, out = check_outcomes(outcomes), [Path(d) for d in dirs], Path(out)
    if by is not None and bins is None and len(dirs) == 1 and continuous(dirs[0], by):
        load_groups(dirs, by, minimum=1)
        return response_figures(dirs[0], outcomes, out)
    figs = make_figures(compare(load_groups(dirs, by, minimum=1, bins=bins), outcomes), out)
    if len(dirs) == 1:
        figs += response_figures(dirs[0], outcomes, out)
    return figs
