"""Live dashboard on Mesa's SolaraViz: sliders for the key parameters, play/step/reset,
live charts of cash and payables, trust by group and headcount, and the running event list.

    python run.py dashboard            (or: solara run experiments/teaching/dashboard.py)

The sliders start at the scenario's own values (read from the scenario, not copied here).
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from model import StartupModel, load
from model.parameters import Governance
from model.calendar import week_date

SCENARIO = "stability-ai"
REMOVAL_BY = Governance.__dataclass_fields__["removal_by"].metadata["choices"]


_BASE = load(SCENARIO).params
SEED = 7


class DashboardModel(StartupModel):
    """The model with its key parameters as keyword arguments (what SolaraViz sets)."""

    def __init__(self, spending: float = _BASE.ceo.spending, listening: float = _BASE.ceo.listening,
                 promise_propensity: float = _BASE.ceo.promise_propensity,
                 transparency: float = _BASE.ceo.transparency,
                 founder_stake: float = _BASE.ceo.stake,
                 removal_by: str = _BASE.governance.removal_by, seed: int = SEED) -> None:
        sets = [f"ceo.spending={spending}", f"ceo.listening={listening}",
                f"ceo.promise_propensity={promise_propensity}",
                f"ceo.transparency={transparency}", f"ceo.stake={founder_stake}", f"governance.removal_by={removal_by!r}"]
        super().__init__(load(SCENARIO, sets).params, seed=int(seed))


def _slider(label, value, lo=0.0, hi=1.0, step=0.05):
    return {"type": "SliderFloat", "value": value, "label": label, "min": lo, "max": hi,
            "step": step}


MODEL_PARAMS = {
    "spending": _slider("CEO spending aggressiveness", _BASE.ceo.spending),
    "listening": _slider("CEO listening to investors", _BASE.ceo.listening),
    "promise_propensity": _slider("CEO promise propensity (per week)",
                                  _BASE.ceo.promise_propensity),
    "transparency": _slider("CEO transparency with the board", _BASE.ceo.transparency),
    "founder_stake": _slider("Founder's share of the votes (founder control above 0.5)",
                             _BASE.ceo.stake, hi=0.85),
    "removal_by": {"type": "Select", "value": _BASE.governance.removal_by,
                   "label": "Who can remove the CEO", "values": list(REMOVAL_BY)},
    "seed": {"type": "InputText", "value": SEED, "label": "Random seed"},
}


def _in_millions(ax):
    ax.set_ylabel("USD")
    ax.set_title("Cash and unpaid bills")


def _trust(ax):
    ax.set_ylim(0, 1)
    ax.set_ylabel("trust in the CEO (0-1)")
    ax.set_title("Trust by group")


def _headcount(ax):
    ax.set_ylabel("people")
    ax.set_title("Headcount by group")


CashPlot = make_plot_component({"cash": "tab:blue", "payables": "tab:orange"},
                               post_process=_in_millions)
TrustPlot = make_plot_component({"trust_investors": "tab:blue", "trust_executives": "tab:orange",
                                 "trust_researchers": "tab:green"}, post_process=_trust)
HeadcountPlot = make_plot_component({"staff": "tab:blue", "researchers": "tab:orange",
                                     "executives": "tab:green"}, post_process=_headcount)

QUIET = {"promise_made", "promise_kept", "promise_broken"}


@solara.component
def EventList(model):
    """The latest events, newest first."""
    update_counter.get()
    week = model.week
    rows = [e for e in model.events if e.event not in QUIET][-15:][::-1]
    lines = [f"**Week {week} ({week_date(model.start, max(week - 1, 0))}):** cash "
             f"${model.cash / 1e6:.1f}M, unpaid bills ${model.payables / 1e6:.1f}M, "
             f"runway {model.runway_weeks:.0f} weeks; CEO in office: "
             f"{'yes' if model.ceo_in_office else 'no'}", "", "| week | event | who | detail |",
             "|---|---|---|---|"]
    lines += [f"| {e.week} | {e.event.replace('_', ' ')} | {e.agent} | {e.detail} |" for e in rows]
    solara.Markdown("\n".join(lines))


model = DashboardModel()
page = SolaraViz(model, components=[CashPlot, TrustPlot, HeadcountPlot, (EventList, 0)],
                 model_params=MODEL_PARAMS, name="Startup governance")

