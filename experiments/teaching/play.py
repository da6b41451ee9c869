"""Play the CEO: a student makes the founder-CEO's decisions every simulated month.

Every four weeks the student sees a board pack and chooses compute spend, a promise,
fundraising, openness with the board, layoffs, an asset sale, and whether to stay. The
other agents respond as in the model. Answers come from a text stream (standard input,
so a script can play a whole game); an invalid answer is asked again with the valid
choices; the end of input ends the game with the debrief. A game is saved as its seed,
scenario and decision log, and resumed by replaying the decisions (same seed, same
decisions: the same company).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from experiments.runs.runner import summaries
from experiments.runs.seeds import run_seeds
from experiments.analysis.statistics import km_quantiles
from model import StartupModel
from model.calendar import week_date
from model.ceo import CEO
from model.promises import Promise
from model.scenarios import Scenario

MONTH = 4   # weeks between board meetings


class PlayerCEO(CEO):
    """A founder-CEO whose decisions are the player's; the model still answers for him
    only where the player has given a standing rule (audits, sales, exit packages)."""

    starts_rounds = False

    def __init__(self, model, traits, name, founder) -> None:
        super().__init__(model, traits, name, founder)
        self.accept_audits = False
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

    def accepts_audit(self) -> bool:        # the player's standing rules
        return self.accept_audits

    def accepts_sale(self) -> bool:
        return self.accept_sale

    def accepts_package(self) -> bool:
        return self.accept_package


# ----------------------------------------------------------------------------- questions

@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    choices: dict[str, str]       # answer -> meaning


QUESTIONS = (
    Question("compute", "Compute spend", {"keep": "as it is", "cut": "cut by 25%",
                                          "grow": "grow by 10%"}),
    Question("promise", "Make a promise", {"none": "no new promise",
                                           "investors": "a modest promise to investors",
                                           "staff": "a modest promise to staff",
                                           "public": "a modest promise to the public",
                                           "grand": "a grand public promise"}),
    Question("raise", "Fundraising", {"none": "no new round", "small": "raise 12 months of burn "
                                      "at the last valuation", "big": "raise 24 months of burn "
                                      "at twice the last valuation", "down": "raise 12 months of "
                                      "burn at half the last valuation"}),
    Question("books", "With the board", {"open": "open books, accept audits (transparency 0.9)",
                                         "asis": "as now", "rosy": "rosy reports, refuse audits "
                                         "(transparency 0.1)"}),
    Question("layoff", "Layoffs", {"none": "none", "10": "lay off 10% of staff and researchers",
                                   "20": "lay off 20%"}),
    Question("assets", "Asset sale", {"keep": "keep the product lines", "sell": "sell one"}),
    Question("stay", "Your job", {"stay": "stay and refuse any exit package",
                                  "package": "accept an exit package if offered",
                                  "resign": "resign now"}),
)


@dataclass
class Game:
    scenario: Scenario
    seed: int
    sets: list[str] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)    # one dict of answers per board meeting

    def __post_init__(self) -> None:
        self.model = StartupModel(self.scenario.params, seed=self.seed, ceo_class=PlayerCEO)
        self.player = self.model.ceo

    @property
    def over(self) -> bool:
        return not self.model.running or not self.player.in_office

    def advance(self, weeks: int = MONTH) -> None:
        for _ in range(weeks):
            if self.over:
                return
            self.model.step()

    def apply(self, answers: dict) -> None:
        """Carry out one board meeting's decisions, then play the month."""
        m, ceo = self.model, self.player
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
                     + (" (grand)" if grand else ""))
        if answers["raise"] != "none" and m.fundraising.round is None:
            burn_month = m.weekly_burn * 52 / 12
            last = m.fundraising.last_post_money
            size, val = {"small": (12 * burn_month, last), "big": (24 * burn_month, 2 * last),
                         "down": (12 * burn_month, last / 2)}[answers["raise"]]
            m.fundraising.start(m, ceo, max(size, 1e6), max(val, 10e6))
        if answers["books"] == "open":
            ceo.transparency, ceo.accept_audits = 0.9, True
        elif answers["books"] == "rosy":
            ceo.transparency, ceo.accept_audits = 0.1, False
        if answers["layoff"] != "none":
            m.layoff(ceo, int(answers["layoff"]) / 100)
        if answers["assets"] == "sell" and m.sellable_assets > 0:
            m.sell_asset(ceo)
        ceo.accept_package = answers["stay"] == "package"
        ceo.accept_sale = answers["books"] == "open"
        self.log.append({"week": m.week, **answers})
        if answers["stay"] == "resign":
            m.ceo_leaves("resigned", "the player resigned", cause="the player's choice")
            return
        self.advance()

    def save(self, path: Path) -> None:
        data = {"scenario": self.scenario.name, "seed": self.seed, "sets": self.sets,
                "log": self.log}
        tmp = Path(path).with_name(Path(path).name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)


def load_saved(path: Path) -> dict:
    """A saved game (scenario, seed, overrides, decision log); ParameterError if it is not one."""
    from model.parameters import ParameterError
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(saved["log"], list):
            raise TypeError
        saved["seed"] = int(saved["seed"])
        str(saved["scenario"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ParameterError(f"--resume {path}: not a saved game") from None
    return saved


def replay(scenario: Scenario, seed: int, sets: list[str], log: list[dict]) -> Game:
    """Rebuild a saved game by replaying its decisions."""
    game = Game(scenario, seed, sets)
    game.advance(MONTH)          # the first month runs before the first board meeting
    for answers in log:
        answers = {k: v for k, v in answers.items() if k != "week"}
        game.apply(answers)
    return game


# ----------------------------------------------------------------------------- text

def board_pack(game: Game) -> list[str]:
    m = game.model
    date = week_date(m.start, m.week)
    cols = m.datacollector.model_vars
    rev = cols["revenue"][-MONTH:]
    burn = [c + o - r for c, o, r in zip(cols["compute_cost"][-MONTH:], cols["other_cost"][-MONTH:], rev)]
    new_arr = 52 * (m.revenue_history[-1] - m.revenue_history[0])
    bm = (13 * m.weekly_burn / max(new_arr / 4, 1.0)) if new_arr > 0 else float("inf")
    recent = [e for e in m.events if e.week > m.week - MONTH
              and e.event not in ("promise_made",)][-10:]
    lines = [f"=== Board meeting, {date} (week {m.week}) ===",
             f"cash ${m.cash / 1e6:.1f}M, unpaid bills ${m.payables / 1e6:.1f}M, runway "
             f"{m.runway_weeks:.0f} weeks",
             f"revenue last month ${sum(rev) / 1e6:.2f}M, net burn ${sum(burn) / 1e6:.1f}M, "
             f"burn multiple {'n/a (revenue not growing)' if bm == float('inf') else f'{bm:.1f}'}",
             f"trust in you: investors {m.trust_investors:.2f}, executives "
             f"{m.trust_executives:.2f}, researchers {m.trust_researchers:.2f}; pressure on you "
             f"{game.player.pressure:.2f}",
             f"people: {m.n_executives} executives, {m.n_researchers} researchers, {m.staff} staff",
             f"open promises: {len(m.promises.open)}"
             + (f" (next due week {min(p.due for p in m.promises.open)})" if m.promises.open else ""),
             f"round in progress: {'yes' if m.fundraising.round else 'no'}",
             "recent events:"]
    lines += [f"  week {e.week}: {e.event.replace('_', ' ')} - {e.agent}: {e.detail}"
              for e in recent] or ["  (none)"]
    return lines


def ask(question: Question, read, write) -> str | None:
    """Ask until a valid answer; None at the end of input."""
    options = ", ".join(f"{k} ({v})" for k, v in question.choices.items())
    while True:
        write(f"{question.prompt}? [{options}]")
        line = read()
        if line is None:
            return None
        answer = line.strip().lower()
        if answer in question.choices:
            return answer
        write(f"  '{answer}' is not a valid answer; choose one of: "
              f"{', '.join(question.choices)}")


def debrief(game: Game, baseline: Scenario, n_seeds: int = 200) -> list[str]:
    """Outcomes against the simulated founders, the decision log, and the loops at work."""
    m = game.model
    tenure = m.ceo_exit_week if m.ceo_exit_week is not None else m.week
    runs = summaries(baseline, run_seeds(20221017, n_seeds))
    exits = np.array([r["ceo_exit_week"] if r["ceo_exit_week"] is not None else r["weeks_run"]
                      for r in runs], float)
    longer = float(np.mean(exits < tenure))
    km = km_quantiles([r["ceo_exit_week"] if r["ceo_exit_week"] is not None
                       else r["weeks_run"] - 1 for r in runs],
                      [r["ceo_exit_week"] is not None for r in runs])
    median = "not reached" if km.median is None else f"week {km.median:g}"
    if m.ceo_exit_week is None:
        verdict = (f"You were still in office at week {tenure}, when the game stopped; by then "
                   f"{longer:.0%} of {n_seeds} simulated founders of this company were already "
                   f"out (their median exit: {median}).")
    else:
        verdict = (f"You were out in week {tenure} ({m.ceo_exit_kind}): you kept the job longer "
                   f"than {longer:.0%} of {n_seeds} simulated founders (their median exit: "
                   f"{median}).")
    lines = ["", "=== Debrief ===", verdict,
             f"Company: cash ${m.cash / 1e6:.1f}M, unpaid bills ${m.payables / 1e6:.1f}M"
             + (f", insolvent in week {m.insolvent_week}" if m.insolvent_week is not None else "")
             + (f", sold in week {m.sold_week}" if m.sold_week is not None else "") + ".",
             "", "Your decisions:"]
    for d in game.log:
        lines.append(f"  week {d['week']}: " + ", ".join(f"{k}={v}" for k, v in d.items()
                                                         if k != "week"))
    causes = {}
    for e in m.events:
        if e.event == "departure" and e.cause and e.cause != "normal turnover":
            causes[e.cause] = causes.get(e.cause, 0) + 1
    broken = m.events.count("promise_broken")
    kept = m.events.count("promise_kept")
    lines += ["", "The loops that drove it:"]
    if causes:
        lines.append("  departures by main cause: " + ", ".join(
            f"{c} {n}" for c, n in sorted(causes.items(), key=lambda kv: -kv[1])))
    lines.append(f"  promises: {kept} kept, {broken} broken (each break weighs "
                 f"{m.p.trust.break_weight:g} kept ones: promises -> credibility -> trust)")
    if m.events.first("bill_unpaid") is not None or m.events.first("bill_underpaid") is not None:
        lines.append("  burn -> runway -> unpaid bills -> trust -> departures -> capacity -> revenue")
    if m.events.count("departure") > 10:
        lines.append("  departures -> contagion -> departures (colleagues follow colleagues)")
    return lines


def play(scenario: Scenario, seed: int, read, write, save: Path | None = None,
         resume: dict | None = None, sets: list[str] | None = None,
         baseline: Scenario | None = None, debrief_seeds: int = 200) -> Game:
    """Run a whole game, reading answers with ``read()`` and printing with ``write()``."""
    if resume:
        game = replay(scenario, resume["seed"], resume.get("sets", []), resume["log"])
        write(f"Resumed at week {game.model.week} after {len(game.log)} board meetings.")
    else:
        game = Game(scenario, seed, sets or [])
        write(f"You are the founder-CEO of {scenario.params.company.name}. Cash "
              f"${game.model.cash / 1e6:.0f}M; the board meets every {MONTH} weeks.")
        game.advance(MONTH)
    while not game.over:
        for line in board_pack(game):
            write(line)
        answers = {}
        for q in QUESTIONS:
            a = ask(q, read, write)
            if a is None:
                write("End of input: the game ends here.")
                for line in debrief(game, baseline or scenario, debrief_seeds):
                    write(line)
                return game
            answers[q.key] = a
        game.apply(answers)
        if save:
            game.save(save)
    if game.model.insolvent_week is not None:
        write(f"The company is insolvent in week {game.model.insolvent_week}.")
    elif game.model.sold_week is not None:
        write(f"The company is sold in week {game.model.sold_week}.")
    elif not game.player.in_office:
        write("You are no longer the CEO.")
    for line in debrief(game, baseline or scenario, debrief_seeds):
        write(line)
    return game
