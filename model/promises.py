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


def keep_probability(ambition: float, capacity: float, cash_ok: float) -> float:
    """Chance a promise is kept at its deadline.

    ``capacity`` is delivery capacity relative to week 0; ``cash_ok`` in [0, 1] is how
    well funded the company is (runway relative to comfort). Grand promises are seldom kept.
    """
    p = 0.85 * min(capacity, 1.2) * (0.4 + 0.6 * cash_ok) / (1.0 + ambition)
    return min(max(p, 0.0), 0.95)


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
