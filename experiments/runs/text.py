"""Readable text for the terminal: a run's timeline and summary, a scenario's parameter list."""

from __future__ import annotations

from model.calendar import week_date

QUIET = {"promise_made", "promise_kept", "promise_broken"}   # frequent; counted, not listed


def timeline(model, all_events: bool = False) -> list[str]:
    lines = [f"{'date':10s}  {'week':>4s}  {'event':22s} {'who':34s} detail"]
    for e in model.events:
        if all_events or e.event not in QUIET:
            who = f"{e.agent} ({e.role})" if e.role and e.role != e.agent else e.agent
            lines.append(f"{week_date(model.start, e.week).isoformat()}  {e.week:>4d}  "
                         f"{e.event:22s} {who:34s} {e.detail}")
    return lines


def money(x: float | None) -> str:
    return "-" if x is None else f"${x / 1e6:,.1f}M"


def summary_lines(s: dict, model) -> list[str]:
    ev = model.events
    exit_ = (f"week {s['ceo_exit_week']} ({week_date(model.start, s['ceo_exit_week'])}), "
             f"{s['ceo_exit_kind']}" if s["ceo_exit_week"] is not None else "still in office")
    return [
        f"scenario {s['scenario']}, seed {s['seed']}: {s['weeks_run']} weeks run",
        f"  CEO: {exit_}",
        f"  promises: {ev.count('promise_made')} made, {ev.count('promise_kept')} kept, "
        f"{ev.count('promise_broken')} broken",
        f"  money: raised {money(s['total_raised'])}, min cash {money(s['min_cash'])}, "
        f"final cash {money(s['final_cash'])}, final payables {money(s['final_payables'])}",
        f"  first unpaid bill: week {s['first_unpaid_bill_week']}; first board exit: week "
        f"{s['first_board_exit_week']}; insolvent: week {s['insolvent_week']}; "
        f"company sold: week {s['sold_week']}",
        f"  departures: {s['exec_departures']} executives, {s['researcher_departures']} "
        f"researchers; core team gone: week {s['core_team_departed_week']}; "
        f"layoffs: {s['layoffs']} ({s['laid_off']} people)",
        f"  over the {s['weeks_run']} weeks: compute {money(s['total_compute_cost'])}, "
        f"payroll+opex {money(s['total_other_cost'])}, revenue {money(s['total_revenue'])}",
    ]


def params_table(rows) -> list[str]:
    lines = []
    for path, value, unit, doc, source in rows:
        lines.append(f"{path:42s} {str(value):>14s}  {unit:14s} {doc}")
        lines.append(f"{'':42s} {'':>14s}  {'':14s} source: {source}")
    return lines
