"""The typed, validated parameter tree of the model.

Every parameter is declared once here with its type, unit, bounds and meaning.
Values (and where each value comes from) live in the scenario files
(``model/scenarios/*.toml``); :mod:`model.scenarios` reads them into this tree.

Paths are dotted (``ceo.listening``, ``investors.coatue.seat``); any path can be
overridden with :func:`override`, which is what ``run.py --set`` uses.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import tomllib
from dataclasses import dataclass, field, fields
from typing import Any, get_type_hints


class ParameterError(ValueError):
    """A parameter path or value is invalid (message is one line, names valid choices)."""


def spec(unit: str, doc: str, lo: float | None = None, hi: float | None = None,
         choices: tuple[str, ...] | None = None):
    """Declare a parameter field: unit, one-line meaning and valid range/choices."""
    return field(metadata={"unit": unit, "doc": doc, "lo": lo, "hi": hi, "choices": choices})


FRACTION = {"lo": 0.0, "hi": 1.0}


def frac(doc: str, unit: str = "fraction"):
    return spec(unit, doc, **FRACTION)


# --------------------------------------------------------------------------- sections

@dataclass
class Run:
    start_date: str = spec("ISO date", "calendar date of week 0 (a Monday)")
    weeks: int = spec("weeks", "horizon: number of weekly steps", lo=1, hi=1040)


@dataclass
class Company:
    name: str = spec("text", "company name shown in reports")
    copyright_stance: float = frac("how hard the company defends training on copyrighted work as "
                                   "fair use; drives ethical disagreement")
    sellable_assets: int = spec("count", "product lines that could be sold in an asset sale", lo=0, hi=10)
    asset_value: float = spec("USD", "cash from selling one product line", lo=0)
    asset_revenue_share: float = frac("share of revenue lost with one product line sold")


@dataclass
class Finance:
    start_cash: float = spec("USD", "cash at week 0", lo=0)
    opex_weekly: float = spec("USD/week", "non-payroll operating costs (rent, tools, legal)", lo=0)
    reserve_weeks: float = spec("weeks", "weeks of payroll+opex kept back before supplier bills are "
                                "paid (payroll is paid first)", lo=0, hi=52)
    severance_weeks: float = spec("weeks", "weeks of pay per laid-off employee", lo=0, hi=52)
    payables_full_weeks: float = spec("weeks of burn", "unpaid bills at which they weigh fully "
                                      "on the CEO (payables pressure 1)", lo=1, hi=104)


@dataclass
class Compute:
    weekly_cost: float = spec("USD/week", "compute the company itself uses per week at week 0 "
                              "(the bill is this / (1 - free_share))", lo=0)
    max_growth: float = spec("1/week", "weekly growth of compute spend when spending "
                             "aggressiveness is 1 (scaled by ceo.spending)", lo=0, hi=0.2)
    free_share: float = spec("fraction", "share of the compute bill given free to outside "
                             "projects (costs money, adds no output)", lo=0, hi=0.9)
    cut_fraction: float = frac("share of compute spend removed by one compute cut")
    output_elasticity: float = spec("1", "how strongly research output follows compute "
                                    "(relative to week 0)", lo=0, hi=2)
    factor_cap: float = spec("x", "most that extra compute can multiply delivery capacity",
                             lo=1, hi=10)


@dataclass
class Supplier:
    name: str = spec("text", "supplier name")
    share: float = frac("share of the compute bill")
    patience_weeks: float = spec("weeks", "weeks a bill may stay overdue before the supplier "
                                 "may cut service", lo=0, hi=104)
    credit_months: float = spec("months", "overdue amount tolerated, in months of this "
                                "supplier's largest bill; above it the supplier demands payment", lo=0, hi=60)
    cutoff_prob: float = frac("weekly chance of a service cut-off once patience is exhausted",
                              unit="1/week")


@dataclass
class Revenue:
    initial_weekly: float = spec("USD/week", "revenue per week at week 0", lo=0)
    growth: float = spec("1/week", "weekly revenue growth at full delivery capacity", lo=0, hi=0.2)
    decay: float = spec("1/week", "weekly revenue loss without delivery (churn)", lo=0, hi=0.2)
    noise: float = spec("log-sd", "week-to-week noise of revenue (lognormal sd)", lo=0, hi=1)
    kept_promise_boost: float = spec("1", "multiplicative revenue jump when a public or investor "
                                     "promise is kept (a deal lands)", lo=0, hi=1)


@dataclass
class CEOTraits:
    promise_propensity: float = frac("chance per week of making a new promise", unit="1/week")
    grandiosity: float = frac("ambition of promises and of fundraising targets")
    spending: float = frac("spending aggressiveness: compute growth, hiring, reluctance to cut")
    listening: float = frac("responsiveness to investors' demands")
    transparency: float = frac("how truthfully finances are reported to the board")
    entrenchment: float = frac("resistance to leaving under pressure")
    stake: float = frac("share of the company's equity the CEO holds (diluted by priced rounds)",
                        unit="share")
    votes_per_share: float = spec("votes", "votes per share of the CEO's class (super-voting > 1)",
                                  lo=0, hi=100)
    erratic: float = frac("disorganised management (changes of direction) felt by staff")
    keep_seat: float = frac("chance that the founder keeps a director's seat after leaving "
                            "office (read for the founder-CEO only)", unit="probability")


@dataclass
class Workforce:
    researchers: int = spec("people", "research staff modelled as agents (includes the core team)",
                            lo=0, hi=500)
    core_researchers: int = spec("people", "members of the core research team", lo=0, hi=10)
    staff: int = spec("people", "other employees (aggregate, not agents: a company of tens of "
                      "thousands keeps its named roles as agents and the rest as this count)",
                      lo=0, hi=200000)
    exec_weekly_cost: float = spec("USD/week", "loaded cost of one executive", lo=0)
    researcher_weekly_cost: float = spec("USD/week", "loaded cost of one researcher", lo=0)
    staff_weekly_cost: float = spec("USD/week", "loaded cost of one other employee", lo=0)
    core_weight: float = spec("researchers", "delivery weight of one core researcher", lo=0, hi=50)
    initial_trust_exec: float = frac("executives' trust in the CEO at week 0", unit="trust")
    initial_trust_research: float = frac("researchers' (and other staff's) trust in the CEO at week 0",
                                  unit="trust")
    threshold_mean: float = frac("mean personal departure threshold", unit="trust")
    threshold_sd: float = spec("trust", "spread of personal departure thresholds", lo=0, hi=0.5)
    departure_hazard: float = frac("weekly chance of leaving while trust is below threshold",
                                   unit="1/week")
    base_turnover: float = frac("weekly chance of leaving for unrelated reasons", unit="1/week")
    ties: int = spec("ties", "colleague ties per person", lo=0, hi=50)
    contagion_shock: float = spec("kept promises", "bad evidence felt when a tied colleague "
                                  "leaves", lo=0, hi=10)
    contagion_lag_min: int = spec("weeks", "shortest delay before a departure is felt", lo=1, hi=26)
    contagion_lag_max: int = spec("weeks", "longest delay before a departure is felt", lo=0, hi=26)
    exec_replacement_prob: float = frac("chance a departed executive is replaced")
    replacement_weeks: int = spec("weeks", "time to hire a replacement executive", lo=1, hi=52)
    staff_exposure: float = frac("how strongly the rest of the staff feel what researchers feel "
                                 "(their evidence is the researchers' times this)")
    core_threshold_mean: float = frac("mean departure threshold of the core researchers",
                                      unit="trust")
    hiring_per_week: float = spec("people/week", "staff hired per week at full spending "
                                  "aggressiveness while runway is long", lo=0, hi=50)
    layoff_fraction: float = frac("share of staff and non-core researchers cut in one layoff")
    follow_prob: float = frac("chance that a tied colleague follows someone who left (asked to "
                              "follow, recruited), scaled by their distrust (1 - trust)")
    same_group_ties: float = frac("share of a person's ties inside their own group (homophily)")
    researcher_ethics_max: float = frac("researchers' sensitivity to the copyright stance is drawn "
                                        "uniformly from [0, this]")
    core_ethics: float = frac("the core researchers' sensitivity to the copyright stance: one "
                              "value, not drawn (their own view of how their models are trained)")
    capacity_research: float = frac("weight of research (core-weighted researchers) in delivery "
                                    "capacity")
    capacity_executives: float = frac("weight of the executive team in delivery capacity (the "
                                      "rest of the weight is the staff's)")


@dataclass
class Trust:
    gain_rate: float = frac("share of the gap to full trust closed per unit of good evidence "
                            "(one kept promise) per week; sets the speed of all trust", unit="1/week")
    asymmetry: float = spec("ratio", "loss rate / gain rate: trust falls faster than it builds",
                            lo=1, hi=20)
    break_weight: float = spec("kept promises", "weight of a broken promise in credibility, in "
                               "kept-promise units", lo=1, hi=20)
    public_weight: float = frac("weight of promises to the public in staff's and investors' "
                                "evidence, relative to promises made to them")
    new_promise_weight: float = frac("evidence of a new promise, in kept promises, at full "
                                     "credibility")
    runway_comfort_weeks: float = spec("weeks", "runway below which cash fear sets in", lo=1, hi=260)
    cash_fear: float = spec("kept promises/week", "evidence at zero runway", lo=0, hi=10)
    failed_round: float = spec("kept promises", "evidence from a failed round", lo=0, hi=10)
    closed_round: float = spec("kept promises", "evidence from money coming in", lo=0, hi=10)
    departure: float = spec("kept promises", "evidence per senior departure (and, for investors, "
                                                "per board exit)", lo=0, hi=10)
    ethics: float = spec("kept promises/week", "evidence from ethical disagreement at full "
                         "sensitivity and stance", lo=0, hi=10)
    chaos: float = spec("kept promises/week", "evidence from erratic management at erratic=1", lo=0, hi=10)
    compute_cut: float = spec("kept promises", "researchers' evidence from a compute cut", lo=0, hi=10)
    researcher_exposure: float = frac("how strongly researchers feel cash worries, erratic "
                                      "management and failed rounds, relative to executives")
    layoff: float = spec("kept promises", "evidence from a layoff", lo=0, hi=10)
    refused_demand: float = spec("kept promises", "investor's evidence when the CEO refuses its demand",
                                 lo=0, hi=10)
    accepted_demand: float = spec("kept promises", "investor's evidence when the CEO accepts its demand",
                                  lo=0, hi=10)
    traction: float = spec("kept promises/week", "investors' evidence per unit of annualised revenue "
                           "growth minus burn pressure", lo=0, hi=10)
    new_ceo_trust: float = frac("trust in the CEO of newcomers: everyone when an interim CEO "
                                "arrives, successor executives, new investors", unit="trust")


@dataclass
class Fundraising:
    post_money: float = spec("USD", "post-money valuation of the last round before week 0", lo=0)
    opens_after_round: bool = spec("bool", "week 0 is the close of that round: the board's "
                                   "succession review follows it as it follows any later round")
    start_runway_weeks: float = spec("weeks", "runway at which the CEO starts a round", lo=0, hi=260)
    round_weeks: int = spec("weeks", "how long a round runs before it is declared failed", lo=1, hi=104)
    cooldown_weeks: int = spec("weeks", "pause after a failed round before the next", lo=0, hi=52)
    target_months: float = spec("months", "months of burn a round should buy (x (1+grandiosity))",
                                lo=1, hi=120)
    valuation_step: float = spec("x", "asked post-money valuation / last post-money, at "
                                 "grandiosity 1 (scaled linearly from 1)", lo=0, hi=20)
    revenue_multiple: float = spec("x ARR", "valuation / annualised revenue investors pay at "
                                   "neutral sentiment", lo=0, hi=1000)
    offer_rate: float = frac("weekly chance of an offer at full trust, transparency and sentiment",
                             unit="1/week")
    target_cut: float = frac("share cut from size and valuation after a failed round")
    bridge_size: float = spec("USD", "size of a bridge (SAFE) from a new investor", lo=0)
    bridge_rate: float = frac("weekly chance of a bridge offer while a round runs and runway is short",
                              unit="1/week")
    bridge_runway_weeks: float = spec("weeks", "runway below which a bridge is sought", lo=0, hi=260)
    max_bridges: int = spec("count", "most bridges (SAFEs during rounds) the company can raise",
                            lo=0, hi=10)
    distress_weeks: float = spec("weeks", "cash, in weeks of payroll+opex, below which payroll "
                                 "is at risk and a note at the brink may come", lo=0, hi=52)
    distress_note_rate: float = frac("weekly chance of a note at the brink while payroll is at "
                                     "risk (x min(sentiment, 1.5))", unit="1/week")
    distress_note_size: float = spec("USD", "size of a convertible note put in at the brink",
                                     lo=0)
    max_distress_notes: int = spec("count", "most notes at the brink the company can raise",
                                   lo=0, hi=10)
    follow_on_trust: float = frac("existing investor's trust needed to join a round (a signal "
                                  "logged as an event; the lead sets the amount)", unit="trust")
    offer_noise: float = spec("log-sd", "spread of offers around the fair valuation (lognormal sd)",
                              lo=0, hi=2)
    max_new_share: float = frac("most of the post-money a round's new investors buy", unit="share")
    flex_base: float = frac("discount from the ask the CEO accepts at listening 0 and no "
                            "desperation")
    flex_listening: float = frac("extra discount accepted at listening 1")
    flex_desperation: float = frac("extra discount accepted at full desperation")
    flex_max: float = frac("largest discount from the ask ever accepted")


@dataclass
class Market:
    sentiment: float = spec("x", "investor sentiment at week 0 (1 = neutral)", lo=0, hi=5)
    volatility: float = spec("log-sd/week", "weekly noise of sentiment", lo=0, hi=0.5)
    reversion: float = frac("weekly pull of sentiment back to its start", unit="1/week")


@dataclass
class Investor:
    name: str = spec("text", "investor name")
    seat: str = spec("choice", "board representation", choices=("board", "observer", "none"))
    stake: float = frac("share of the company's equity", unit="share")
    votes_per_share: float = spec("votes", "votes per share of the investor's class", lo=0, hi=100)
    lead: bool = spec("bool", "lead investor (may offer the CEO an exit package)")
    initial_trust: float = frac("trust in the CEO at week 0", unit="trust")


@dataclass
class Executive:
    title: str = spec("text", "role title")
    function: str = spec("choice", "the role's field (labels the role; every executive "
                         "counts equally in delivery capacity)",
                         choices=("operations", "technology", "product", "research", "legal",
                                  "people", "communications"))
    ethics: float = frac("sensitivity to the company's copyright stance")


@dataclass
class InvestorActions:
    audit_below: float = frac("trust below which a seated investor demands an audit", unit="trust")
    sale_below: float = frac("trust below which a seated investor urges a sale", unit="trust")
    resign_below: float = frac("trust below which an investor calls for resignation", unit="trust")
    package_below: float = frac("trust below which a lead investor offers an exit package", unit="trust")
    leave_below: float = frac("trust below which a seated investor gives up its seat", unit="trust")
    leave_patience_weeks: int = spec("weeks", "weeks below leave_below before giving up the seat",
                                     lo=0, hi=104)
    remove_below: float = frac("trust below which a director or a shareholder votes to remove "
                               "the CEO", unit="trust")
    leak_rate: float = frac("weekly chance that unpaid bills become known to an investor "
                            "without a seat (seated ones learn at the CEO's transparency)",
                            unit="1/week")


@dataclass
class Governance:
    removal_by: str = spec("choice", "who can remove the CEO: the board by a majority of its "
                           "seats, or the shareholders by a majority of all votes; either way "
                           "holders of a majority of the votes against can stop it",
                           choices=("board", "shareholders"))
    removal_majority: float = spec("share", "share of the seats (board) or of all votes "
                                   "(shareholders) that must vote for a removal", lo=0.5, hi=1)
    independent_seats: int = spec("seats", "independent directors", lo=0, hi=10)
    pressure_investors: float = spec("pressure", "pressure when investors holding all investor "
                                     "stakes have called for resignation or left their seats",
                                     lo=0, hi=5)
    pressure_departures: float = spec("pressure", "pressure when as many executives have left "
                                      "under this CEO as there were at week 0",
                                      lo=0, hi=5)
    pressure_core: float = spec("pressure", "pressure when the whole core team has left", lo=0, hi=5)
    pressure_payables: float = spec("pressure", "pressure at full payables pressure "
                                    "(finance.payables_full_weeks of burn unpaid)", lo=0, hi=5)
    resign_rate: float = frac("weekly chance of resigning per unit of pressure above entrenchment",
                              unit="1/week")
    leave_rate: float = frac("weekly chance, per unit of pressure above entrenchment, that a CEO "
                             "not yet resigning steps aside on a leave of absence first "
                             "(no new promises or rounds while away)", unit="1/week")
    joint_letter_votes: float = frac("share of all votes that investors calling for resignation "
                                     "must hold together to send a joint letter", unit="share")
    pressure_letter: float = spec("pressure", "pressure on the CEO from investors' joint letter "
                                  "demanding resignation", lo=0, hi=5)
    staff_letter_share: float = frac("share of the employees (by head count) who must distrust "
                                     "the CEO at once (trust below their thresholds) for them to "
                                     "write an open letter calling on him to go", unit="share")
    pressure_staff_letter: float = spec("pressure", "pressure on the CEO from the employees' "
                                        "open letter", lo=0, hi=5)
    succession_review: float = frac("chance that the board, after a priced round closes (and at "
                                    "week 0 when the scenario opens at one), decides the company "
                                    "needs a professional CEO and starts a search (Wasserman "
                                    "2003)", unit="per round")
    succession_search_weeks: int = spec("weeks", "typical weeks a search for a professional CEO "
                                        "takes before the founder is asked to step aside (each "
                                        "search draws 0.5-1.5 times this)", lo=1, hi=104)
    reinstate_share: float = frac("share of the employees who must be loyal to a CEO the board "
                                  "has voted out (trust at least what it was when he started) "
                                  "for their threat to leave together to make the board "
                                  "reverse itself", unit="share")


@dataclass
class Policy:
    """The CEO's operating rules; traits scale how readily they are used."""
    promise_weeks_min: int = spec("weeks", "shortest promise deadline", lo=1, hi=104)
    promise_weeks_max: int = spec("weeks", "longest promise deadline", lo=1, hi=104)
    cut_runway_weeks: float = spec("weeks", "runway below which cost cuts are considered", lo=0, hi=104)
    cut_rate: float = frac("scale of the weekly chance of a cut: cut_rate x ((1 - spending) x "
                           "(cut_base + listening + pressure) + desperation)", unit="1/week")
    cut_base: float = spec("1", "frugality term of a cut at listening 0 and no pressure", lo=0, hi=5)
    layoff_relative: float = frac("chance of a layoff relative to a compute cut, per week")
    desperation_weeks: float = spec("weeks", "runway below which the CEO grows desperate "
                                    "(desperation = 1 - runway / this): cuts and discounts",
                                    lo=1, hi=104)
    keep_base: float = frac("chance of keeping a modest promise at full capacity and cash")
    keep_capacity_cap: float = spec("x", "capacity above which more capacity does not help keep "
                                    "promises", lo=0, hi=5)
    keep_cash_weight: float = frac("how much of the keep chance depends on being well funded")
    keep_max: float = frac("highest chance of keeping any promise")
    ambition_scale: float = spec("1", "ambition of a promise = this x grandiosity x U(0,1); "
                                 "the keep chance divides by 1 + ambition", lo=0, hi=10)
    cut_cooldown_weeks: int = spec("weeks", "minimum gap between two cuts of one kind", lo=0, hi=52)
    audit_transparency_gain: float = frac("transparency gained by accepting an audit")
    sale_search_weeks: int = spec("weeks", "length of an acquisition search", lo=1, hi=52)
    buyer_rate: float = frac("weekly chance of serious buyer talks during a search", unit="1/week")
    buyer_discount: float = frac("buyer's price relative to investors' fair valuation "
                                 "(a distressed sale)", unit="x")
    buyer_noise: float = spec("log-sd", "spread of buyers' prices (lognormal sd)", lo=0, hi=2)
    distress_discount: float = frac("price cut a buyer takes at zero runway (its leverage), "
                                    "before deducting unpaid bills")
    ask_listening_discount: float = frac("how far a listening CEO lowers the asked sale price "
                                         "(ask x (1 - this x listening))")
    sale_pressure_weight: float = spec("1", "weight of pressure in agreeing to look for a buyer",
                                       lo=0, hi=5)


@dataclass
class Shock:
    """A dated outside shock (a scandal, a lawsuit, a damaging video, a market crash)."""
    name: str = spec("text", "what happened, as the event log tells it")
    week: int = spec("weeks", "week in which it happens", lo=0, hi=1040)
    investors: float = frac("trust in the CEO every investor loses", unit="trust")
    executives: float = frac("trust in the CEO every executive loses", unit="trust")
    researchers: float = frac("trust in the CEO every researcher (and the staff) loses",
                              unit="trust")
    sentiment: float = spec("x", "investor sentiment is multiplied by this (1: unchanged)",
                            lo=0, hi=5)


@dataclass
class FinancingEvent:
    """A financing the company depends on (an IPO or a large round), with credit tied to it."""
    kind: str = spec("choice", "none, or what the event is", choices=("none", "ipo", "round"))
    week: int = spec("weeks", "week the offer opens (e.g. the IPO filing made public)",
                     lo=0, hi=1040)
    size: float = spec("USD", "money sought", lo=0)
    credit: float = spec("USD", "bank credit released only if the financing closes", lo=0)
    weeks: int = spec("weeks", "how long the offer stays open before it is withdrawn",
                      lo=1, hi=104)


@dataclass
class Rescue:
    """Whoever can rescue the company when the money runs short, and on what terms."""
    name: str = spec("text", "the rescuer (an investor with deep pockets)")
    amount: float = spec("USD", "money the rescuer puts in (0: nobody can rescue the company)",
                         lo=0)
    share: float = spec("share", "share of the company the rescuer takes for it", lo=0,
                        hi=0.95)
    runway_weeks: float = spec("weeks", "runway (after unpaid bills) below which the rescuer "
                               "offers", lo=0, hi=104)
    requires_ceo_exit: bool = spec("bool", "the money comes only if the founder-CEO goes "
                                   "(he may accept, with an exit package, or refuse)")
    forgives_payables: bool = spec("bool", "suppliers write off the unpaid bills as part of "
                                   "the rescue")
    requires_board_exit: bool = spec("bool", "the founder must also give up his board seat "
                                     "(if he kept one) when the rescue comes")
    earliest_week: int = spec("weeks", "first week the rescuer can act", lo=0, hi=1040)


@dataclass
class Parameters:
    run: Run
    company: Company
    finance: Finance
    compute: Compute
    suppliers: dict[str, Supplier]
    revenue: Revenue
    ceo: CEOTraits
    interim_ceo: CEOTraits
    policy: Policy
    workforce: Workforce
    executives: dict[str, Executive]
    trust: Trust
    fundraising: Fundraising
    market: Market
    investors: dict[str, Investor]
    investor_actions: InvestorActions
    governance: Governance
    financing_event: FinancingEvent
    rescue: Rescue
    shocks: dict[str, Shock] = field(default_factory=dict, metadata={"optional": True})

    @property
    def start(self) -> _dt.date:
        return _dt.date.fromisoformat(self.run.start_date)


# --------------------------------------------------------------------------- building

def _hints(cls) -> dict[str, Any]:
    return get_type_hints(cls)


def _is_table_of(tp) -> type | None:
    """dict[str, X] -> X for dataclass X, else None."""
    if getattr(tp, "__origin__", None) is dict:
        return tp.__args__[1]
    return None


def _coerce(path: str, value: Any, tp: type, meta: dict) -> Any:
    """Check one leaf value against its declared type and bounds."""
    if tp is bool:
        if not isinstance(value, bool):
            raise ParameterError(f"{path}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not (isinstance(value, int) or
                                           (isinstance(value, float) and value.is_integer())):
            raise ParameterError(f"{path}: expected a whole number, got {value!r}")
        value = int(value)
    elif tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(f"{path}: expected a number, got {value!r}")
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise ParameterError(f"{path}: expected a finite number, got {value!r}")
    elif tp is str:
        if meta.get("unit") == "ISO date" and isinstance(value, _dt.date):
            value = value.isoformat()      # an unquoted TOML date
        if not isinstance(value, str):
            raise ParameterError(f"{path}: expected text, got {value!r}")
        choices = meta.get("choices")
        if choices and value not in choices:
            raise ParameterError(f"{path}: {value!r} is not one of {', '.join(choices)}")
        if meta.get("unit") == "ISO date":
            try:
                day = _dt.date.fromisoformat(value)
            except ValueError:
                raise ParameterError(f"{path}: {value!r} is not a date like 2022-10-17") from None
            if day.weekday() != 0:
                raise ParameterError(f"{path}: {value} is a {day:%A}; weeks start on a Monday")
        return value
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and value < lo or hi is not None and value > hi:
        rng = f"[{lo:g}, {hi:g}]" if hi is not None else f">= {lo:g}"
        raise ParameterError(f"{path}: {value!r} is out of range, valid {rng} ({meta['unit']})")
    return value


coerce = _coerce   # public name (model.distributions checks choice values with it)


def build(cls, data: dict, path: str = ""):
    """Build dataclass ``cls`` from a nested dict, validating every value."""
    if not isinstance(data, dict):
        raise ParameterError(f"{path or 'scenario'}: expected a table, got {data!r}")
    hints = _hints(cls)
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ParameterError(f"{path + '.' if path else ''}{unknown[0]}: unknown parameter; "
                             f"valid: {', '.join(names)}")
    kwargs = {}
    for f in fields(cls):
        sub = f"{path}.{f.name}" if path else f.name
        optional = f.metadata.get("optional", False)   # a table of entries that may be empty
        if f.name not in data:
            if optional:
                kwargs[f.name] = {}
                continue
            raise ParameterError(f"{sub}: missing from the scenario")
        tp = hints[f.name]
        item = _is_table_of(tp)
        if item is not None:
            table = data[f.name]
            if not isinstance(table, dict) or not (table or optional):
                raise ParameterError(f"{sub}: expected a non-empty table of entries")
            kwargs[f.name] = {k: build(item, v, f"{sub}.{k}") for k, v in table.items()}
        elif dataclasses.is_dataclass(tp):
            kwargs[f.name] = build(tp, data[f.name], sub)
        else:
            kwargs[f.name] = _coerce(sub, data[f.name], tp, dict(f.metadata))
    obj = cls(**kwargs)
    _check_consistency(obj, path)
    return obj


def _check_consistency(obj, path: str) -> None:
    """Cross-field rules that a single bound cannot express."""
    if isinstance(obj, Workforce):
        if obj.core_researchers > obj.researchers:
            raise ParameterError(f"{path}.core_researchers: {obj.core_researchers} exceeds "
                                 f"researchers ({obj.researchers})")
        if obj.contagion_lag_min > obj.contagion_lag_max:
            raise ParameterError(f"{path}.contagion_lag_min: exceeds contagion_lag_max")
    if isinstance(obj, Policy) and obj.promise_weeks_min > obj.promise_weeks_max:
        raise ParameterError(f"{path}.promise_weeks_min: exceeds promise_weeks_max")
    if isinstance(obj, Parameters):
        total = sum(s.share for s in obj.suppliers.values())
        if abs(total - 1.0) > 1e-6:
            raise ParameterError(f"suppliers: shares add up to {total:g}, they must add up to 1")
        held = obj.ceo.stake + sum(i.stake for i in obj.investors.values())
        if held > 1.0 + 1e-9:
            raise ParameterError(f"ceo.stake: the CEO's and the investors' stakes add up to "
                                 f"{held:g}; they can hold at most 1 (the rest is other "
                                 f"shareholders')")
        if obj.rescue.amount > 0.0 and obj.rescue.share <= 0.0:
            raise ParameterError(f"rescue.share: 0 with rescue.amount {obj.rescue.amount:g}; a "
                                 f"rescuer's money buys a share in (0, 0.95] (or set amount 0: "
                                 f"no rescuer)")
        w = obj.workforce
        if w.capacity_research + w.capacity_executives > 1.0 + 1e-9:
            raise ParameterError("workforce.capacity_research: with capacity_executives it "
                                 "exceeds 1 (the staff's weight is the rest)")


def check(params: Parameters) -> None:
    """Apply the cross-field rules to a whole tree (values set after :func:`build`, such as
    draws from a scenario's distributions); ParameterError (one line) names the rule."""
    def walk(obj, path):
        for f in fields(obj):
            value = getattr(obj, f.name)
            sub = f"{path}.{f.name}" if path else f.name
            for k, v in (value.items() if isinstance(value, dict) else [(None, value)]):
                if dataclasses.is_dataclass(v):
                    walk(v, sub if k is None else f"{sub}.{k}")
        _check_consistency(obj, path)
    walk(params, "")


def split_distributions(data: dict) -> tuple[dict, dict]:
    """A copy of raw scenario data with every leaf given as a distribution table
    (``{dist = ...}``, see :mod:`model.distributions`) replaced by its central value, and
    those distributions by dotted path. Anything that is not a distribution is left for
    :func:`build` to check."""
    from model.distributions import parse
    found = {}

    def walk(cls, node, path):
        if not isinstance(node, dict):
            return
        hints = _hints(cls)
        for f in fields(cls):
            if f.name not in node:
                continue
            sub = f"{path}.{f.name}" if path else f.name
            tp, value = hints[f.name], node[f.name]
            item = _is_table_of(tp)
            if item is not None:
                for k, v in (value.items() if isinstance(value, dict) else ()):
                    walk(item, v, f"{sub}.{k}")
            elif dataclasses.is_dataclass(tp):
                walk(tp, value, sub)
            elif isinstance(value, dict):
                found[sub] = parse(sub, value, tp, dict(f.metadata))
                node[f.name] = found[sub].central()

    data = copy.deepcopy(data)
    walk(Parameters, data, "")
    return data, found


def to_dict(obj) -> Any:
    """The tree as plain nested dicts (for manifests and round trips)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


# --------------------------------------------------------------------------- overrides

def parse_value(text: str) -> Any:
    """Parse a command-line value as TOML (numbers, booleans, quoted text); bare words are text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def override(data: dict, path: str, raw: Any) -> None:
    """Set ``path`` in the raw scenario dict; unknown paths raise with the valid choices.

    The value is validated when the tree is built with :func:`build`.
    """
    parts = path.split(".")
    cls: Any = Parameters
    node = data
    for depth, key in enumerate(parts):
        here = ".".join(parts[:depth + 1])
        last = depth == len(parts) - 1
        if isinstance(cls, dict):            # inside a table of entries: key is an entry name
            item_cls = cls["item"]
            if key not in node:
                raise ParameterError(f"{here}: unknown entry; valid: {', '.join(node)}")
            if last:
                raise ParameterError(f"{here}: is a table; set one of its fields, e.g. "
                                     f"{here}.{fields(item_cls)[0].name}")
            cls, node = item_cls, node[key]
            continue
        names = {f.name: f for f in fields(cls)}
        if key not in names:
            raise ParameterError(f"{here}: unknown parameter; valid: {', '.join(names)}")
        tp = _hints(cls)[key]
        item = _is_table_of(tp)
        if last:
            if item is not None or dataclasses.is_dataclass(tp):
                raise ParameterError(f"{here}: is a section; set one of its fields")
            node[key] = raw
            return
        if item is not None:
            cls, node = {"item": item}, node[key]
        elif dataclasses.is_dataclass(tp):
            cls, node = tp, node[key]
        else:
            raise ParameterError(f"{here}: is a value, not a section")


def with_values(params: Parameters, values: dict[str, Any]) -> Parameters:
    """A copy of ``params`` with leaf ``values`` set by dotted path, each checked against its
    declared type and range (whole-number parameters rounded). Much faster than reloading a
    scenario with overrides; used to run parameter sets drawn from a posterior."""
    new = copy.deepcopy(params)
    for path, value in values.items():
        parts = path.split(".")
        obj = new
        for key in parts[:-1]:
            obj = obj[key] if isinstance(obj, dict) else getattr(obj, key, None)
            if obj is None:
                raise ParameterError(f"{path}: unknown parameter")
        f = {x.name: x for x in fields(obj)}.get(parts[-1]) if dataclasses.is_dataclass(obj) else None
        if f is None:
            raise ParameterError(f"{path}: unknown parameter")
        tp = _hints(type(obj))[f.name]
        if tp is int and isinstance(value, float):
            value = int(round(value))
        setattr(obj, f.name, _coerce(path, value, tp, dict(f.metadata)))
    return new


def leaf_type(path: str) -> type:
    """The declared type (float, int, str, bool) of a leaf parameter path."""
    cls: Any = Parameters
    parts = path.split(".")
    k = 0
    while k < len(parts):
        names = {f.name: f for f in fields(cls)}
        if parts[k] not in names:
            raise ParameterError(f"{'.'.join(parts[:k + 1])}: unknown parameter; "
                                 f"valid: {', '.join(names)}")
        tp = _hints(cls)[parts[k]]
        item = _is_table_of(tp)
        if item is not None:
            cls, k = item, k + 2          # skip the entry name
        elif dataclasses.is_dataclass(tp):
            cls, k = tp, k + 1
        else:
            if k != len(parts) - 1:
                raise ParameterError(f"{'.'.join(parts[:k + 1])}: is a value, not a section")
            return tp
    raise ParameterError(f"{path}: is a section; give a parameter inside it")


def specs(cls=None, prefix: str = ""):
    """Yield (path, type, metadata) for every leaf parameter the tree declares, in
    declaration order; an entry of a table is written ``<name>`` (``investors.<name>.stake``)."""
    for f in fields(cls or Parameters):
        tp = _hints(cls or Parameters)[f.name]
        item = _is_table_of(tp)
        if item is not None:
            yield from specs(item, f"{prefix}{f.name}.<name>.")
        elif dataclasses.is_dataclass(tp):
            yield from specs(tp, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", tp, dict(f.metadata)


def describe(params: Parameters, sources: dict[str, str] | None = None):
    """Yield (path, value, unit, description, source) for every leaf parameter."""
    sources = sources or {}

    def walk(obj, prefix):
        for f in fields(obj):
            value = getattr(obj, f.name)
            path = f"{prefix}{f.name}"
            if isinstance(value, dict):
                for k, v in value.items():
                    yield from walk(v, f"{path}.{k}.")
            elif dataclasses.is_dataclass(value):
                yield from walk(value, f"{path}.")
            else:
                yield (path, value, f.metadata["unit"], f.metadata["doc"],
                       sources.get(path, "not stated"))

    yield from walk(params, "")
