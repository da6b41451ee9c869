"""Promises: made by the CEO to an audience with a deadline, then kept or broken."""

from __future__ import annotations

from dataclasses import dataclass

AUDIENCES = ("investors", "staff", "public")


@dataclass(slots=True)
class Promise:
    audience: str
    made: int        # week made
    due: int         # week of the deadline
    ambition: float  # 0 (modest) .. ~2 (grand); lowers the chance of keeping it


def keep_probability(ambition: float, capacity: float, cash_ok: float, policy) -> float:
    """Chance a promise is kept at its deadline.

    ``capacity`` is delivery capacity relative to week 0; ``cash_ok`` in [0, 1] is how
    well funded the company is (runway relative to comfort); ``policy`` holds the rule's
    parameters (``keep_*``). Grand promises are seldom kept.
    """
    w = policy.keep_cash_weight
    p = (policy.keep_base * min(capacity, policy.keep_capacity_cap)
         * (1.0 - w + w * cash_ok) / (1.0 + ambition))
    return min(max(p, 0.0), policy.keep_max)


class PromiseBook:
    """Open promises, keyed by the week they fall due."""

    def __init__(self) -> None:
        self.open: list[Promise] = []

    def add(self, promise: Promise) -> None:
        self.open.append(promise)

    def due(self, week: int) -> list[Promise]:
        """Remove and return the promises whose deadline is ``week`` or earlier."""
        due = [p for p in self.open if p.due <= week]
        if due:
            self.open = [p for p in self.open if p.due > week]
        return due
