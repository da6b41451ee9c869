"""Live dashboard in the browser (Solara, with Mesa's model controller): sliders for the key
parameters, reset/play/step, live charts of cash and unpaid bills ($M), trust by group and
headcount against calendar dates, and the running event list.

    python run.py dashboard [--scenario NAME]     (or: solara run experiments/teaching/dashboard.py)

The scenario comes from the environment variable ``GOVSIM_SCENARIO`` (set by ``run.py
dashboard --scenario``; default ``stability-ai``). The sliders start at that scenario's own
values and take their ranges and units from the parameter declarations (nothing copied here).

The page is composed of Mesa's ``ModelController`` (reset, play, step) and our own panels
rather than Mesa's ``SolaraViz``: SolaraViz (Mesa 3.3 and 3.5 alike) always shows its
developer controls (play and render intervals, threads, a step counter, page tabs and
draggable panels), with no option to hide them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

import solara
from matplotlib.figure import Figure
import matplotlib.dates as mdates
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from experiments.runs.runner import load_scenario
from model import StartupModel
from model.calendar import week_date
from model.company import WEEKLY_COLUMNS

SCENARIO = os.environ.get("GOVSIM_SCENARIO", "stability-ai")
SEED = 7
_SCENARIO = load_scenario(SCENARIO)
_BASE = _SCENARIO.params


@dataclass(frozen=True)
class Setting:
    """One input: the model's keyword, the parameter (section.name) it sets, its title."""
    key: str
    path: str
    title: str

    @property
    def meta(self) -> dict:
        """The parameter's declaration: unit, doc, lo, hi, choices."""
        section, name = self.path.split(".")
        return {f.name: f.metadata for f in fields(getattr(_BASE, section))}[name]

    @property
    def default(self):
        section, name = self.path.split(".")
        return getattr(getattr(_BASE, section), name)


SLIDERS = (
    Setting("spending", "ceo.spending", "CEO's spending aggressiveness"),
    Setting("listening", "ceo.listening", "CEO's listening to investors"),
    Setting("promise_propensity", "ceo.promise_propensity", "CEO's new promises"),
    Setting("transparency", "ceo.transparency", "CEO's transparency with the board"),
    Setting("founder_stake", "ceo.stake", "Founder's stake"),
)
REMOVAL = Setting("removal_by", "governance.removal_by", "Who can remove the CEO")
# How a value reads, by its declared unit (model/parameters.py)
UNIT_TEXT = {"fraction": "{:.2f} on a 0-1 scale", "1/week": "{:.0%} chance a week",
             "share": "{:.0%} of the equity"}
# the founder's stake can go as high as the investors' stakes leave (the tree's own rule)
STAKE_MAX = round(1.0 - sum(i.stake for i in _BASE.investors.values()), 2)


class DashboardModel(StartupModel):
    """The model with its key parameters as keyword arguments (what Mesa's controller sets
    on reset); ``initial`` holds the weekly columns before the first week, so the charts
    start with a point."""

    def __init__(self, spending: float = _BASE.ceo.spending, listening: float = _BASE.ceo.listening,
                 promise_propensity: float = _BASE.ceo.promise_propensity,
                 transparency: float = _BASE.ceo.transparency,
                 founder_stake: float = _BASE.ceo.stake,
                 removal_by: str = _BASE.governance.removal_by, seed: int = SEED) -> None:
        given = locals()
        sets = [f"{s.path}={given[s.key]!r}" for s in (*SLIDERS, REMOVAL)]
        super().__init__(load_scenario(SCENARIO, sets).params, seed=int(seed))
        self.initial = {col: getattr(self, attr) for col, attr in WEEKLY_COLUMNS.items()}


def series(model: DashboardModel, column: str) -> list:
    """``column`` after 0, 1, 2, ... weeks: the initial state, then one value per week run."""
    return [model.initial[column], *model.datacollector.model_vars.get(column, [])]


@dataclass(frozen=True)
class Chart:
    title: str
    ylabel: str
    lines: tuple[tuple[str, str], ...]        # (column, legend label)
    scale: float = 1.0                        # divide by this (1e6: USD -> $M)
    fmt: str = "{:.0f}"                       # the current value in the legend
    ymax: float | None = None                 # fixed top (trust); else from the data


CHARTS = (
    Chart("Cash and unpaid bills", "$M", (("cash", "cash"), ("payables", "unpaid bills")),
          scale=1e6, fmt="${:.1f}M"),
    Chart("Trust in the CEO by group", "trust (0-1)",
          (("trust_investors", "investors"), ("trust_executives", "executives"),
           ("trust_researchers", "researchers")), fmt="{:.2f}", ymax=1.0),
    Chart("Headcount by group", "people",
          (("staff", "other staff"), ("researchers", "researchers"),
           ("executives", "executives"))),
)


def draw(model: DashboardModel, chart: Chart) -> Figure:
    """One chart over the scenario's whole horizon: a line so far and a dot for now."""
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    top = 0.0
    for column, label in chart.lines:
        y = [v / chart.scale for v in series(model, column)]
        x = [week_date(model.start, n) for n in range(len(y))]
        line, = ax.plot(x, y, label=f"{label}: {chart.fmt.format(y[-1])}")
        ax.plot(x[-1:], y[-1:], "o", color=line.get_color())
        top = max(top, *y)
    ax.set_xlim(week_date(model.start, -2), week_date(model.start, model.p.run.weeks + 2))
    ax.set_ylim(0, chart.ymax or max(1.0, top * 1.15))
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel(chart.ylabel)
    ax.set_title(chart.title)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=len(chart.lines), fontsize=9, frameon=False)
    return fig


@solara.component
def ChartView(model, chart: Chart):
    update_counter.get()
    solara.FigureMatplotlib(draw(model, chart), format="png")


QUIET = {"promise_made", "promise_kept", "promise_broken"}
NOWRAP = ".govsim-events td:first-child { white-space: nowrap; }"


@solara.component
def Status(model):
    """Where the run is: week and date, cash, bills, runway, votes, the CEO."""
    update_counter.get()
    week = model.week
    state = "running" if model.running else "ended"
    solara.Markdown(
        f"**Week {week} of {model.p.run.weeks} ({week_date(model.start, week)})**, {state}: "
        f"cash ${model.cash / 1e6:.1f}M, unpaid bills ${model.payables / 1e6:.1f}M, runway "
        f"{model.runway_weeks:.0f} weeks; founder's votes {model.founder_votes:.0%}; "
        f"CEO in office: {'yes' if model.ceo_in_office else 'no'}")


@solara.component
def EventList(model):
    """The latest events, newest first, dated by the week they happened in."""
    update_counter.get()
    rows = [e for e in model.events if e.event not in QUIET][-15:][::-1]
    lines = ["| date | event | who | detail |", "|---|---|---|---|"]
    lines += [f"| {week_date(model.start, e.week)} | {e.event.replace('_', ' ')} | {e.agent} "
              f"| {e.detail} |" for e in rows]
    solara.Style(NOWRAP)
    with solara.Column(classes=["govsim-events"]):
        solara.Markdown("\n".join(lines) if rows else "No events yet (promises are not listed).")


@solara.component
def SliderInput(setting: Setting, value: float, on_value, hi: float | None = None):
    """A slider with its title, current value and unit above it."""
    meta = setting.meta
    solara.Markdown(f"{setting.title}: **{UNIT_TEXT[meta['unit']].format(value)}**")
    solara.Text(meta["doc"], style={"font-size": "0.8em", "color": "#666"})
    solara.SliderFloat("", value=value, on_value=on_value, min=meta["lo"],
                       max=meta["hi"] if hi is None else hi, step=0.01, tick_labels="end_points")


@solara.component
def Page():
    defaults = {s.key: s.default for s in SLIDERS} | {REMOVAL.key: REMOVAL.default, "seed": SEED}
    params = solara.use_reactive(defaults)
    first = solara.use_memo(lambda: DashboardModel(**defaults), [])
    model = solara.use_reactive(first)
    # Mesa's controller wants these as reactive values; fixed here: one week a click, 0.1 s a
    # week when playing, charts redrawn every week
    play_interval, render_interval = solara.use_reactive(100), solara.use_reactive(1)
    use_threads = solara.use_reactive(False)

    def setter(key):
        return lambda value: params.set({**params.value, key: value})

    with solara.AppBar():
        solara.AppBarTitle(f"Startup governance: {_BASE.company.name} ({_SCENARIO.name})")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            ModelController(model, model_parameters=params, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
            solara.Markdown("One step is one week. Changed settings apply after **Reset**.")
        with solara.Card("Settings"):
            for s in SLIDERS:
                SliderInput(s, params.value[s.key], setter(s.key),
                            hi=STAKE_MAX if s.key == "founder_stake" else None)
            solara.Select(REMOVAL.title, value=params.value[REMOVAL.key],
                          values=list(REMOVAL.meta["choices"]), on_value=setter(REMOVAL.key))
            solara.InputInt("Random seed (same seed, same run)", value=params.value["seed"],
                            on_value=lambda v: setter("seed")(max(0, v)))
    Status(model.value)
    with solara.Columns([1, 1]):
        ChartView(model.value, CHARTS[0])
        ChartView(model.value, CHARTS[1])
    with solara.Columns([1, 1]):
        ChartView(model.value, CHARTS[2])
        EventList(model.value)
