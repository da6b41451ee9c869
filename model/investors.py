"""Investors: watch the company, lose (or gain) trust in the CEO, escalate, leave the board."""

from __future__ import annotations

import mesa

from model import trust as trustlib


class Investor(mesa.Agent):
    """A shareholder with a board seat, an observer seat or none."""

    def __init__(self, model, name: str, seat: str, stake: float, lead: bool, trust: float,
                 votes_per_share: float = 1.0) -> None:
        super().__init__(model)
        self.name = name
        self.seat = seat
        self.stake = stake
        self.votes_per_share = votes_per_share
        self.lead = lead
        self.trust = trust
        self.knows_unpaid = False
        self.weeks_low = 0
        self.demands: set[str] = set()   # demands made of the current CEO
        self.felt = 0.0                  # evidence from the CEO's answers to demands

    @property
    def role(self) -> str:
        return {"board": "board director", "observer": "board observer"}.get(self.seat, "investor")

    @property
    def seated(self) -> bool:
        return self.seat != "none"

    def step(self) -> None:
        self.perceive()
        self.act()

    def perceive(self) -> None:
        """Update trust from the week's shared investor evidence plus what this investor knows:
        the CEO's answers to its demands, and the runway it sees (the reported one until it
        learns that bills go unpaid, then the true one)."""
        m = self.model
        if m.payables > 0.0:
            if not self.knows_unpaid:
                learn = m.ceo.transparency if self.seated else m.p.investor_actions.leak_rate
                self.knows_unpaid = m.rng.random() < learn
        else:
            self.knows_unpaid = False
        evidence = m.evidence_investors - m.investor_fear[self.knows_unpaid] + self.felt
        self.felt = 0.0
        self.trust = trustlib.update(self.trust, evidence, m.p.trust.gain_rate, m.p.trust.asymmetry)

    def act(self) -> None:
        """Escalate as trust falls: audit, sale, resignation, exit package, leaving the seat."""
        m, a, ceo, t = self.model, self.model.p.investor_actions, self.model.ceo, self.trust
        tp = m.p.trust
        if self.seated and t < a.audit_below and "audit" not in self.demands:
            self.demands.add("audit")
            m.record("audit_demanded", self, "independent audit of the finances")
            self.felt += tp.accepted_demand if ceo.answer_audit(self) else -tp.refused_demand
        if self.seated and t < a.sale_below and "sale" not in self.demands:
            self.demands.add("sale")
            m.sale_urged = 1
            m.record("sale_urged", self, "urges the board to sell the company")
            self.felt += tp.accepted_demand if ceo.answer_sale(self) else -tp.refused_demand
        if t < a.resign_below and "resign" not in self.demands:
            self.demands.add("resign")
            m.record("resignation_demanded", self, f"calls on {ceo.name} to resign")
        if self.lead and t < a.package_below and "package" not in self.demands:
            self.demands.add("package")
            m.record("exit_package_offered", self, f"offers {ceo.name} an exit package")
            if ceo.answer_exit_package(self):
                return
        if self.seated:
            self.weeks_low = self.weeks_low + 1 if t < a.leave_below else 0
            if self.weeks_low > a.leave_patience_weeks:
                m.investor_leaves_seat(self)

    def new_ceo(self, trust: float) -> None:
        """A new CEO: demands start over, trust starts at the newcomer's level, and answers
        the old CEO gave count no more."""
        self.trust = trust
        self.demands.clear()
        self.weeks_low = 0
        self.felt = 0.0
