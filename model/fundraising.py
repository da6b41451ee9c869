"""Fundraising: priced rounds set by the CEO's optimism, bridges, target cuts, down rounds.

A round starts when runway falls below ``start_runway_weeks``. Its asked valuation is the
last post-money times a step that grows with the CEO's grandiosity; its size buys
``target_months`` of burn, more for a grandiose CEO. Each week of the round an investor may
make an offer. Offers are likelier with trusting insiders, open books (transparency: talks
stall when the financials are asked for and not given) and good market sentiment; offers
are priced at what traction supports (annualised revenue x market multiple x sentiment).
The CEO takes an offer that comes close enough to the ask; how close depends on listening
and desperation. A round with no accepted offer fails; the next asks for less. A bridge
(a SAFE from a new investor) may come in while a round runs and runway is short. When the
cash no longer covers ``distress_weeks`` of payroll and opex, round or not, a convertible
note at the brink may come instead: insiders and partners put money in to save what they
hold (Stability AI's Intel-led note of October 2023).

A scenario may also date a financing the company depends on (``financing_event``: an IPO or
a large round, with bank credit released only if it closes). It opens in its week whatever
the runway, at the CEO's asked valuation; in an IPO the books are public, so offers do not
wait on the CEO's transparency. Its failure is logged as ``financing_failed``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Round:
    number: int
    started: int        # week
    size: float         # USD asked
    valuation: float    # USD post-money asked
    weeks: int          # weeks it stays open
    credit: float = 0.0     # USD of credit released if it closes (a financing event)
    public: bool = False    # an IPO: the books are public
    event: bool = False     # the scenario's dated financing event


class Fundraising:
    """The company's fundraising state and the weekly process."""

    def __init__(self, params, last_post_money: float) -> None:
        self.p = params
        self.last_post_money = last_post_money
        self.round: Round | None = None
        self.rounds_started = 0
        self.failures = 0
        self.bridges = 0                # SAFEs during rounds
        self.notes = 0                  # notes at the brink
        self.cooldown_until = 0
        self.ask_size: float | None = None       # carried over (cut) after a failure
        self.ask_valuation: float | None = None
        self.first_ask: float | None = None       # USD post-money asked in the first round

    def step(self, model, ceo) -> None:
        """One week of fundraising, run by the CEO."""
        p, week = self.p, model.week
        fe = model.p.financing_event
        if fe.kind != "none" and week == fe.week:
            self.open_event(model, ceo, fe)
        self._maybe_bridge(model)
        if self.round is None:
            if (ceo.starts_rounds and not ceo.on_leave and model.runway_weeks < p.start_runway_weeks
                    and week >= self.cooldown_until):
                self._start(model, ceo)
            return
        if self._maybe_offer(model, ceo):
            return
        if week - self.round.started >= self.round.weeks:
            self._fail(model)

    # -- pieces
    def start(self, model, ceo, size: float, valuation: float) -> None:
        """Open a round with a chosen size and post-money valuation (USD)."""
        self.ask_size, self.ask_valuation = size, valuation
        self._start(model, ceo)

    def open_event(self, model, ceo, fe) -> None:
        """The dated financing event opens (replacing any round under way): its size is
        the scenario's, its price the CEO's ask."""
        if self.round is not None:
            self.withdraw(model, "superseded by the financing event")
        self.ask_size, self.ask_valuation = fe.size, None
        self._start(model, ceo, weeks=fe.weeks, credit=fe.credit, public=fe.kind == "ipo",
                    event=True)

    def _start(self, model, ceo, weeks: int | None = None, credit: float = 0.0,
               public: bool = False, event: bool = False) -> None:
        p = self.p
        self.rounds_started += 1
        if self.ask_valuation is None:
            self.ask_valuation = self.last_post_money * (1.0 + (p.valuation_step - 1.0) * ceo.grandiosity)
        if self.ask_size is None:
            self.ask_size = model.weekly_burn * 52 / 12 * p.target_months * (1.0 + ceo.grandiosity)
        self.round = Round(self.rounds_started, model.week, self.ask_size, self.ask_valuation,
                           weeks or p.round_weeks, credit, public, event)
        if self.first_ask is None:
            self.first_ask = self.ask_valuation
        model.record("round_started", ceo, f"round {self.rounds_started}: ${self.ask_size / 1e6:.0f}M "
                     f"at ${self.ask_valuation / 1e9:.2f}B post-money", amount=self.ask_size)

    def withdraw(self, model, why: str) -> None:
        """End the open round without a verdict (its ask is kept as the market's lesson)."""
        rnd = self.round
        model.record("round_withdrawn", model.ceo, f"round {rnd.number}: ${rnd.size / 1e6:.0f}M "
                     f"at ${rnd.valuation / 1e9:.2f}B withdrawn, {why}", cause=why,
                     amount=rnd.size)
        self.round = None
        self.ask_size = None

    def new_ceo(self, model, ceo) -> None:
        """A CEO change ends the old CEO's round. The new CEO sizes his own round from the
        company's state; he asks no more than his own rule gives, nor more than the last ask
        the market has already turned down (the board has seen that verdict)."""
        if self.round is not None and not self.round.event:
            self.withdraw(model, "with the CEO's exit")
        if self.round is None:
            own = self.last_post_money * (1.0 + (self.p.valuation_step - 1.0) * ceo.grandiosity)
            self.ask_valuation = min(own, self.ask_valuation or own)
            self.ask_size = None
            self.cooldown_until = model.week

    def fair_valuation(self, model) -> float:
        """What investors would pay: annualised revenue x multiple x sentiment (USD)."""
        return model.revenue * 52 * self.p.revenue_multiple * model.sentiment

    def _maybe_offer(self, model, ceo) -> bool:
        p, rnd = self.p, self.round
        # talks stall when the financials are asked for and not given; an IPO's are public
        diligence = 1.0 if rnd.public else ceo.transparency
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
        if rnd.credit > 0.0:
            model.raise_credit(rnd.credit, "the credit tied to the financing")
        model.record("round_closed", ceo, f"round {rnd.number}: ${amount / 1e6:.0f}M at "
                     f"${offer / 1e9:.2f}B post-money" + (" (down round)" if down else ""),
                     cause="down round" if down else "", amount=amount,
                     counterpart=f"Round {rnd.number} lead")
        model.news.closed_rounds += 1
        model.succession.review(model)
        self.last_post_money = offer
        self.round, self.ask_size, self.ask_valuation = None, None, None
        return True

    def _maybe_bridge(self, model) -> None:
        """Convertible money: a note at the brink when payroll is at risk (round or not), else
        a SAFE while a round runs and the runway is short. Both need investors' appetite."""
        p = self.p
        appetite = min(model.sentiment, 1.5)
        if model.cash < p.distress_weeks * model.other_cost:
            # insiders and partners put money in to save what they hold, not to buy a price
            if self.notes < p.max_distress_notes and \
                    model.rng.random() < p.distress_note_rate * appetite:
                self.notes += 1
                model.raise_bridge(p.distress_note_size, "convertible note", "Noteholder",
                                   "payroll at risk")
            return
        if (self.round is None or self.bridges >= p.max_bridges
                or model.runway_weeks >= p.bridge_runway_weeks):
            return
        if model.rng.random() < p.bridge_rate * appetite:
            self.bridges += 1
            model.raise_bridge(p.bridge_size, "SAFE", "SAFE investor", "short runway during a round")

    def _fail(self, model) -> None:
        p, rnd = self.p, self.round
        if rnd.event:
            model.record("financing_failed", model.ceo, f"the {model.p.financing_event.kind} "
                         f"seeking ${rnd.size / 1e6:,.0f}M at ${rnd.valuation / 1e9:.2f}B finds no "
                         f"acceptable offer" + (f"; ${rnd.credit / 1e6:,.0f}M of credit tied to "
                                                "it is lost" if rnd.credit else ""),
                         cause="no acceptable offer", amount=rnd.size)
        model.record("round_failed", model.ceo, f"round {rnd.number}: no acceptable offer for "
                     f"${rnd.size / 1e6:.0f}M at ${rnd.valuation / 1e9:.2f}B",
                     cause="no acceptable offer", amount=rnd.size)
        model.news.failed_rounds += 1
        self.failures += 1
        self.ask_size = rnd.size * (1.0 - p.target_cut)
        self.ask_valuation = rnd.valuation * (1.0 - p.target_cut)
        self.round = None
        self.cooldown_until = model.week + p.cooldown_weeks
