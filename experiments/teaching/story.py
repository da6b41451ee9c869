"""Story mode: one run told in plain English, and a one-page dashboard figure.

The story walks through the run's turning points with calendar dates and the numbers that
matter at that moment (cash, runway, trust), explains why people left (the main cause each
person's trust fell) and why investors gave up their seats, and ends with the outcome.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from model.calendar import week_date

# events shown as their own paragraph (others are summarised or left to events.csv)
KEY = {"round_started", "round_failed", "round_closed", "bridge_closed", "bill_underpaid",
       "bill_unpaid", "supplier_cutoff", "audit_demanded", "sale_urged", "resignation_demanded",
       "exit_package_offered", "board_exit", "observer_exit", "layoff", "compute_cut",
       "asset_sale", "ceo_resigned", "ceo_removed", "company_sold", "insolvency", "interim_ceo",
       "outside_shock", "financing_failed", "credit_drawn", "rescued", "rescue_refused",
       "joint_letter", "ceo_leave", "round_withdrawn", "staff_letter", "removal_reversed",
       "founder_kept_seat", "founder_left_board", "succession_search", "succession_refused"}
ANSWERS = {"audit_accepted": "accepts", "audit_refused": "refuses", "sale_search": "starts "
           "looking for a buyer", "sale_refused": "refuses to sell", "exit_package_refused":
           "turns the package down"}


def _m(x: float) -> str:
    # amounts under $0.1M (a small startup's week) in thousands, so they do not read as 0
    return f"${x / 1e6:,.1f}M" if abs(x) >= 0.05e6 or x == 0 else f"${x / 1e3:,.0f}k"


class _State:
    """The weekly columns of a finished run, by week."""

    def __init__(self, model) -> None:
        self.cols = model.datacollector.model_vars

    def at(self, week: int) -> dict:
        w = min(week, len(self.cols["week"]) - 1)
        return {k: v[w] for k, v in self.cols.items()}


def _numbers(s: dict) -> str:
    return (f"cash {_m(s['cash'])}, runway {s['runway_weeks']:.0f} weeks; trust in the CEO: "
            f"investors {s['trust_investors']:.2f}, executives {s['trust_executives']:.2f}, "
            f"researchers {s['trust_researchers']:.2f}")


def _cause(e) -> str:
    return e.cause or e.detail


def tell(model, scenario: str, seed: int) -> list[str]:
    """The run as paragraphs of plain English."""
    st = _State(model)
    start = model.start
    events = list(model.events)
    by_week = defaultdict(list)
    for e in events:
        by_week[e.week].append(e)
    demands = defaultdict(list)     # investor -> [(what, answer)]
    lines = [f"The story of {scenario}, seed {seed}.",
             f"{start.isoformat()}, week 0: {model.p.company.name} starts with "
             f"{_m(model.p.finance.start_cash)} in the bank, {len(model.p.executives)} executives, "
             f"{model.p.workforce.researchers} researchers (a core team of "
             f"{model.p.workforce.core_researchers}) and {model.p.workforce.staff} other staff. "
             f"It burns about {_m(st.at(0)['compute_cost'] + st.at(0)['other_cost'])} a week, "
             f"most of it on "
             f"{'compute' if st.at(0)['compute_cost'] > st.at(0)['other_cost'] else 'payroll and running costs'}"
             f", against {_m(st.at(0)['revenue'])} of revenue.", ""]
    researchers_left = defaultdict(lambda: defaultdict(int))   # month -> cause -> count
    for week in sorted(by_week):
        date = week_date(start, week).isoformat()
        s = st.at(week)
        head = f"{date}, week {week}:"
        evs = by_week[week]
        for i, e in enumerate(evs):
            nxt = evs[i + 1] if i + 1 < len(evs) else None
            answer = ANSWERS.get(nxt.event) if nxt is not None else None
            if e.event == "departure":
                if e.role == "researcher":
                    researchers_left[date[:7]][_cause(e)] += 1
                    continue
                who = "a member of the core research team" if e.role == "core researcher" \
                    else f"the {e.agent}"
                lines.append(f"{head} {who} leaves; {_why(e)}. ({_numbers(s)})")
            elif e.event in ("bill_underpaid", "bill_unpaid"):
                if i > 0 and evs[i - 1].event in ("bill_underpaid", "bill_unpaid"):
                    continue                      # told with the first bill of the week
                bills = [b for b in evs if b.event in ("bill_underpaid", "bill_unpaid")]
                parts = "; ".join(f"{b.agent}: {b.detail.split(', ', 1)[-1].split(';')[0]} "
                                  f"of {b.detail.split(' bill ', 1)[-1].split(',')[0]}"
                                  for b in bills)
                owed = s["payables"]
                lines.append(f"{head} the monthly compute bills are not paid in full ({parts}); "
                             f"unpaid bills now {_m(owed)}; {_numbers(s)}.")
            elif e.event in ("audit_demanded", "sale_urged", "exit_package_offered"):
                what = {"audit_demanded": "demands an independent audit",
                        "sale_urged": "urges the board to sell the company",
                        "exit_package_offered": "offers the CEO an exit package to step down"}[e.event]
                reply = f"; the CEO {answer}" if answer else ""
                demands[e.agent].append((what, answer or "no answer"))
                lines.append(f"{head} {e.agent} ({e.role}) {what}{reply}. Its trust in the CEO "
                             f"has fallen; investors' trust {s['trust_investors']:.2f}.")
            elif e.event == "resignation_demanded":
                demands[e.agent].append(("calls for the CEO's resignation", "ignored"))
                lines.append(f"{head} {e.agent} calls on the CEO to resign.")
            elif e.event in ("board_exit", "observer_exit"):
                history = "; ".join(f"it {w} ({a})" for w, a in demands[e.agent]) or \
                    "its trust had simply run out"
                seat = "board seat" if e.event == "board_exit" else "observer seat"
                lines.append(f"{head} {e.agent} gives up its {seat}. Why: {history}; its trust "
                             f"in the CEO is down to {e.detail.rsplit('trust ', 1)[-1]}.")
            elif e.event in ("ceo_resigned", "ceo_removed"):
                verb = "resigns" if e.event == "ceo_resigned" else "is removed by a vote"
                before = st.at(max(0, week - 1))     # the numbers he left behind
                lines.append(f"{head} {e.agent} {verb} ({e.detail}). (The week before: "
                             f"{_numbers(before)})")
            elif e.event == "round_started":
                lines.append(f"{head} the CEO opens a funding round: {e.detail}. ({_numbers(s)})")
            elif e.event == "round_failed":
                lines.append(f"{head} the round fails: {e.detail}. Investors' trust "
                             f"{s['trust_investors']:.2f}.")
            elif e.event in ("founder_kept_seat", "founder_left_board"):
                lines.append(f"{head} the founder {e.detail}.")
            elif e.event in ("staff_letter", "removal_reversed", "succession_search"):
                lines.append(f"{head} {e.detail}.")     # the sentence names who and why
            elif e.event == "succession_refused":
                lines.append(f"{head} {e.agent} {e.detail}.")
            elif e.event in KEY:
                lines.append(f"{head} {e.event.replace('_', ' ')}: {e.detail}"
                             + (f" ({e.agent})" if e.agent and e.agent not in e.detail else "")
                             + ".")
    if researchers_left:
        lines += ["", "Researchers who left, by month (main cause):"]
        for month in sorted(researchers_left):
            causes = researchers_left[month]
            total = sum(causes.values())
            main = max(causes, key=causes.get)
            lines.append(f"  {month}: {total} left, mostly over {main}")
    return lines


def _why(e) -> str:
    if e.cause and e.amount is not None and e.cause not in ("normal turnover",):
        return f"trust {e.amount:.2f}, mainly because of {e.cause}"
    return e.detail


def ending(summary: dict, model) -> list[str]:
    start = model.start
    out = ["", "How it ended:"]
    if summary["ceo_exit_week"] is not None:
        verb = "was removed" if summary["ceo_exit_kind"] == "removed" else "resigned"
        out.append(f"  The founder-CEO {verb} in week "
                   f"{summary['ceo_exit_week']} ({week_date(start, summary['ceo_exit_week'])}).")
    else:
        out.append("  The founder-CEO was still in office when the run ended.")
    if summary["insolvent_week"] is not None:
        out.append(f"  The company became insolvent in week {summary['insolvent_week']}.")
    if summary["sold_week"] is not None:
        out.append(f"  The company was sold in week {summary['sold_week']}.")
    out.append(f"  {summary['exec_departures']} executives and {summary['researcher_departures']} "
               f"researchers left; {_m(summary['total_raised'])} was raised; the lowest cash was "
               f"{_m(summary['min_cash'])}; unpaid bills at the end {_m(summary['final_payables'])}.")
    return out


MARKS = {   # event -> (label, colour) marked on the dashboard
    "round_closed": ("round", "tab:green"), "bridge_closed": ("bridge", "tab:green"),
    "round_failed": ("round failed", "tab:red"), "bill_unpaid": ("unpaid bill", "goldenrod"),
    "bill_underpaid": ("bill underpaid", "goldenrod"), "board_exit": ("board exit", "tab:purple"),
    "observer_exit": ("observer exit", "tab:purple"), "layoff": ("layoff", "tab:brown"),
    "ceo_resigned": ("CEO resigns", "black"), "ceo_removed": ("CEO removed", "black"),
    "insolvency": ("insolvency", "black"), "company_sold": ("sold", "black"),
}


def dashboard(model, title: str, path: Path) -> Path:
    """One page: cash and payables, trust by group, headcount by group, key events marked."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    cols = model.datacollector.model_vars
    x = [week_date(model.start, w) for w in cols["week"]]
    fig, axes = plt.subplots(3, 1, figsize=(12, 10), sharex=True)
    ax = axes[0]
    ax.plot(x, [v / 1e6 for v in cols["cash"]], label="cash")
    ax.plot(x, [v / 1e6 for v in cols["payables"]], label="unpaid bills (payables)")
    ax.set_ylabel("$M")
    ax.set_title("Cash and unpaid bills")
    ax = axes[1]
    for col, label in (("trust_investors", "investors"), ("trust_executives", "executives"),
                       ("trust_researchers", "researchers")):
        ax.plot(x, cols[col], label=label)
    ax.set_ylim(0, 1)
    ax.set_ylabel("trust (0-1)")
    ax.set_title("Trust in the CEO by group")
    ax = axes[2]
    for col in ("staff", "researchers", "executives"):
        ax.plot(x, cols[col], label=col)
    ax.set_ylabel("people")
    ax.set_title("Headcount by group")
    seen = set()
    core_left = [e for e in model.events if e.event == "departure" and e.role == "core researcher"]
    marks = [(e.week, *MARKS[e.event]) for e in model.events if e.event in MARKS]
    marks += [(e.week, "core researcher leaves", "tab:cyan") for e in core_left]
    for week, label, color in marks:
        d = week_date(model.start, week)
        for a in axes:
            a.axvline(d, color=color, lw=0.8, alpha=0.6, ls="--")
        if label not in seen:
            seen.add(label)
            axes[0].plot([], [], color=color, ls="--", label=label)
    for a in axes:
        a.grid(alpha=0.3)
        a.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[2].xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    axes[2].xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_story(scenario, seed: int, out: Path) -> tuple[list[str], Path]:
    """Run ``scenario`` with ``seed``; write story.txt, dashboard.png and the run's files into
    ``out``. Returns the story's lines and the dashboard's path."""
    from experiments.runs.runner import simulate
    from experiments.runs.storage import write_run
    out = Path(out)
    model = simulate(scenario, seed)
    result = write_run(model, scenario.name, seed, out)
    lines = tell(model, scenario.name, seed) + ending(result, model)
    (out / "story.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = dashboard(model, f"{scenario.params.company.name} ({scenario.name}), seed {seed}",
                     out / "dashboard.png")
    return lines, path
