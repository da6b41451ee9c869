"""Dated outside shocks: a scandal, a lawsuit, a damaging video, a market crash.

A scenario lists them (``[shocks.NAME]``) with the week they happen and how much trust in
the CEO each group loses at once, independently of cash; a shock may also move investor
sentiment. They are inputs taken from a case's record, not outcomes of the model.
"""

from __future__ import annotations


def by_week(shocks) -> dict[int, list]:
    """The scenario's shocks grouped by the week they happen."""
    out: dict[int, list] = {}
    for shock in shocks.values():
        out.setdefault(shock.week, []).append(shock)
    return out


def apply(model, shock) -> None:
    """Every member of the chosen groups loses the stated trust (clipped at 0) at once."""
    def hit(trust: float, loss: float) -> float:
        return max(0.0, trust - loss)

    for inv in model.investor_list:
        inv.trust = hit(inv.trust, shock.investors)
    for ex in model.executives:
        ex.trust = hit(ex.trust, shock.executives)
    for r in model.researchers:
        r.trust = hit(r.trust, shock.researchers)
    model.staff_trust = hit(model.staff_trust, shock.researchers)
    model.sentiment *= shock.sentiment
    model.record("outside_shock", None, shock.name, agent="outside", role="press",
                 cause=shock.name, amount=max(shock.investors, shock.executives,
                                              shock.researchers))
