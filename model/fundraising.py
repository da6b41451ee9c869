"""Fundraising: priced rounds set by the CEO's optimism, bridges, target cuts, down rounds.

A round starts when runway falls below ``start_runway_weeks``. Its asked valuation is the
last post-money times a step that grows with the CEO's grandiosity; its size buys
``target_months`` of burn, more for a grandiose CEO. Each week of the round an investor may
make an offer. Offers are likelier with trusting insiders, open books (transparency: talks
stall when the financials are asked for and not given) and good market sentiment; offers
are priced at what traction supports (annualised revenue x market multiple x sentiment).
The CEO takes an offer that comes close enough to the ask; how close depends on listening
and desperation. A round with no accepted offer fails; the next asks for less. A bridge
(a SAFE from a new investor) may come in while a round runs and runway is short.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Round:
    number: int
    started: int        # week
    size: float         # USD asked
    valuation: float    # USD post-money asked


class Fundraising:
    """The company's fundraising state and the weekly process."""

    def __init__(self, params, last_post_money: float) -> None:
        self.p = params
        self.last_post_money = last_post_money
        self.round: Round | None = None
        self.rounds_started = 0
        self.failures = 0
        self.bridges = 0
        self.cooldown_until = 0
        self.ask_size: float | None = None       # carried over (cut) after a failure
        self.ask_valuation: float | None = None
        self.first_ask: float | None = None       # USD post-money asked in the first round

    def step(self, model, ceo) -> None:
        """One week of fundraising, run by the CEO."""
        p, week = self.p, model.week
        if self.round is None:
            if (ceo.starts_rounds and model.runway_weeks < p.start_runway_weeks
                    and week >= self.cooldown_until):
                self._start(model, ceo)
            return
        self._maybe_bridge(model)
        if self._maybe_offer(model, ceo):
            return
        if week - self.round.started >= p.round_weeks:
            self._fail(model)

    # -- pieces
    def start(self, model, ceo, size: float, valuation: float) -> None:
        """Open a round with a chosen size and post-money valuation (USD)."""
        self.ask_size, self.ask_valuation = size, valuation
        self._start(model, ceo)

    def _start(self, model, ceo) -> None:
        p = self.p
        self.rounds_started += 1
        if self.ask_valuation is None:
            self.ask_valuation = self.last_post_money * (1.0 + (p.valuation_step - 1.0) * ceo.grandiosity)
            self.ask_size = model.weekly_burn * 52 / 12 * p.target_months * (1.0 + ceo.grandiosity)
        self.round = Round(self.rounds_started, model.week, self.ask_size, self.ask_valuation)
        if self.first_ask is None:
            self.first_ask = self.ask_valuation
        model.record("round_started", ceo, f"round {self.rounds_started}: ${self.ask_size / 1e6:.0f}M "
                     f"at ${self.ask_valuation / 1e9:.2f}B post-money", amount=self.ask_size)

    def fair_valuation(self, model) -> float:
        """What investors would pay: annualised revenue x multiple x sentiment (USD)."""
        return model.revenue * 52 * self.p.revenue_multiple * model.sentiment

    def _maybe_offer(self, model, ceo) -> bool:
        p, rnd = self.p, self.round
        diligence = ceo.transparency   # talks stall when the financials are asked for and not given
        chance = p.offer_rate * model.trust_investors * diligence * min(model.sentiment, 1.5)
        if model.rng.random() >= chance:
            return False
        offer = self.fair_valuation(model) * float(model.rng.lognormal(0.0, p.offer_noise))
        if offer <= 0.0:        # nothing to sell yet (no revenue): no offer
            return False
        flex = min(p.flex_max, p.flex_base + p.flex_listening * ceo.listening
                   + p.flex_desperation * model.desperation)
        if offer < rnd.valuation * (1.0 - flex):
            model.record("offer_rejected", ceo, f"offer at ${offer / 1e9:.2f}B vs ask "
                         f"${rnd.valuation / 1e9:.2f}B", amount=offer)
            return False
        amount = min(rnd.size, p.max_new_share * offer)
        down = offer < self.last_post_money
        model.raise_equity(amount, offer, ceo)
        model.record("round_closed", ceo, f"round {rnd.number}: ${amount / 1e6:.0f}M at "
                     f"${offer / 1e9:.2f}B post-money" + (" (down round)" if down else ""),
                     cause="down round" if down else "", amount=amount,
                     counterpart=f"Round {rnd.number} lead")
        model.news.closed_rounds += 1
        self.last_post_money = offer
        self.round, self.ask_size, self.ask_valuation = None, None, None
        return True

    def _maybe_bridge(self, model) -> None:
        p = self.p
        if (self.bridges >= p.max_bridges or model.runway_weeks >= p.bridge_runway_weeks):
            return
        if model.rng.random() < p.bridge_rate * min(model.sentiment, 1.5):
            self.bridges += 1
            model.raise_bridge(p.bridge_size)

    def _fail(self, model) -> None:
        p, rnd = self.p, self.round
        model.record("round_failed", model.ceo, f"round {rnd.number}: no acceptable offer for "
                     f"${rnd.size / 1e6:.0f}M at ${rnd.valuation / 1e9:.2f}B",
                     cause="no acceptable offer", amount=rnd.size)
        model.news.failed_rounds += 1
        self.failures += 1
        self.ask_size = rnd.size * (1.0 - p.target_cut)
        self.ask_valuation = rnd.valuation * (1.0 - p.target_cut)
        self.round = None
        self.cooldown_until = model.week + p.cooldown_weeks
