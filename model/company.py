"""The startup governance model: one step is one week of the company's life.

The model owns the world (finances, fundraising, promises, the board, the workforce) and
the schedule. Each week:

1. the market moves and the company operates: revenue comes in, compute and payroll are
   incurred, monthly supplier bills are issued and paid as cash allows;
2. the CEO keeps or breaks promises, makes new ones, sets spending, fundraises, cuts costs
   and may resign;
3. investors update their trust and escalate (audit, sale, resignation, exit package, seat);
4. where the rules allow it, a vote may remove the CEO (see governance.py), and a board's
   search for a professional CEO, started after a round, may end the founder's tenure
   (see succession.py);
5. executives and researchers update their trust (incl. contagion) and may leave;
6. the rest of the staff turns over, executives are replaced, and the week is recorded.

Agents react to last week's news (``last_news``) so that the order in which agents of one
kind act does not matter.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import mesa
from mesa.datacollection import DataCollector

from model import collective, governance, rescue, shocks
from model import trust as trustlib
from model.calendar import is_month_start, week_date
from model.ceo import CEO
from model.employees import Employee, Executive, Researcher
from model.events import EventLog
from model.finances import Ledger
from model.fundraising import Fundraising
from model.investors import Investor
from model.network import Contagion, tie_colleagues, tie_newcomer
from model.overrides import model_arguments
from model.parameters import Parameters
from model.promises import AUDIENCES, PromiseBook
from model.succession import Succession
from model.trust import Credibility

RUNWAY_CAP = 260.0  # weeks; runway reported when the company is not burning cash
VOTE_LOG_WEEKS = 13  # weeks between two logged failed votes (the log only; votes go on)

WEEKLY_COLUMNS = {
    # column: model attribute (declared once; the DataCollector reads these every week)
    "week": "week", "date": "date", "cash": "cash", "payables": "payables",
    "revenue": "revenue", "compute_cost": "compute_cost", "other_cost": "other_cost",
    "runway_weeks": "runway_weeks", "executives": "n_executives",
    "researchers": "n_researchers", "staff": "staff", "trust_investors": "trust_investors",
    "trust_executives": "trust_executives", "trust_researchers": "trust_researchers",
    "board_investor_seats": "board_investor_seats", "ceo_in_office": "ceo_in_office",
    "capacity": "capacity", "sentiment": "sentiment", "ceo_pressure": "ceo_pressure",
    "raised": "raised", "founder_votes": "founder_votes",
}
# Columns holding whole numbers (the rest are floats, and "date" is text).
WEEKLY_INTS = {"week", "executives", "researchers", "staff", "board_investor_seats",
               "ceo_in_office"}


def _counter() -> Counter:
    return Counter({a: 0 for a in AUDIENCES})


@dataclass
class News:
    """What happened in one week, as the agents will hear of it the week after."""
    made: Counter = field(default_factory=_counter)
    kept: Counter = field(default_factory=_counter)
    broken: Counter = field(default_factory=_counter)
    failed_rounds: int = 0
    closed_rounds: int = 0
    senior_departures: int = 0   # executives and core researchers
    board_exits: int = 0
    layoffs: int = 0
    compute_cuts: int = 0


class StartupModel(mesa.Model):
    """Agent-based model of a startup's governance, week by week.

    Args:
        params: the validated parameter tree (see :mod:`model.parameters`).
        seed: seed of the model's random generator; the same seed gives the same run.
        ceo_class: the founder-CEO's class (default :class:`model.ceo.CEO`).
        scenario, weeks, rng, **overrides: the keyword form ``mesa.batch_run`` calls, e.g.
            ``StartupModel(scenario="stability-ai", rng=3, **{"ceo.listening": 0.8})``:
            a scenario by name (instead of ``params``), its horizon, the seed by Mesa's
            name, parameter values by dotted path (see :mod:`model.overrides`).
    """

    def __init__(self, params: Parameters | None = None, seed: int | None = None, ceo_class=None,
                 *, scenario: str | None = None, weeks: int | None = None, rng=None,
                 **overrides) -> None:
        if params is None or overrides or any(x is not None for x in (scenario, weeks, rng)):
            params, seed = model_arguments(params, seed, scenario, weeks, rng, overrides)
        super().__init__(rng=seed)
        self.p = p = params
        self.start = p.start
        self.week = 0
        self.events = EventLog()
        self.news, self.last_news = News(), News()

        # finances and the market
        self.ledger = Ledger(p.finance.start_cash, p.suppliers.values())
        self.compute_scale = 1.0
        self.revenue_rate = p.revenue.initial_weekly
        self.compute_week0 = p.compute.weekly_cost / (1.0 - p.compute.free_share)  # USD/week billed
        self.revenue = self.other_cost = 0.0
        self.compute_cost = self.compute_week0
        self.sentiment = p.market.sentiment
        self.sellable_assets = p.company.sellable_assets
        self.fundraising = Fundraising(p.fundraising, last_post_money=p.fundraising.post_money)
        self.succession = Succession()
        self.promises = PromiseBook()
        self.credibility = {a: Credibility(p.trust.break_weight) for a in AUDIENCES}
        self.sale_urged = 0
        self.bridge_raised = 0.0
        self.insolvent_week: int | None = None
        self.sold_week: int | None = None
        self.ceo_exit_week: int | None = None
        self.ceo_exit_kind: str | None = None
        self.last_vote_week = -999
        self.shocks = shocks.by_week(p.shocks)
        self.rescued_week: int | None = None
        self.rescue_refused_week = -999
        self.letter_sent = False          # investors' joint letter to the current CEO
        self.staff_letter_sent = False    # the employees' open letter against the current CEO
        self.reversed_under = None        # the CEO whose removal the board reversed, if any
        self.founder_left_board_week: int | None = None
        # shareholdings: the founder (a shareholder whether or not CEO), the investors (agents
        # below), and everyone else (employees, angels), who hold the rest and do not vote
        # on a removal
        self.founder_stake = p.ceo.stake
        self.founder_vps = p.ceo.votes_per_share
        self.other_stake = max(0.0, 1.0 - p.ceo.stake - sum(i.stake for i in p.investors.values()))
        self.founder_control_lost_week: int | None = None

        # people
        # ceo_class: a CEO subclass whose decisions come from elsewhere (a student playing)
        self.ceo = (ceo_class or CEO)(self, p.ceo, "the founder-CEO", founder=True)
        self.investor_list: list[Investor] = [
            Investor(self, i.name, i.seat, i.stake, i.lead, i.initial_trust, i.votes_per_share)
            for i in p.investors.values()]
        self.seats_given_up = 0
        # changes only when stakes do (a priced round), so it is set there, not every week
        self.founder_votes = self.voting_share_of_founder()
        self.founder_controls = self.founder_votes > 0.5
        wf = p.workforce
        self.executives: list[Executive] = [self._new_executive(e) for e in p.executives.values()]
        self.researchers: list[Researcher] = [self._new_researcher(k < wf.core_researchers)
                                              for k in range(wf.researchers)]
        tie_colleagues(self.executives + self.researchers, wf.ties, self.rng, wf.same_group_ties)
        self.contagion = Contagion(wf.contagion_shock, wf.follow_prob, wf.contagion_lag_min,
                                   wf.contagion_lag_max)
        self.staff = wf.staff
        self.staff_trust = wf.initial_trust_research
        self.initial_execs = len(self.executives)
        self.initial_research_weight = self._research_weight() or 1.0
        self.initial_staff = max(1, wf.staff)
        self.execs_left = 0
        self.core_left = 0
        self.leavers: list[Employee] = []  # executives and researchers who resigned, in order
        self.ceo_start_counts = (0, 0)   # executives and core researchers gone at this CEO's start
        self.replacements: list[tuple[int, object]] = []  # (week due, executive params)
        self.core_team_departed_week: int | None = None
        self.laid_off = 0
        self.ceo_in_office = 1
        self.ceo_pressure = 0.0
        # burn and revenue histories start as if week 0 had repeated before it
        self.burn_history = [self.compute_week0 + self._payroll() - self.revenue_rate] * 4
        self.revenue_history = [self.revenue_rate] * 14
        self._update_derived()

        self.employee_constants = (p.trust.ethics * p.company.copyright_stance, p.trust.gain_rate,
                                   p.trust.asymmetry, wf.departure_hazard, wf.base_turnover,
                                   wf.follow_prob)
        if p.fundraising.opens_after_round:   # week 0 is a round's close: the board reviews
            self.succession.review(self)
        self.datacollector = DataCollector(model_reporters=WEEKLY_COLUMNS)

    # ================================================================== schedule
    def step(self) -> None:
        """Advance one week."""
        self.news = News()
        for shock in self.shocks.get(self.week, ()):
            shocks.apply(self, shock)
        self.move_market()
        self.operate()
        if self.running:
            self._perceive()
            self.ceo.step()
        if self.running:
            rescue.consider(self)
            for inv in self.rng.permutation(len(self.investor_list)):
                if self.running:
                    self.investor_list[inv].step()
            governance.joint_letter(self)
            collective.letter_against(self)
            self.board_vote()
            self.succession.step(self)
            self.contagion.deliver(self.week)
            self._perceive()   # the CEO's answers and a new CEO this week shift what staff see
            self.agents_by_type[Executive].shuffle_do("step") if self.executives else None
            self.agents_by_type[Researcher].shuffle_do("step") if self.researchers else None
            self.turnover_staff()
            self.hire_replacements()
        self._update_derived()
        self.datacollector.collect(self)
        self.last_news = self.news
        self.week += 1
        if self.week >= self.p.run.weeks:
            self.running = False

    def run(self) -> StartupModel:
        """Run to the horizon (or until insolvency or a sale)."""
        while self.running:
            self.step()
        return self

    # ================================================================== market and operations
    def move_market(self) -> None:
        """Sentiment: a mean-reverting random walk in log space around its starting level."""
        mk = self.p.market
        drift = mk.reversion * math.log(mk.sentiment / self.sentiment) if self.sentiment > 0 else 0
        self.sentiment *= math.exp(drift + mk.volatility * float(self.rng.standard_normal()))

    def operate(self) -> None:
        """Revenue, costs, bills, payments, supplier patience and insolvency for one week."""
        p, led = self.p, self.ledger
        rv = p.revenue
        self.revenue_rate *= math.exp(rv.growth * self.capacity - rv.decay
                                      + rv.noise * float(self.rng.standard_normal())
                                      - 0.5 * rv.noise * rv.noise)
        self.revenue = self.revenue_rate
        led.receive_revenue(self.revenue)

        self.compute_cost = led.accrue_compute(self.compute_week0 * self.compute_scale)
        self.other_cost = self._payroll()
        billed = led.issue_bills() if is_month_start(self.start, self.week) else []

        required = self.other_cost + led.demanded()
        if led.cash < required:
            self.insolvent_week = self.week
            self.running = False
            self.record("insolvency", self.ceo, f"cash ${led.cash / 1e6:.1f}M cannot cover payroll "
                        f"and suppliers' demands ${required / 1e6:.1f}M", cause="out of cash",
                        amount=required - led.cash)
            return
        led.pay(self.other_cost)
        led.pay_demanded()
        led.pay_suppliers(reserve=p.finance.reserve_weeks * self.other_cost)

        for s in billed:
            shortfall = min(s.last_bill, s.owed)
            if shortfall > 1.0:
                kind = "bill_unpaid" if shortfall >= s.last_bill - 1.0 else "bill_underpaid"
                self.record(kind, None, f"{s.name} bill ${s.last_bill / 1e6:.1f}M, "
                            f"${shortfall / 1e6:.1f}M unpaid; owed ${s.owed / 1e6:.1f}M",
                            agent=s.name, role="supplier", amount=shortfall,
                            counterpart=s.name)
        for s in led.suppliers:
            if s.owed > 0.0:
                s.overdue_weeks += 1
                if (not s.cut_off and s.overdue_weeks > s.patience_weeks
                        and self.rng.random() < s.cutoff_prob):
                    s.cut_off = True
                    self.record("supplier_cutoff", None, f"{s.name} stops service; owed "
                                f"${s.owed / 1e6:.1f}M", agent=s.name, role="supplier",
                                amount=s.owed, counterpart=s.name)
            else:
                s.overdue_weeks = 0
                s.cut_off = False

        self.burn_history.append(self.compute_cost + self.other_cost - self.revenue)
        del self.burn_history[0]
        self.revenue_history.append(self.revenue)
        del self.revenue_history[0]
        self._update_derived()

    def _payroll(self) -> float:
        """Payroll + opex this week (USD): payroll follows headcount."""
        wf = self.p.workforce
        return (len(self.executives) * wf.exec_weekly_cost
                + len(self.researchers) * wf.researcher_weekly_cost
                + self.staff * wf.staff_weekly_cost + self.p.finance.opex_weekly)

    # ================================================================== derived state
    def _update_derived(self) -> None:
        """Recompute the quantities agents read each week (cheap; called after changes)."""
        led = self.ledger
        self.cash = led.cash
        self.payables = led.payables
        self.raised = led.raised
        burn = sum(self.burn_history) / len(self.burn_history)
        self.weekly_burn = max(burn, 0.0)
        free = self.cash - self.payables
        self.runway_weeks = (RUNWAY_CAP if burn <= 0 else
                             min(RUNWAY_CAP, max(0.0, free) / burn))
        self.cash_comfort = min(1.0, self.runway_weeks / self.p.trust.runway_comfort_weeks)
        # one desperation rule for every decision that desperation bends (cuts, offers, asks)
        self.desperation = max(0.0, 1.0 - self.runway_weeks / self.p.policy.desperation_weeks)
        self.payables_pressure = min(1.0, self.payables / max(
            1.0, self.p.finance.payables_full_weeks * self.weekly_burn))
        # delivery capacity relative to week 0
        # Output follows the compute the company uses, relative to week 0 (the free share
        # is the same fraction of every bill, so the ratio of bills is the ratio of own use).
        compute_factor = ((self.compute_cost / self.compute_week0) ** self.p.compute.output_elasticity
                          if self.compute_week0 > 0 else 1.0)   # no compute at all: not a factor
        research = self._research_weight() / self.initial_research_weight
        execs = len(self.executives) / max(1, self.initial_execs)
        staff = self.staff / self.initial_staff
        wf = self.p.workforce
        self.capacity = ((wf.capacity_research * research + wf.capacity_executives * execs
                          + (1.0 - wf.capacity_research - wf.capacity_executives) * staff)
                         * min(compute_factor, self.p.compute.factor_cap))
        self.n_executives = len(self.executives)
        self.n_researchers = len(self.researchers)
        self.trust_investors = self._investor_trust()
        self.trust_executives = (sum(e.trust for e in self.executives) / len(self.executives)
                                 if self.executives else 0.0)
        self.trust_researchers = (sum(r.trust for r in self.researchers) / len(self.researchers)
                                  if self.researchers else 0.0)
        self.board_investor_seats = sum(1 for i in self.investor_list if i.seat == "board")
        # Pressure counts what went wrong under the current CEO.
        base = self.ceo_start_counts
        self.exec_departed_fraction = min(1.0, (self.execs_left - base[0])
                                          / max(1, self.initial_execs))
        self.core_departed_fraction = ((self.core_left - base[1])
                                       / max(1, self.p.workforce.core_researchers))
        self.ceo_pressure = self.ceo.pressure
        self.date = week_date(self.start, self.week).isoformat()

    def total_votes(self) -> float:
        """All votes outstanding (stake x votes per share, summed over holders)."""
        return (self.founder_stake * self.founder_vps + self.other_stake
                + sum(i.stake * i.votes_per_share for i in self.investor_list))

    def voting_share_of_founder(self) -> float:
        """The founder's share of all votes (0-1): founder control when above one half."""
        total = self.total_votes()
        return self.founder_stake * self.founder_vps / total if total > 0 else 0.0

    def _research_weight(self) -> float:
        w = self.p.workforce.core_weight
        return sum(w if r.core else 1.0 for r in self.researchers)

    def _investor_trust(self) -> float:
        """Stake-weighted trust of the investors (simple mean if no stakes)."""
        inv = self.investor_list
        total = sum(i.stake for i in inv)
        if total > 0:
            return sum(i.trust * i.stake for i in inv) / total
        return sum(i.trust for i in inv) / len(inv) if inv else 0.0

    # ================================================================== perception
    def _perceive(self) -> None:
        """Turn last week's news and this week's state into evidence for each group.

        Shared evidence per group is computed once here; agents add their own terms.
        """
        t, n, ceo = self.p.trust, self.last_news, self.ceo
        cred = {a: c.value for a, c in self.credibility.items()}

        def promise_evidence(aud: str) -> float:
            """In kept promises: the unit of all evidence (a kept promise to ``aud`` = 1)."""
            pw = t.public_weight
            kept = n.kept[aud] + pw * n.kept["public"]
            broken = n.broken[aud] + pw * n.broken["public"]
            made = n.made[aud] * cred[aud] + pw * n.made["public"] * cred["public"]
            return kept - t.break_weight * broken + t.new_promise_weight * made

        fear = 1.0 - self.cash_comfort      # runway net of unpaid bills: they count once
        money = t.closed_round * n.closed_rounds - t.failed_round * n.failed_rounds
        staff_promises = promise_evidence("staff")
        staff_parts = {
            "cash worries": t.cash_fear * fear,
            "broken promises": -min(0.0, staff_promises),
            "erratic management": t.chaos * ceo.erratic,
            "failed fundraising": -min(0.0, money),
            "layoffs": t.layoff * n.layoffs,
        }
        # Colleagues leaving reach staff through their ties only (network.py, employees.py);
        # investors hear of senior departures as news (below).
        staff_good = max(0.0, staff_promises) + max(0.0, money)
        exec_ev = staff_good - sum(staff_parts.values())
        res_parts = dict(staff_parts)
        # Researchers hear of money trouble later and are shielded from management chaos.
        for part in ("cash worries", "erratic management", "failed fundraising"):
            res_parts[part] *= t.researcher_exposure
        res_parts["compute cuts"] = t.compute_cut * n.compute_cuts
        res_ev = staff_good - sum(res_parts.values())
        self.evidence = {"executive": exec_ev, "researcher": res_ev}
        self.evidence_parts = {"executive": staff_parts, "researcher": res_parts}

        # Investors see the runway the CEO reports, inflated when transparency is low; one who
        # has learnt that bills go unpaid sees through it to the true runway (investors.py).
        self.reported_runway = self.runway_weeks * (1.0 + (1.0 - ceo.transparency)
                                                    * ceo.grandiosity)
        self.investor_fear = {
            False: t.cash_fear * max(0.0, 1.0 - self.reported_runway / t.runway_comfort_weeks),
            True: t.cash_fear * fear}
        self.evidence_investors = (
            promise_evidence("investors") + money
            - t.departure * (n.senior_departures + n.board_exits) + t.traction * self._traction())

    def _traction(self) -> float:
        """Traction in [-1, 1] from the annualised burn over the ARR added in the last 13 weeks.

        (This is four times the quarterly burn multiple; 2 on this scale = 0.5 quarterly.)
        """
        new_arr = 52.0 * (self.revenue_history[-1] - self.revenue_history[0])
        burn = 4.0 * 13.0 * self.weekly_burn
        if burn <= 0.0:
            return 1.0
        if new_arr <= 0.0:
            return -1.0
        return max(-1.0, min(1.0, (2.0 - math.log2(burn / new_arr)) / 3.0))

    # ================================================================== events
    def record(self, event: str, actor, detail: str = "", agent: str | None = None,
               role: str | None = None, cause: str = "", amount: float | None = None,
               counterpart: str = "") -> None:
        """Log an event at the current week; ``actor`` is an agent (or None with agent/role);
        ``cause``, ``amount`` and ``counterpart`` are its typed fields (see events.py)."""
        if actor is not None:
            agent = agent or getattr(actor, "name", None) or getattr(actor, "title", "")
            role = role or actor.role
        self.events.record(self.week, event, agent or "", role or "", detail, cause, amount,
                           counterpart)

    # ================================================================== company actions
    def raise_equity(self, amount: float, post_money: float, ceo, lead_name: str = "") -> None:
        """A priced round closes (or a rescue): cash in, everyone diluted, a new lead joins
        the board."""
        self.ledger.raise_money(amount)
        dilution = amount / post_money
        ft = self.p.fundraising.follow_on_trust
        for inv in self.investor_list:
            inv.stake *= 1.0 - dilution
            if inv.stake > 0:
                self.record("follow_on_joined" if inv.trust >= ft else "follow_on_refused", inv,
                            f"trust {inv.trust:.2f}", amount=inv.trust)
        self.founder_stake *= 1.0 - dilution
        self.other_stake *= 1.0 - dilution
        name = lead_name or f"Round {self.fundraising.round.number} lead"
        lead = Investor(self, name, "board", dilution, True, self.p.trust.new_ceo_trust)
        self.investor_list.append(lead)
        self.founder_votes = self.voting_share_of_founder()
        self._update_derived()
        if self.founder_controls and self.founder_votes <= 0.5:
            self.founder_controls = False
            self.founder_control_lost_week = self.week
            self.record("founder_control_lost", None, f"the founder's share of the votes falls "
                        f"to {self.founder_votes:.0%}", agent="the founder", role="shareholder",
                        cause="dilution", amount=self.founder_votes)

    def raise_credit(self, amount: float, why: str) -> None:
        """Bank credit drawn (counted with money raised in the ledger)."""
        self.ledger.raise_money(amount)
        self.record("credit_drawn", None, why, agent="the banks", role="lender", amount=amount)
        self._update_derived()

    def raise_bridge(self, amount: float, instrument: str, holder: str, cause: str) -> None:
        """A convertible (SAFE or note) from a new investor: cash now, equity later, no seat."""
        self.ledger.raise_money(amount)
        self.bridge_raised += amount
        number = self.fundraising.bridges + self.fundraising.notes
        investor = Investor(self, f"{holder} {number}", "none", 0.0, False,
                            self.p.trust.new_ceo_trust)
        self.investor_list.append(investor)
        self.news.closed_rounds += 1
        self.record("bridge_closed", investor, f"${amount / 1e6:.0f}M {instrument} ({cause})",
                    cause=cause, amount=amount, counterpart=investor.name)
        self._update_derived()

    def cut_compute(self, ceo) -> None:
        self.compute_scale *= 1.0 - self.p.compute.cut_fraction
        self.news.compute_cuts += 1
        self.record("compute_cut", ceo, f"compute spend cut by {self.p.compute.cut_fraction:.0%}",
                    amount=self.p.compute.cut_fraction)

    def layoff(self, ceo, fraction: float | None = None) -> None:
        """Lay off a share (default ``workforce.layoff_fraction``) of the staff and of the
        non-core researchers; pay severance."""
        wf = self.p.workforce
        frac = wf.layoff_fraction if fraction is None else fraction
        n_staff = int(round(self.staff * frac))
        pool = [r for r in self.researchers if not r.core]
        n_res = int(round(len(pool) * frac))
        for k in sorted(self.rng.choice(len(pool), size=n_res, replace=False).tolist(), reverse=True):
            self._remove_employee(pool[k])
        self.staff -= n_staff
        severance = self.p.finance.severance_weeks * (n_staff * wf.staff_weekly_cost
                                                      + n_res * wf.researcher_weekly_cost)
        self.ledger.pay(min(severance, max(0.0, self.ledger.cash)))
        self.news.layoffs += 1
        self.laid_off += n_staff + n_res
        self.record("layoff", ceo, f"{n_staff} staff and {n_res} researchers laid off",
                    amount=n_staff + n_res)
        self._update_derived()

    def sell_asset(self, ceo) -> None:
        c = self.p.company
        self.sellable_assets -= 1
        self.ledger.sell_asset(c.asset_value)
        self.revenue_rate *= 1.0 - c.asset_revenue_share
        self.record("asset_sale", ceo, f"product line sold for ${c.asset_value / 1e6:.0f}M",
                    amount=c.asset_value)
        self._update_derived()

    def company_sold(self, ceo, price: float) -> None:
        self.sold_week = self.week
        self.running = False
        self.record("company_sold", ceo, f"acquired at ${price / 1e9:.2f}B", amount=price)

    # ================================================================== people
    def _draw_threshold(self, mean: float | None = None) -> float:
        wf = self.p.workforce
        mean = wf.threshold_mean if mean is None else mean
        return min(0.95, max(0.02, float(self.rng.normal(mean, wf.threshold_sd))))

    def _draw_ethics(self) -> float:
        return self.p.workforce.researcher_ethics_max * float(self.rng.random())

    def _new_researcher(self, core: bool) -> Researcher:
        wf = self.p.workforce
        # drawn for everyone, so that the other researchers' draws do not depend on core_ethics
        drawn = self._draw_ethics()
        return Researcher(self, "core researcher" if core else "researcher", "research",
                          wf.core_ethics if core else drawn, wf.initial_trust_research,
                          self._draw_threshold(wf.core_threshold_mean if core else wf.threshold_mean),
                          core=core)

    def _new_executive(self, e, successor: bool = False) -> Executive:
        wf = self.p.workforce
        trust = self.p.trust.new_ceo_trust if successor else wf.initial_trust_exec
        ex = Executive(self, e.title, e.function, e.ethics, trust, self._draw_threshold())
        ex.params = e
        return ex

    def _remove_employee(self, person: Employee) -> None:
        person.present = False
        (self.executives if isinstance(person, Executive) else self.researchers).remove(person)
        person.remove()

    def employee_leaves(self, person: Employee, why: str, cause: str) -> None:
        """Someone resigns: the event, news, contagion to colleagues, maybe a successor."""
        self.record("departure", person, why, cause=cause, amount=person.trust)
        person.left_week = self.week
        self.leavers.append(person)
        self._remove_employee(person)
        self.contagion.departed(person, self.week, self.rng)
        if isinstance(person, Executive):
            self.news.senior_departures += 1
            self.execs_left += 1
            if self.rng.random() < self.p.workforce.exec_replacement_prob:
                self.replacements.append((self.week + self.p.workforce.replacement_weeks,
                                          person.params))
        elif person.core:
            self.news.senior_departures += 1
            self.core_left += 1
            if self.core_left == _core_majority(self.p.workforce.core_researchers):
                self.core_team_departed_week = self.week
                self.record("core_team_departed", None, f"{self.core_left} of the "
                            f"{self.p.workforce.core_researchers} core researchers have left",
                            agent="the core team", role="core researcher", cause=cause,
                            amount=self.core_left)

    def hire_replacements(self) -> None:
        due = [r for r in self.replacements if r[0] <= self.week]
        if not due:
            return
        self.replacements = [r for r in self.replacements if r[0] > self.week]
        for _, e in due:
            ex = self._new_executive(e, successor=True)
            self.executives.append(ex)
            tie_newcomer(ex, self.executives + self.researchers, self.p.workforce.ties, self.rng)
            self.record("hire", ex, f"successor {e.title} joins", counterpart=e.title)

    def turnover_staff(self) -> None:
        """Aggregate staff: trust follows the researchers' evidence; leaving and hiring flows."""
        wf, t = self.p.workforce, self.p.trust
        self.staff_trust = trustlib.update(self.staff_trust,
                                           wf.staff_exposure * self.evidence["researcher"],
                                           t.gain_rate, t.asymmetry)
        rate = wf.base_turnover + wf.departure_hazard * collective.staff_unhappy_share(self)
        leavers = int(self.rng.binomial(self.staff, min(1.0, rate))) if self.staff > 0 else 0
        hires = 0
        if self.runway_weeks > self.p.trust.runway_comfort_weeks:
            hires = int(self.rng.poisson(wf.hiring_per_week * self.ceo.spending))
        self.staff += hires - leavers

    # ================================================================== governance
    def investor_leaves_seat(self, inv: Investor) -> None:
        kind = "board_exit" if inv.seat == "board" else "observer_exit"
        self.record(kind, inv, f"gives up the {inv.seat} seat; trust {inv.trust:.2f}",
                    cause="lost trust", amount=inv.trust)
        inv.seat = "none"
        inv.demands.add("left")
        self.seats_given_up += 1
        self.news.board_exits += 1

    def founder_leaves_board(self, why: str) -> None:
        self.founder_left_board_week = self.week
        self.record("founder_left_board", None, why, agent="the founder", role="founder")

    def board_vote(self) -> None:
        """Investors who called for resignation force a vote, unless holders of a majority of
        the votes would stop it (then they can only press: see governance.py)."""
        if not any("resign" in i.demands for i in self.investor_list):
            return
        if governance.blocking_votes(self) > 0.5:
            return
        removed, how = governance.removal_vote(self)
        if removed and not collective.board_reverses(self):
            self.ceo_leaves("removed", how, cause="removal vote")
        elif self.week - self.last_vote_week >= VOTE_LOG_WEEKS:
            self.last_vote_week = self.week
            self.record("removal_vote_failed", self.ceo, how)

    def ceo_leaves(self, kind: str, why: str, cause: str = "", counterpart: str = "",
                   successor: str = "the interim CEO") -> None:
        """The CEO resigns or is removed; an interim CEO (named ``successor``: the
        professional CEO a board's search found) takes over and trust starts afresh."""
        old = self.ceo
        self.record("ceo_resigned" if kind == "resigned" else "ceo_removed", old, why,
                    cause=cause, amount=old.pressure, counterpart=counterpart)
        if old.founder and self.ceo_exit_week is None:
            self.ceo_exit_week, self.ceo_exit_kind = self.week, kind
            self.ceo_in_office = 0
            keep = self.p.ceo.keep_seat     # drawn only when it is a chance, not a certainty
            if keep >= 1.0 or (keep > 0.0 and self.rng.random() < keep):
                self.record("founder_kept_seat", None, "stays on the board as a director",
                            agent="the founder", role="founder")
            else:
                self.founder_leaves_board("leaves the board with the job")
        old.in_office = False
        old.remove()
        self.ceo = CEO(self, self.p.interim_ceo, successor, founder=False)
        self.ceo_start_counts = (self.execs_left, self.core_left)
        self.record("interim_ceo", self.ceo, "takes over")
        self.fundraising.new_ceo(self, self.ceo)
        self.letter_sent = self.staff_letter_sent = False
        fresh = self.p.trust.new_ceo_trust
        for inv in self.investor_list:
            inv.new_ceo(fresh)
        for person in self.executives + self.researchers:
            person.trust = fresh
        self.staff_trust = fresh
        self.promises = PromiseBook()
        self.credibility = {a: Credibility(self.p.trust.break_weight) for a in AUDIENCES}
        self.sale_urged = 0
        # The old CEO's news is not the new CEO's record: evidence starts from this week's
        # state alone, so investors who act later this week judge the new CEO fairly.
        self.last_news = News()
        self._update_derived()
        self._perceive()


def _core_majority(n: int) -> int:
    """How many core researchers leaving counts as the core team gone (2 of 3)."""
    return max(1, (2 * n + 2) // 3)
