"""The event log: every notable thing that happens, with week, agent and role, a sentence,
and typed fields that tools read instead of the sentence: ``cause`` (why, in a few words:
the main pressure behind a departure or a resignation), ``amount`` (USD, people or trust,
by event kind) and ``counterpart`` (the other party: a supplier, an investor, a buyer)."""

from __future__ import annotations

from typing import NamedTuple

KINDS = (
    "promise_made", "promise_kept", "promise_broken",
    "bill_underpaid", "bill_unpaid", "supplier_cutoff",
    "round_started", "round_closed", "round_failed", "round_withdrawn", "offer_rejected",
    "bridge_closed",
    "follow_on_joined", "follow_on_refused",
    "audit_demanded", "audit_accepted", "audit_refused",
    "sale_urged", "sale_search", "sale_refused", "sale_failed", "company_sold",
    "resignation_demanded", "exit_package_offered", "exit_package_refused",
    "board_exit", "observer_exit",
    "departure", "hire", "layoff", "asset_sale", "compute_cut",
    "ceo_resigned", "ceo_removed", "removal_vote_failed", "interim_ceo", "insolvency",
    "core_team_departed", "founder_control_lost",
    "outside_shock", "financing_failed", "credit_drawn", "rescued", "rescue_refused",
    "joint_letter", "ceo_leave", "staff_letter", "removal_reversed",
    "founder_kept_seat", "founder_left_board", "succession_search", "succession_refused",
)


class Event(NamedTuple):
    week: int
    event: str
    agent: str
    role: str
    detail: str
    cause: str = ""
    amount: float | None = None
    counterpart: str = ""


class EventLog:
    """Append-only list of events; ``first(kind)`` and ``count(kind)`` answer outcome questions."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._first: dict[str, int] = {}
        self._count: dict[str, int] = {}

    def record(self, week: int, event: str, agent: str = "", role: str = "", detail: str = "",
               cause: str = "", amount: float | None = None, counterpart: str = "") -> None:
        amount = None if amount is None else float(amount)
        self.events.append(Event(week, event, agent, role, detail, cause, amount, counterpart))
        self._first.setdefault(event, week)
        self._count[event] = self._count.get(event, 0) + 1

    def first(self, event: str) -> int | None:
        return self._first.get(event)

    def count(self, event: str) -> int:
        return self._count.get(event, 0)

    def __iter__(self):
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)
