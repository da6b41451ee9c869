"""Outcomes of one finished run: the summary, the weekly table and the event table."""

from __future__ import annotations

from model.calendar import week_date
from model.network import departure_clustering

# Every outcome of a run with its type (int and str outcomes may be null).
SUMMARY_TYPES = {
    "scenario": "str", "seed": "int", "weeks_run": "int", "ceo_exit_week": "int",
    "ceo_exit_kind": "str", "first_unpaid_bill_week": "int", "first_board_exit_week": "int",
    "exec_departures": "int", "researcher_departures": "int", "core_team_departed_week": "int",
    "layoffs": "int", "laid_off": "int", "total_raised": "float", "min_cash": "float",
    "final_cash": "float", "final_payables": "float", "insolvent_week": "int",
    "sold_week": "int", "first_round_failed": "bool", "first_round_ask": "float",
    "bridge_week": "int", "bridge_amount": "float", "first_round_closed_week": "int",
    "total_compute_cost": "float", "total_other_cost": "float", "total_revenue": "float",
    "ceo_exit_cause": "str", "founder_votes_start": "float",
    "founder_control_lost_week": "int", "departure_clustering": "float",
    "founder_left_board_week": "int", "staff_letter_week": "int", "removal_reversed_week": "int",
}
SUMMARY_KEYS = tuple(SUMMARY_TYPES)
EVENT_COLUMNS = ("week", "date", "event", "agent", "role", "detail", "cause", "amount",
                 "counterpart")


def weekly_columns(model) -> dict[str, list]:
    """The weekly table as columns (one value per week run)."""
    return dict(model.datacollector.model_vars)


def event_rows(model) -> list[tuple]:
    """The event table as rows in EVENT_COLUMNS order."""
    start = model.start
    return [(e.week, week_date(start, e.week).isoformat(), e.event, e.agent, e.role, e.detail,
             e.cause, e.amount, e.counterpart) for e in model.events]


def _first(events, kind: str, role_prefix: str | None = None) -> int | None:
    for e in events:
        if e.event == kind and (role_prefix is None or e.role.startswith(role_prefix)):
            return e.week
    return None


def summary(model, scenario: str, seed: int | None) -> dict:
    """The run's outcomes (the keys of SUMMARY_KEYS). Every outcome is relative to the
    run's own start and horizon (totals are over the weeks run); amounts in a calendar
    window are statistics of a case's facts file (:mod:`experiments.analysis.facts`)."""
    ev = model.events.events
    cols = model.datacollector.model_vars
    weeks = cols["week"]

    def total(col):
        return float(sum(cols[col]))

    first_unpaid = min((w for w in (_first(ev, "bill_underpaid"), _first(ev, "bill_unpaid"))
                        if w is not None), default=None)
    rounds = [e for e in ev if e.event in ("round_closed", "round_failed")]
    exec_deps = [e for e in ev if e.event == "departure" and e.role == "executive"]
    return {
        "scenario": scenario,
        "seed": seed,
        "weeks_run": len(weeks),
        "ceo_exit_week": model.ceo_exit_week,
        "ceo_exit_kind": model.ceo_exit_kind,
        "first_unpaid_bill_week": first_unpaid,
        "first_board_exit_week": _first(ev, "board_exit"),
        "exec_departures": len(exec_deps),
        "researcher_departures": sum(1 for e in ev if e.event == "departure"
                                     and e.role != "executive"),
        "core_team_departed_week": model.core_team_departed_week,
        "layoffs": model.events.count("layoff"),
        "laid_off": model.laid_off,
        "total_raised": model.ledger.raised,
        "min_cash": float(min(cols["cash"])),
        "final_cash": model.ledger.cash,
        "final_payables": model.ledger.payables,
        "insolvent_week": model.insolvent_week,
        "sold_week": model.sold_week,
        "first_round_failed": (rounds[0].event == "round_failed") if rounds else None,
        "first_round_ask": model.fundraising.first_ask,
        "bridge_week": _first(ev, "bridge_closed"),
        "bridge_amount": model.bridge_raised,
        "first_round_closed_week": _first(ev, "round_closed"),
        "total_compute_cost": total("compute_cost"),
        "total_other_cost": total("other_cost"),
        "total_revenue": total("revenue"),
        "ceo_exit_cause": next((e.cause for e in ev if e.event in ("ceo_resigned", "ceo_removed")
                                and e.role == "founder-CEO"), None),
        "founder_votes_start": float(cols["founder_votes"][0]),
        "founder_control_lost_week": model.founder_control_lost_week,
        "departure_clustering": departure_clustering(model.leavers).ratio,
        "founder_left_board_week": model.founder_left_board_week,
        "staff_letter_week": _first(ev, "staff_letter"),
        "removal_reversed_week": _first(ev, "removal_reversed"),
    }
