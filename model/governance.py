"""Governance: the board, pressure on the CEO, and removal votes under each control regime.

``founder_control``: the founder holds a majority of the votes (``ceo.voting_control``),
so directors can only pressure; a shareholder vote can remove the CEO only once the
founder's voting control has been diluted below one half.
``board_control``: a majority of the board (founder seat, investor directors, independents)
can vote the CEO out.
"""

from __future__ import annotations


PRESSURE_TERMS = ("investors' lost trust", "calls to resign", "executives leaving",
                  "the core team leaving", "unpaid bills", "investors leaving the board")


def pressure_terms(model) -> tuple[float, ...]:
    """The terms of the pressure on the CEO (dimensionless), in the order of PRESSURE_TERMS:
    lost investor trust, calls to resign, executives and the core team leaving, unpaid bills
    and investors leaving the board."""
    g = model.p.governance
    investors = model.investor_list
    calls = sum(1 for i in investors if "resign" in i.demands and i.seat != "none")
    seated = sum(1 for i in investors if i.seat != "none")
    return (g.pressure_investors * (1.0 - model.trust_investors),
            g.pressure_calls * calls / max(1, seated),
            g.pressure_departures * model.exec_departed_fraction,
            g.pressure_core * model.core_departed_fraction,
            g.pressure_payables * model.payables_pressure,
            g.pressure_board_exits * model.board_exit_fraction)


def pressure(model) -> float:
    """Pressure on the CEO: the sum of its terms."""
    return sum(pressure_terms(model))


def pressure_parts(model) -> dict[str, float]:
    """The terms of the pressure, named in words (to explain a resignation)."""
    return dict(zip(PRESSURE_TERMS, pressure_terms(model)))


def removal_vote(model) -> tuple[bool, str]:
    """Hold a vote on removing the CEO. Returns (removed, how the vote went)."""
    g, a = model.p.governance, model.p.investor_actions
    investors = model.investor_list
    if g.regime == "board_control":
        directors = [i for i in investors if i.seat == "board"]
        yes = sum(1 for i in directors if i.trust < a.remove_below)
        # Independents read the same board packs as the investor directors.
        if directors and model.trust_investors < a.remove_below:
            yes += g.independent_seats
        seats = 1 + len(directors) + g.independent_seats
        return yes * 2 > seats, f"board vote {yes} of {seats} seats for removal"
    # Founder control: only a majority of all shares can remove the CEO.
    yes = sum(i.stake for i in investors if i.trust < a.remove_below)
    return yes > 0.5, f"shareholder vote: {yes:.0%} of shares for removal, a majority needed"
