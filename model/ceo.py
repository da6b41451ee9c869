"""The CEO: promises, spending, fundraising, answers to the board, cost cuts, resignation."""

from __future__ import annotations

import mesa

from model import governance
from model.promises import AUDIENCES, Promise, keep_probability

TRAITS = ("promise_propensity", "grandiosity", "spending", "listening", "transparency",
          "entrenchment", "erratic")


class CEO(mesa.Agent):
    """The chief executive; the founder at week 0, later an interim CEO.

    Traits (all in [0, 1]) are copied from the scenario's ``ceo`` or ``interim_ceo`` table.
    """

    starts_rounds = True   # opens a round by itself when runway gets short

    def __init__(self, model, traits, name: str, founder: bool) -> None:
        super().__init__(model)
        for t in TRAITS:
            setattr(self, t, getattr(traits, t))
        self.name = name
        self.role = "founder-CEO" if founder else "interim CEO"
        self.founder = founder
        self.in_office = True
        self.pressure = 0.0
        self.search_until = -1               # week an acquisition search ends
        self.on_leave = False                # stepped aside on a leave of absence
        self.last_cut = {"compute": -999, "layoff": -999, "asset": -999}

    # ------------------------------------------------------------------ weekly step
    def step(self) -> None:
        m = self.model
        self.resolve_promises()
        if not self.on_leave:
            self.make_promise()
        self.set_spending()
        m.fundraising.step(m, self)
        self.search_for_buyer()
        if not m.running:
            return
        self.cut_costs()
        self.consider_resigning()

    # ------------------------------------------------------------------ promises
    def make_promise(self) -> None:
        m = self.model
        if m.rng.random() >= self.promise_propensity:
            return
        audience = AUDIENCES[int(m.rng.integers(len(AUDIENCES)))]
        pol = m.p.policy
        due = m.week + int(m.rng.integers(pol.promise_weeks_min, pol.promise_weeks_max + 1))
        ambition = pol.ambition_scale * self.grandiosity * float(m.rng.random())
        m.promises.add(Promise(audience, m.week, due, ambition))
        m.news.made[audience] += 1
        m.record("promise_made", self, f"to {audience}, due week {due}, ambition {ambition:.2f}")

    def resolve_promises(self) -> None:
        m = self.model
        for pr in m.promises.due(m.week):
            kept = m.rng.random() < keep_probability(pr.ambition, m.capacity, m.cash_comfort,
                                                     m.p.policy)
            cred = m.credibility[pr.audience]
            if kept:
                cred.kept += 1
                m.news.kept[pr.audience] += 1
                if pr.audience != "staff":      # a kept external promise is a deal landing
                    m.revenue_rate *= 1.0 + m.p.revenue.kept_promise_boost
            else:
                cred.broken += 1
                m.news.broken[pr.audience] += 1
            m.record("promise_kept" if kept else "promise_broken", self,
                     f"to {pr.audience}, made week {pr.made}, ambition {pr.ambition:.2f}")

    # ------------------------------------------------------------------ money
    def set_spending(self) -> None:
        """Grow compute with spending aggressiveness while runway looks comfortable."""
        m = self.model
        if m.runway_weeks > m.p.policy.cut_runway_weeks and m.payables <= 0.0:
            m.compute_scale *= 1.0 + m.p.compute.max_growth * self.spending

    def _cut_willingness(self) -> float:
        """Weekly chance of a cut once money is short: frugal, listening and pressed CEOs cut,
        and any CEO cuts when desperate (model.desperation)."""
        m, pol = self.model, self.model.p.policy
        return m_clip(pol.cut_rate * ((1.0 - self.spending)
                                      * (pol.cut_base + self.listening + self.pressure)
                                      + m.desperation))

    def cut_costs(self) -> None:
        m, pol = self.model, self.model.p.policy
        if m.runway_weeks >= pol.cut_runway_weeks and m.payables <= 0.0:
            return
        w = self._cut_willingness()
        week = m.week
        if (m.compute_week0 > 0.0         # nothing to cut in a company without compute
                and week - self.last_cut["compute"] >= pol.cut_cooldown_weeks
                and m.rng.random() < w):
            self.last_cut["compute"] = week
            m.cut_compute(self)
        if (week - self.last_cut["layoff"] >= pol.cut_cooldown_weeks
                and m.rng.random() < pol.layoff_relative * w):
            self.last_cut["layoff"] = week
            m.layoff(self)
        if (m.sellable_assets > 0 and week - self.last_cut["asset"] >= pol.cut_cooldown_weeks
                and m.rng.random() < w * (1.0 + m.sale_urged)):
            self.last_cut["asset"] = week
            m.sell_asset(self)

    def search_for_buyer(self) -> None:
        """During an acquisition search, buyers talk. A buyer prices the company below what
        investors would pay, less again the shorter the runway (its leverage), and takes on
        the unpaid bills; the deal fails if that is below the CEO's ask, which grows with
        grandiosity and falls with listening."""
        m, pol = self.model, self.model.p.policy
        if m.week > self.search_until or m.rng.random() >= pol.buyer_rate:
            return
        leverage = 1.0 - pol.distress_discount * (1.0 - m.cash_comfort)
        price = (m.fundraising.fair_valuation(m) * pol.buyer_discount * leverage
                 * float(m.rng.lognormal(0.0, pol.buyer_noise))) - m.payables
        ask = (m.fundraising.last_post_money * (1.0 + self.grandiosity)
               * (1.0 - pol.ask_listening_discount * self.listening))
        if price > 0.0 and price >= ask:
            m.company_sold(self, price)
        else:
            m.record("sale_failed", self, f"buyer offered ${max(price, 0.0) / 1e9:.2f}B, ask "
                     f"${ask / 1e9:.2f}B", amount=max(price, 0.0))

    # ------------------------------------------------------------------ answers to investors
    # The decisions below are the CEO's own rule; a subclass whose decisions come from
    # elsewhere (a student playing) overrides only these, and the answers stay the same.
    def accepts_audit(self) -> bool:
        return self.model.rng.random() < self.listening

    def accepts_sale(self) -> bool:
        return self.model.rng.random() < m_clip(
            self.listening + self.model.p.policy.sale_pressure_weight * self.pressure)

    def accepts_package(self) -> bool:
        return self.model.rng.random() < m_clip(self.pressure - self.entrenchment)

    def accepts_rescue(self) -> bool:
        """Money on condition that he goes: the choice is between leaving with a package and
        the company's (and his stake's) ruin, so it follows desperation, not entrenchment
        (which is resistance to pressure while there is still a company to keep)."""
        m = self.model
        return m.rng.random() < m.desperation

    def accepts_succession(self) -> bool:
        """Step aside for the professional CEO the board found? Attachment to the job
        (entrenchment) is what makes a founder refuse (Wasserman 2003)."""
        return self.model.rng.random() >= self.entrenchment

    def answer_audit(self, investor) -> bool:
        m = self.model
        accepted = self.accepts_audit()
        if accepted:
            self.transparency = min(1.0, self.transparency + m.p.policy.audit_transparency_gain)
        m.record("audit_accepted" if accepted else "audit_refused", self, f"asked by {investor.name}",
                 counterpart=investor.name)
        return accepted

    def answer_sale(self, investor) -> bool:
        m = self.model
        accepted = self.accepts_sale()
        if accepted:
            self.search_until = m.week + m.p.policy.sale_search_weeks
            m.record("sale_search", self, f"acquisition search until week {self.search_until}, "
                     f"urged by {investor.name}")
        else:
            m.record("sale_refused", self, f"urged by {investor.name}")
        return accepted

    def answer_exit_package(self, investor) -> bool:
        m = self.model
        accepted = self.accepts_package()
        if accepted:
            m.ceo_leaves("resigned", f"accepted the exit package offered by {investor.name}",
                         cause="exit package", counterpart=investor.name)
        else:
            m.record("exit_package_refused", self, f"offered by {investor.name}")
        return accepted

    def consider_resigning(self) -> None:
        m = self.model
        self.pressure = governance.pressure(m)
        excess = self.pressure - self.entrenchment
        if excess <= 0.0:
            return
        g = m.p.governance
        if m.rng.random() < g.resign_rate * excess:
            cause, mostly = self._mostly()
            m.ceo_leaves("resigned", f"under pressure {self.pressure:.2f} "
                         f"(entrenchment {self.entrenchment:.2f}); mostly {mostly}", cause=cause)
        elif not self.on_leave and g.leave_rate > 0.0 and m.rng.random() < g.leave_rate * excess:
            self.on_leave = True
            cause, mostly = self._mostly()
            m.record("ceo_leave", self, f"steps aside on a leave of absence under pressure "
                     f"{self.pressure:.2f}; mostly {mostly}", cause=cause)

    def _mostly(self) -> tuple[str, str]:
        """The largest pressure term, and the three largest in words (to explain a step)."""
        parts = sorted(governance.pressure_parts(self.model).items(), key=lambda kv: -kv[1])[:3]
        return parts[0][0], ", ".join(f"{k} {v:.2f}" for k, v in parts)


def m_clip(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x
