"""Employees acting together: an open letter against the CEO, or for a CEO the board has just
voted out, and a board that reverses itself under the threat of a walk-out.

Employees usually answer a CEO they distrust by leaving (exit), not by speaking up (voice:
Hirschman 1970, *Exit, Voice, and Loyalty*). They act together when enough of them share the
same view at once: then an open letter is a credible threat to leave together. Against the
sitting CEO, the letter is pressure (as the investors' joint letter is). For a CEO the board
has voted out, it can make the board reverse itself: at OpenAI in November 2023 some 95% of
the staff signed such a letter within days and the board reinstated the CEO; at Uber in June
2017 about a tenth of the staff petitioned for the founder's return and nothing changed.

Who counts: named executives and researchers one by one, and the aggregate staff by the share
of them past a level (their thresholds, or the trust they started with), the personal levels
spread normally (sd ``workforce.threshold_sd``) around it; weighted by head count.
"""

from __future__ import annotations

import math


def _share_of_staff_below(model, level: float) -> float:
    """Share of the aggregate staff whose trust is below their personal level, the levels
    spread as N(``level``, threshold_sd) around the staff's one trust value."""
    z = (level - model.staff_trust) / max(1e-9, model.p.workforce.threshold_sd)
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _share_of_employees(model, named_yes, staff_yes: float) -> float:
    """Share of all employees by head count: named people one by one (``named_yes(p)``),
    the aggregate staff as the share ``staff_yes`` of them."""
    named = model.executives + model.researchers
    total = len(named) + model.staff
    if total == 0:
        return 0.0
    return (sum(1 for p in named if named_yes(p)) + model.staff * staff_yes) / total


def staff_unhappy_share(model) -> float:
    """Share of the aggregate staff whose trust is below their departure threshold:
    Φ((threshold_mean − staff trust) / threshold_sd), thresholds ~ N(mean, sd)."""
    return _share_of_staff_below(model, model.p.workforce.threshold_mean)


def unhappy_share(model) -> float:
    """Share of all employees (by head count) whose trust in the CEO is below their threshold."""
    return _share_of_employees(model, lambda p: p.trust < p.threshold,
                               staff_unhappy_share(model))


def loyal_share(model) -> float:
    """Share of all employees (by head count) who trust the CEO at least as much as when he
    started with them (a founder: the groups' trust at week 0; a successor: the trust
    every new CEO starts with). Being above one's departure threshold is only not leaving;
    threatening to leave *for* someone takes loyalty."""
    wf, fresh = model.p.workforce, model.p.trust.new_ceo_trust
    start = ({"executive": wf.initial_trust_exec, "researcher": wf.initial_trust_research}
             if model.ceo.founder else {"executive": fresh, "researcher": fresh})
    return _share_of_employees(model, lambda p: p.trust >= start[p.group],
                               1.0 - _share_of_staff_below(model, start["researcher"]))


def letter_against(model) -> None:
    """Once per CEO: when at least ``governance.staff_letter_share`` of the employees distrust
    him at once, they write an open letter calling on him to go (pressure on the CEO)."""
    if model.staff_letter_sent:
        return
    share = unhappy_share(model)
    if share >= model.p.governance.staff_letter_share:
        model.staff_letter_sent = True
        model.record("staff_letter", None, f"{share:.0%} of the employees sign an open letter "
                     f"calling on {model.ceo.name} to go", agent="the employees",
                     role="employees", cause="against the CEO", amount=share,
                     counterpart=model.ceo.name)


def board_reverses(model) -> bool:
    """A removal vote (board or shareholders) has just passed. If at least
    ``governance.reinstate_share`` of the employees are loyal to him (:func:`loyal_share`),
    they sign a letter threatening to leave together unless he stays, and the board reverses
    itself: the directors who voted for removal leave the board. Returns whether it did."""
    g, a = model.p.governance, model.p.investor_actions
    support = loyal_share(model)
    if support < g.reinstate_share:
        return False
    ceo = model.ceo
    if model.reversed_under is ceo:
        return True        # the threat that reversed the board once still stands: no new vote
    model.record("staff_letter", None, f"{support:.0%} of the employees threaten to leave "
                 f"together unless {ceo.name} stays", agent="the employees", role="employees",
                 cause="for the CEO", amount=support, counterpart=ceo.name)
    model.record("removal_reversed", ceo, "the board reverses its vote to remove him; the "
                 "directors who voted for it leave the board", cause="employees' letter",
                 amount=support)
    for inv in model.investor_list:
        if inv.seat == "board" and inv.trust < a.remove_below:
            model.investor_leaves_seat(inv)
    model.reversed_under = ceo
    return True
