"""The game engine of "play the CEO", shared by the terminal ``play`` and the browser
classroom: one set of rules, two front ends.

A :class:`Game` holds one company (scenario, seed, the model with the player's CEO). Every
four simulated weeks the board meets: :meth:`Game.pack` gives the board pack as data (cash
and runway history, revenue, burn multiple with its explanation, trust by group, every
event since the previous meeting with its typed cause/amount/counterpart fields, open
promises, unpaid bills, the open round), :meth:`Game.menu` the decisions with their
defaults and explanations, and :meth:`Game.decide` applies one month's decisions and plays
the month. A game is fully determined by its seed, scenario and list of decisions, so it is
saved as that list and rebuilt exactly by replaying it (:func:`replay`).
"""

from __future__ import annotations

from dataclasses import dataclass

from model import StartupModel
from model.calendar import week_date
from model.ceo import CEO
from model.promises import Promise
from model.scenarios import Scenario

MONTH = 4   # weeks between board meetings


class DecisionError(ValueError):
    """A month's decisions that cannot be applied: one line saying why."""


class PlayerCEO(CEO):
    """A founder-CEO whose decisions are the player's. The model's own rules are switched
    off; answers to investors' offers (audit, sale, exit package) follow the player's
    standing answers for the month."""

    starts_rounds = False

    def __init__(self, model, traits, name, founder) -> None:
        super().__init__(model, traits, name, founder)
        self.accept_audits = True
        self.accept_sale = False
        self.accept_package = False

    def make_promise(self) -> None:          # promises come from the player
        pass

    def set_spending(self) -> None:          # compute changes only when the player says so
        pass

    def cut_costs(self) -> None:             # cuts only when the player says so
        pass

    def consider_resigning(self) -> None:    # pressure is shown; leaving is the player's call
        from model import governance
        self.pressure = governance.pressure(self.model)

    def accepts_audit(self) -> bool:
        return self.accept_audits

    def accepts_sale(self) -> bool:
        return self.accept_sale

    def accepts_package(self) -> bool:
        return self.accept_package

    def accepts_rescue(self) -> bool:    # money for the company on condition that you go
        return self.accept_package

    def accepts_succession(self) -> bool:  # step aside for a CEO the board found
        return self.accept_package


# ----------------------------------------------------------------------------- the menu

@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    choices: tuple[tuple[str, str], ...]     # (answer, what it does)
    default: str
    help: str                                # why it matters, in one sentence
    sticky: bool = False                     # the default is last month's answer

    @property
    def answers(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.choices)


QUESTIONS = (
    Question("compute", "Compute spend", (("keep", "as it is"), ("cut", "cut by 25%"),
                                          ("grow", "grow by 10%")), "keep",
             "Compute is most of the burn; it also sets how much the company can deliver."),
    Question("promise", "Make a promise", (
        ("none", "no new promise"), ("investors", "a modest promise to investors, due in 12 weeks"),
        ("staff", "a modest promise to staff, due in 12 weeks"),
        ("public", "a modest public promise, due in 12 weeks"),
        ("grand", "a grand public promise, due in 26 weeks")), "none",
             "A kept promise builds credibility (a kept external one brings revenue); a broken "
             "one costs more than a kept one earns."),
    Question("raise", "Fundraising", (
        ("none", "no new round"), ("small", "raise 12 months of burn at the last valuation"),
        ("big", "raise 24 months of burn at twice the last valuation"),
        ("down", "raise 12 months of burn at half the last valuation")), "none",
             "Investors offer what traction supports; an ask far above it fails, and a failed "
             "round costs trust."),
    Question("books", "With the board", (
        ("same", "report as you did last month"), ("open", "open books (transparency 0.9)"),
        ("rosy", "rosy reports (transparency 0.1)")), "same",
             "Open books speed up due diligence but show bad news; rosy reports hide unpaid "
             "bills until investors find out."),
    Question("layoff", "Layoffs", (("none", "none"), ("10", "lay off 10% of staff and researchers"),
                                   ("20", "lay off 20%")), "none",
             "Layoffs cut the payroll (after severance) but shake the trust of those who stay."),
    Question("assets", "Asset sale", (("keep", "keep the product lines"),
                                      ("sell", "sell one product line")), "keep",
             "Cash now, less revenue later."),
    Question("audit", "If an investor demands an audit before the next meeting", (
        ("accept", "accept it"), ("refuse", "refuse it")), "accept",
             "Accepting raises your transparency and the investor's trust; refusing costs trust.",
             sticky=True),
    Question("sale", "If investors urge a sale of the company", (
        ("refuse", "refuse"), ("search", "start an acquisition search")), "refuse",
             "A search may end in a sale (the game ends) if a buyer meets your ask.", sticky=True),
    Question("stay", "Your job", (
        ("stay", "stay, and refuse an exit package or a successor if one is offered"),
        ("package", "accept an exit package or a successor if one is offered"),
        ("resign", "resign now (the game ends)")), "stay",
             "Pressure on you grows with the board's distrust; a lead investor may offer a "
             "package to leave, a rescuer may offer money on condition that you go, and after "
             "a round the board may find a professional CEO to succeed you (the same answer "
             "holds for all three; without a majority of the votes, a refused successor goes "
             "to a board vote)."),
)
KEYS = tuple(q.key for q in QUESTIONS)
BY_KEY = {q.key: q for q in QUESTIONS}
ALIASES = {"asis": "same", "as-is": "same", "yes": "accept", "no": "refuse"}   # older saves


def parse_answer(question: Question, text: str | None, default: str | None = None) -> str:
    """The answer meant by ``text``: Enter gives the default, a unique prefix is enough
    ("g" for grow, "1" for 10); DecisionError with the valid choices otherwise."""
    answer = (text or "").strip().lower().rstrip("%")
    if not answer:
        return default or question.default
    answer = ALIASES.get(answer, answer)
    if answer in question.answers:
        return answer
    matches = [a for a in question.answers if a.startswith(answer)]
    if len(matches) == 1:
        return matches[0]
    valid = ", ".join(question.answers)
    if matches:
        raise DecisionError(f"'{answer}' could mean {' or '.join(matches)}; choose one of: {valid}")
    raise DecisionError(f"'{answer}' is not a valid answer; choose one of: {valid}")


# ----------------------------------------------------------------------------- events as data

AMOUNT_UNIT = {   # what an event's typed ``amount`` is, by kind (see model/events.py)
    "round_started": "usd", "round_closed": "usd", "round_failed": "usd",
    "offer_rejected": "usd", "bridge_closed": "usd", "asset_sale": "usd",
    "company_sold": "usd", "sale_failed": "usd", "layoff": "people",
    "departure": "trust", "follow_on_joined": "trust", "follow_on_refused": "trust",
    "board_exit": "trust", "observer_exit": "trust", "compute_cut": "share",
    "founder_control_lost": "share", "ceo_resigned": "pressure", "ceo_removed": "pressure",
}


def money(x: float) -> str:
    """USD as $M (or $B above a billion): the one money format of the game."""
    sign = "-" if x < 0 else ""
    return f"{sign}${abs(x) / 1e9:.2f}B" if abs(x) >= 1e9 else f"{sign}${abs(x) / 1e6:.1f}M"


def amount_text(kind: str, amount: float | None) -> str:
    if amount is None:
        return ""
    unit = AMOUNT_UNIT.get(kind)
    if unit == "usd":
        return money(amount)
    if unit == "people":
        return f"{amount:.0f} people"
    if unit == "share":
        return f"{amount:.0%}"
    if unit in ("trust", "pressure"):
        return f"{unit} {amount:.2f}"
    return f"{amount:g}"


def event_record(model, e) -> dict:
    """One event as data, from its typed fields (the sentence is kept as ``detail``)."""
    return {"week": e.week, "date": week_date(model.start, e.week).isoformat(), "kind": e.event,
            "what": e.event.replace("_", " "), "who": e.agent, "role": e.role,
            "cause": e.cause, "amount": e.amount, "amount_text": amount_text(e.event, e.amount),
            "counterpart": e.counterpart, "detail": e.detail}


# ----------------------------------------------------------------------------- the game

class Game:
    """One player's company. ``decisions`` (a list of answer dicts, one per board meeting)
    are replayed at once: the same seed and decisions rebuild the same company."""

    def __init__(self, scenario: Scenario, seed: int, sets=(), decisions=()) -> None:
        self.scenario, self.seed, self.sets = scenario, int(seed), list(sets)
        self.model = StartupModel(scenario.params_for(self.seed), seed=self.seed, ceo_class=PlayerCEO)
        self.player = self.model.ceo
        self.log: list[dict] = []          # applied decisions: {"month", "week", answers...}
        self.notes: list[str] = []         # what became of the last month's decisions
        self.meetings: list[int] = [0]     # weeks of the board meetings (0: the start)
        self.stopped = False               # ended from outside (the teacher, end of input)
        self._bm: list[tuple[float, float]] = []   # (burn, new ARR) at each meeting
        self._advance()                    # the first month runs before the first meeting
        for answers in decisions:
            self.decide(answers)

    # -- state
    @property
    def over(self) -> bool:
        return self.stopped or not self.model.running or not self.player.in_office

    @property
    def month(self) -> int:
        """The number of the board meeting now waiting for decisions (1, 2, ...)."""
        return len(self.log) + 1

    def stop(self) -> None:
        self.stopped = True

    def _advance(self) -> None:
        m = self.model
        for _ in range(MONTH):
            if self.over:
                break
            m.step()
        self.meetings.append(m.week)
        self._bm.append(self._burn_and_new_arr())

    def _burn_and_new_arr(self) -> tuple[float, float]:
        """Net burn of the last 13 weeks and the annual revenue run-rate added in them
        (USD); the quarterly burn multiple is their ratio (``StartupModel._traction`` reads
        four times it)."""
        m = self.model
        return 13.0 * m.weekly_burn, 52.0 * (m.revenue_history[-1] - m.revenue_history[0])

    # -- decisions
    def defaults(self) -> dict:
        last = self.log[-1] if self.log else {}
        return {q.key: (last.get(q.key, q.default) if q.sticky else q.default) for q in QUESTIONS}

    def normalise(self, answers: dict) -> dict:
        """Full, valid answers from a partial dict (missing keys take their defaults)."""
        if not isinstance(answers, dict):
            raise DecisionError("decisions must be a mapping of question to answer")
        unknown = sorted(set(answers) - set(KEYS) - {"month", "week"})
        if unknown:
            raise DecisionError(f"unknown question {unknown[0]!r}; valid: {', '.join(KEYS)}")
        defaults = self.defaults()
        out = {}
        for q in QUESTIONS:
            value = answers.get(q.key)
            if value is not None and not isinstance(value, str):
                value = str(value)
            try:
                out[q.key] = parse_answer(q, value, defaults[q.key])
            except DecisionError as exc:
                raise DecisionError(f"{q.key}: {exc}") from None
        return out

    def decide(self, answers: dict, month: int | None = None) -> list[str]:
        """Apply one board meeting's decisions and play the month; returns notes on what
        could not be done as asked. ``month`` (when given) must be the meeting now open."""
        if self.over:
            raise DecisionError("the game is over")
        if month is not None and int(month) != self.month:
            raise DecisionError(f"month {month} is not open: the board now meets for month "
                                f"{self.month}")
        answers = self.normalise(answers)
        m, ceo, notes = self.model, self.player, []
        if answers["compute"] == "cut":
            m.cut_compute(ceo)
        elif answers["compute"] == "grow":
            m.compute_scale *= 1.10
        if answers["promise"] != "none":
            grand = answers["promise"] == "grand"
            audience = "public" if grand else answers["promise"]
            due = m.week + (26 if grand else 12)
            m.promises.add(Promise(audience, m.week, due, 1.6 if grand else 0.3))
            m.news.made[audience] += 1
            m.record("promise_made", ceo, f"to {audience}, due week {due}"
                     + (" (grand)" if grand else ""), counterpart=audience)
        if answers["raise"] != "none":
            rnd = m.fundraising.round
            if rnd is not None:
                notes.append(f"No new round: round {rnd.number} (asking {money(rnd.size)} at "
                             f"{money(rnd.valuation)}) is still open since week {rnd.started}; "
                             f"it closes with an offer or fails by week "
                             f"{rnd.started + m.p.fundraising.round_weeks}.")
            else:
                burn_month = m.weekly_burn * 52 / 12
                last = m.fundraising.last_post_money
                size, val = {"small": (12 * burn_month, last),
                             "big": (24 * burn_month, 2 * last),
                             "down": (12 * burn_month, last / 2)}[answers["raise"]]
                m.fundraising.start(m, ceo, max(size, 1e6), max(val, 10e6))
        if answers["books"] == "open":
            ceo.transparency = 0.9
        elif answers["books"] == "rosy":
            ceo.transparency = 0.1
        if answers["layoff"] != "none":
            m.layoff(ceo, int(answers["layoff"]) / 100)
        if answers["assets"] == "sell":
            if m.sellable_assets > 0:
                m.sell_asset(ceo)
            else:
                notes.append("No asset sale: there is no product line left to sell.")
        ceo.accept_audits = answers["audit"] == "accept"
        ceo.accept_sale = answers["sale"] == "search"
        ceo.accept_package = answers["stay"] == "package"
        self.log.append({"month": self.month, "week": m.week, **answers})
        self.notes = notes
        if answers["stay"] == "resign":
            m.ceo_leaves("resigned", "the player resigned", cause="the player's choice")
            self.meetings.append(m.week)
            return notes
        self._advance()
        return notes

    # -- the board pack
    def events_since_last_meeting(self) -> list:
        """Every event from the previous meeting's week (the decisions taken there
        included) up to now."""
        since = self.meetings[-2] if len(self.meetings) > 1 else 0
        return [e for e in self.model.events if e.week >= since]

    def burn_multiple(self) -> dict:
        """The quarterly burn multiple (net burn / new annual revenue run-rate, last 13
        weeks), with a sentence when it is n/a or moved a lot since the last meeting."""
        def value(burn, new_arr):
            return burn / new_arr if burn > 0 and new_arr > 0 else None

        burn, new_arr = self._bm[-1] if self._bm else self._burn_and_new_arr()
        v, note = value(burn, new_arr), ""
        if burn <= 0:
            note = "n/a: the company is not burning cash."
        elif new_arr <= 0:
            note = (f"n/a: the annual revenue run-rate did not grow over the last 13 weeks "
                    f"({money(new_arr)}), so there is no new revenue to set the "
                    f"{money(burn)} burn against.")
        elif len(self._bm) > 1:
            last_burn, last_arr = self._bm[-2]
            last = value(last_burn, last_arr)
            if last is None:
                note = "back from n/a: the revenue run-rate grew again."
            elif v > 2 * last or v < last / 2:
                note = (f"{'up' if v > last else 'down'} from {last:.1f}: revenue run-rate "
                        f"added in 13 weeks went from {money(last_arr)} to {money(new_arr)}, "
                        f"burn from {money(last_burn)} to {money(burn)}.")
        return {"value": v, "burn_13w": burn, "new_arr_13w": new_arr, "note": note}

    def pack(self) -> dict:
        """The board pack now, as data."""
        m = self.model
        cols = m.datacollector.model_vars
        bm = self.burn_multiple()
        rnd = m.fundraising.round
        history = {"week": list(range(len(cols["cash"]))), "cash": cols["cash"],
                   "payables": cols["payables"], "runway_weeks": cols["runway_weeks"],
                   "revenue": cols["revenue"]}
        rev = cols["revenue"][-MONTH:]
        burn = [c + o - r for c, o, r in zip(cols["compute_cost"][-MONTH:],
                                             cols["other_cost"][-MONTH:], rev)]
        pack = {
            "month": self.month, "week": m.week, "date": week_date(m.start, m.week).isoformat(),
            "company": m.p.company.name, "cash": m.cash, "payables": m.payables,
            "runway_weeks": m.runway_weeks, "revenue_month": sum(rev), "burn_month": sum(burn),
            "burn_multiple": bm,
            "trust": {"investors": m.trust_investors, "executives": m.trust_executives,
                      "researchers": m.trust_researchers},
            "pressure": self.player.pressure,
            "people": {"executives": m.n_executives, "researchers": m.n_researchers,
                       "staff": m.staff},
            "promises": [{"audience": p.audience, "made": p.made, "due": p.due,
                          "grand": p.ambition >= 1.0} for p in m.promises.open],
            "round": None if rnd is None else {
                "number": rnd.number, "started": rnd.started, "size": rnd.size,
                "valuation": rnd.valuation,
                "ends_by": rnd.started + m.p.fundraising.round_weeks},
            "sellable_assets": m.sellable_assets,
            "events": [event_record(m, e) for e in self.events_since_last_meeting()],
            "notes": list(self.notes), "history": history,
        }
        return pack

    def menu(self) -> list[dict]:
        """The decisions with their choices, default and explanation; a note where the
        situation changes what a choice does (a round already open, nothing left to sell)."""
        m, defaults, out = self.model, self.defaults(), []
        for q in QUESTIONS:
            note = ""
            if q.key == "raise" and m.fundraising.round is not None:
                note = (f"Round {m.fundraising.round.number} is still open: a new ask does "
                        f"nothing until it closes or fails.")
            if q.key == "assets" and m.sellable_assets <= 0:
                note = "No product line is left to sell."
            out.append({"key": q.key, "prompt": q.prompt, "choices": [list(c) for c in q.choices],
                        "default": defaults[q.key], "help": q.help, "note": note})
        return out

    # -- the result
    def outcome(self) -> dict:
        m = self.model
        tenure = m.ceo_exit_week if m.ceo_exit_week is not None else m.week
        return {"tenure_weeks": tenure, "out": m.ceo_exit_week is not None,
                "exit_kind": m.ceo_exit_kind, "week": m.week, "cash": m.cash,
                "payables": m.payables, "insolvent_week": m.insolvent_week,
                "sold_week": m.sold_week, "meetings": len(self.log),
                "fate": fate(m)}


def fate(m) -> str:
    """The company's fate in a few words."""
    if m.insolvent_week is not None:
        return f"insolvent in week {m.insolvent_week}"
    if m.sold_week is not None:
        return f"sold in week {m.sold_week}"
    return f"still operating at week {m.week}"


def replay(scenario: Scenario, seed: int, sets, log: list[dict]) -> Game:
    """Rebuild a game from its decisions (each a dict of answers; "month"/"week" ignored)."""
    return Game(scenario, seed, sets, [{k: v for k, v in d.items() if k in KEYS} for d in log])
