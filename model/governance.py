"""Governance: pressure on the CEO, and removal votes.

Votes are separate from economic stakes: every shareholder (the founder included) holds a
stake and a number of votes per share; board seats are separate again. A removal is voted by
the board (a majority of its seats) or by the shareholders (a majority of all votes), as the
scenario's ``governance.removal_by`` says; either way, holders of a majority of all votes who
oppose it (the founder-CEO with his own votes, and investors who still trust him) can stop it,
since they could replace the directors. Founder control is therefore a consequence of the
founder's share of the votes, lost through dilution or concessions, not a switch.
"""

from __future__ import annotations

PRESSURE_TERMS = ("investors' calls to go", "investors' joint letter", "employees' open letter",
                  "executives leaving", "the core team leaving", "unpaid bills")


def pressure_terms(model) -> tuple[float, ...]:
    """The terms of the pressure on the CEO (dimensionless), in the order of PRESSURE_TERMS:
    the stake-weighted share of investors who called for his resignation or left their seat
    under this CEO, their joint letter if they sent one, the employees' open letter if they
    wrote one, the executives and the core team who left under him, and unpaid bills."""
    g = model.p.governance
    stakes = demanding = 0.0
    for i in model.investor_list:
        stakes += i.stake
        if "resign" in i.demands or "left" in i.demands:
            demanding += i.stake
    return (g.pressure_investors * (demanding / stakes if stakes > 0 else 0.0),
            g.pressure_letter * model.letter_sent,
            g.pressure_staff_letter * model.staff_letter_sent,
            g.pressure_departures * model.exec_departed_fraction,
            g.pressure_core * model.core_departed_fraction,
            g.pressure_payables * model.payables_pressure)


def pressure(model) -> float:
    """Pressure on the CEO: the sum of its terms."""
    return sum(pressure_terms(model))


def pressure_parts(model) -> dict[str, float]:
    """The terms of the pressure, named in words (to explain a resignation)."""
    return dict(zip(PRESSURE_TERMS, pressure_terms(model)))


def joint_letter(model) -> None:
    """Investors who have called for the CEO's resignation act together, in one letter,
    once two or more of them hold enough of the votes between them (not a majority: the
    letter is pressure, not a vote)."""
    if model.letter_sent:
        return
    signers = [i for i in model.investor_list if "resign" in i.demands]
    total = model.total_votes()
    held = sum(i.stake * i.votes_per_share for i in signers) / total if total > 0 else 0.0
    if len(signers) >= 2 and held >= model.p.governance.joint_letter_votes:
        model.letter_sent = True
        model.record("joint_letter", None, f"{len(signers)} investors holding {held:.0%} of the "
                     f"votes demand {model.ceo.name}'s resignation in a joint letter",
                     agent=", ".join(i.name for i in signers), role="investors",
                     cause="lost trust", amount=held, counterpart=model.ceo.name)


def blocking_votes(model) -> float:
    """Share of all votes held by those who would oppose removing the CEO: the founder-CEO's
    own votes and the investors who still trust him (other holders do not vote)."""
    a = model.p.investor_actions
    total = model.total_votes()
    against = sum(i.stake * i.votes_per_share for i in model.investor_list
                  if i.trust >= a.remove_below)
    if model.ceo.founder:
        against += model.founder_stake * model.founder_vps
    return against / total if total > 0 else 0.0


def removal_vote(model) -> tuple[bool, str]:
    """Hold a vote on removing the CEO. Returns (removed, how the vote went)."""
    g, a = model.p.governance, model.p.investor_actions
    investors = model.investor_list
    if g.removal_by == "board":
        directors = [i for i in investors if i.seat == "board"]
        yes = sum(1 for i in directors if i.trust < a.remove_below)
        # Independents read the same board packs as the investor directors.
        if directors and model.trust_investors < a.remove_below:
            yes += g.independent_seats
        seats = 1 + len(directors) + g.independent_seats
        return yes > g.removal_majority * seats, f"board vote: {yes} of {seats} seats for removal"
    total = model.total_votes()
    yes = sum(i.stake * i.votes_per_share for i in investors if i.trust < a.remove_below)
    share = yes / total if total > 0 else 0.0
    return (share > g.removal_majority,
            f"shareholder vote: {share:.0%} of all votes for removal, "
            f"more than {g.removal_majority:.0%} needed")
