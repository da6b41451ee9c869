"""A rescue: when the money runs short, whoever has deep pockets may save the company, on
their terms. The rescuer takes a large share (so power shifts to it) and may make the
founder-CEO's exit a condition of the money; he may accept (with an exit package) or refuse,
and then the company runs on towards insolvency.
"""

from __future__ import annotations

REFUSAL_LOG_WEEKS = 13   # weeks between two logged refusals (the log only; the offer stands)


def consider(model) -> None:
    """Once a week: does the rescuer step in, and on what condition?"""
    r = model.p.rescue
    if (model.rescued_week is not None or r.amount <= 0.0 or model.week < r.earliest_week
            or model.runway_weeks >= r.runway_weeks):
        return
    ceo = model.ceo
    if r.requires_ceo_exit and ceo.founder:
        if not ceo.accepts_rescue():
            if model.week - model.rescue_refused_week >= REFUSAL_LOG_WEEKS:
                model.rescue_refused_week = model.week
                model.record("rescue_refused", ceo, f"refuses {r.name}'s money on condition "
                             "that he goes", counterpart=r.name, amount=r.amount)
            return
        model.ceo_leaves("resigned", f"accepted {r.name}'s rescue, on condition that he goes, "
                         "with an exit package", cause="rescue condition", counterpart=r.name)
    if r.requires_board_exit and model.ceo_exit_week is not None \
            and model.founder_left_board_week is None:
        model.founder_leaves_board(f"gives up his board seat as a condition of {r.name}'s rescue")
    model.rescued_week = model.week
    model.raise_equity(r.amount, r.amount / r.share, model.ceo, lead_name=r.name)
    forgiven = model.ledger.forgive_payables() if r.forgives_payables else 0.0
    model.record("rescued", model.ceo, f"{r.name} puts in ${r.amount / 1e6:,.0f}M for "
                 f"{r.share:.0%} of the company" + (f"; suppliers write off "
                                                     f"${forgiven / 1e6:,.0f}M of unpaid bills"
                                                     if forgiven else ""),
                 amount=r.amount, counterpart=r.name)
    model._update_derived()
