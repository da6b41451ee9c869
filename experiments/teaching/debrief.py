"""The debrief of a game, as data and as text: the player's tenure on the Kaplan-Meier
curve of simulated founders, the player's decisions beside the model founder's (same
company, same seed), and the feedback loops that drove the result.

The simulated founders of a scenario (a :class:`Reference`) are computed once per scenario,
number of runs and parameters, and kept for the life of the process.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import numpy as np

from experiments.analysis.statistics import survival
from experiments.runs.runner import forget, summaries
from experiments.runs.seeds import run_seeds
from experiments.teaching.game import KEYS, MONTH, QUESTIONS, Game, fate, money
from experiments.teaching.loops import LOOPS
from model import StartupModel
from model.scenarios import Scenario

ROOT_SEED = 20221017   # the root seed of the simulated founders (week 0's date)


@dataclass(frozen=True)
class Reference:
    """Simulated founders of one scenario: CEO tenure (week of exit, or the last week
    run when still in office) and the Kaplan-Meier curve of it."""
    scenario: str
    n: int
    tenure: np.ndarray          # weeks
    out: np.ndarray             # True where the founder left (exit observed)
    curve_weeks: list[float]
    curve_survival: list[float]
    median: float | None        # Kaplan-Meier median tenure (weeks; None: not reached)
    insolvent: float            # share of runs
    sold: float

    def share_out_before(self, week: float) -> float:
        """Share of simulated founders already out before ``week``."""
        return float(np.mean(self.out & (self.tenure < week)))

    def as_dict(self) -> dict:
        return {"scenario": self.scenario, "n": self.n, "weeks": self.curve_weeks,
                "survival": self.curve_survival, "median": self.median,
                "insolvent": self.insolvent, "sold": self.sold}

    def as_record(self) -> dict:
        """Everything, as plain data (for a cache on disk)."""
        return {**self.as_dict(), "tenure": self.tenure.tolist(), "out": self.out.tolist()}

    @classmethod
    def from_record(cls, d: dict) -> Reference:
        return cls(d["scenario"], d["n"], np.array(d["tenure"], float), np.array(d["out"], bool),
                   d["weeks"], d["survival"], d["median"], d["insolvent"], d["sold"])


_cache: dict = {}
_lock = threading.Lock()


def km_curve(tenure, out) -> tuple[list[float], list[float], float | None]:
    """Kaplan-Meier curve of tenure as step points from (0, 1) to the longest tenure
    (observed or not), and its median (weeks; None: not reached)."""
    km = survival(tenure, out)
    weeks = [0.0] + [float(t) for t in km.times]
    surv = [1.0] + [float(s) for s in km.survival]
    if len(tenure) and float(np.max(tenure)) > weeks[-1]:
        weeks.append(float(np.max(tenure)))
        surv.append(surv[-1])
    return weeks, surv, km.median


def reference_key(scenario: Scenario, n: int) -> str:
    """What a reference depends on: the scenario's name and parameters, the number of runs."""
    digest = hashlib.sha256(repr(scenario.params).encode()).hexdigest()[:16]
    return f"{scenario.name}:{n}:{ROOT_SEED}:{digest}"


def reference(scenario: Scenario, n: int = 200, store=None) -> Reference:
    """The ``n`` simulated founders of ``scenario``, kept per scenario and parameters for
    the process's life; ``store`` (with ``get_reference(key)``/``put_reference(key, dict)``)
    keeps them across restarts too."""
    key = reference_key(scenario, n)
    with _lock:
        if key not in _cache and store is not None:
            record = store.get_reference(key)
            if record is not None:
                _cache[key] = Reference.from_record(record)
        if key not in _cache:
            runs = summaries(scenario, run_seeds(ROOT_SEED, n))
            out = np.array([r["ceo_exit_week"] is not None for r in runs])
            tenure = np.array([r["ceo_exit_week"] if r["ceo_exit_week"] is not None
                               else r["weeks_run"] - 1 for r in runs], float)
            weeks, surv, median = km_curve(tenure, out)
            _cache[key] = Reference(
                scenario.name, n, tenure, out, weeks, surv, median,
                float(np.mean([r["insolvent_week"] is not None for r in runs])),
                float(np.mean([r["sold_week"] is not None for r in runs])))
        if store is not None and store.get_reference(key) is None:
            store.put_reference(key, _cache[key].as_record())
        return _cache[key]


# ----------------------------------------------------------------------------- decisions

def _action(e) -> str | None:
    """A founder-CEO's decision or its direct result, in a few words (from typed fields)."""
    k = e.event
    return {
        "promise_made": f"promise to {e.counterpart or e.detail.split(',')[0].removeprefix('to ')}",
        "compute_cut": "compute cut",
        "layoff": f"layoff ({e.amount:.0f} people)" if e.amount is not None else "layoff",
        "asset_sale": "asset sale",
        "round_started": f"round asked {money(e.amount or 0)}",
        "round_closed": f"round closed {money(e.amount or 0)}",
        "round_failed": "round failed",
        "audit_accepted": "audit accepted", "audit_refused": "audit refused",
        "sale_search": "sale search", "sale_refused": "sale refused",
        "exit_package_refused": "package refused",
        "succession_refused": "successor refused",
        "ceo_resigned": f"resigned ({e.cause})" if e.cause else "resigned",
        "ceo_removed": "removed by the board",
        "company_sold": "company sold", "insolvency": "insolvent",
    }.get(k)


def actions_by_month(model, months: int) -> list[list[str]]:
    """The founder-CEO's actions in each four-week month (month k: the meeting at week
    4k and the weeks that follow it; month 0: the weeks before the first meeting)."""
    out = [[] for _ in range(months + 1)]
    for e in model.events:
        a = _action(e)
        if a is None or e.role not in ("founder-CEO", ""):
            continue
        k = e.week // MONTH
        if k <= months:
            out[k].append(a)
    return out


def model_founder(game: Game) -> StartupModel:
    """The same company and seed, run by the model's founder-CEO (his own rules)."""
    return StartupModel(game.scenario.params_for(game.seed), seed=game.seed).run()


def answers_text(d: dict) -> str:
    """The answers that differ from the plain default, in short."""
    plain = {q.key: q.default for q in QUESTIONS}
    parts = [f"{k}={d[k]}" for k in KEYS if k in d and d[k] != plain[k]]
    return ", ".join(parts) or "all as they were"


# ----------------------------------------------------------------------------- loops

def loops_at_work(model) -> list[dict]:
    """The feedback loops of the causal-loop diagram with evidence in this run."""
    ev = model.events
    departures = [e for e in ev if e.event == "departure" and e.cause != "normal turnover"]
    followed = sum(1 for e in departures if e.cause == "colleagues leaving"
                   or e.detail.startswith("followed"))
    evidence = {
        "R1": (ev.count("bill_unpaid") + ev.count("bill_underpaid"),
               "unpaid bills -> trust -> departures -> capacity -> revenue"),
        "R2": (ev.count("promise_broken"), f"{ev.count('promise_broken')} promises broken, "
               f"{ev.count('promise_kept')} kept"),
        "R3": (followed, f"{followed} people left after colleagues did"),
        "R4": (ev.count("round_failed"), f"{ev.count('round_failed')} rounds failed"),
        "R5": (ev.count("round_closed") + ev.count("bridge_closed"),
               f"{ev.count('round_closed')} rounds and {ev.count('bridge_closed')} bridges closed"),
        "B2": (ev.count("compute_cut"), f"{ev.count('compute_cut')} compute cuts"),
        "B3": (ev.count("exit_package_offered") + ev.count("resignation_demanded"),
               f"{ev.count('resignation_demanded')} calls to resign, "
               f"{ev.count('exit_package_offered')} exit packages offered"),
        "B4": (ev.count("ceo_removed") + ev.count("removal_vote_failed"),
               "the board voted on removing the CEO"),
    }
    causes: dict[str, int] = {}
    for e in departures:
        causes[e.cause] = causes.get(e.cause, 0) + 1
    out = []
    for lid, name, *_ in LOOPS:
        n, text = evidence.get(lid, (0, ""))
        if n:
            out.append({"id": lid, "name": name.replace("\n", " "), "evidence": text})
    if causes:
        out.append({"id": "", "name": "departures by main cause", "evidence": ", ".join(
            f"{c} {n}" for c, n in sorted(causes.items(), key=lambda kv: -kv[1]))})
    return out


# ----------------------------------------------------------------------------- the debrief

def debrief(game: Game, ref: Reference) -> dict:
    """Everything the student's debrief shows, as data."""
    o = game.outcome()
    tenure = o["tenure_weeks"]
    twin = model_founder(game)
    months = max(1, len(game.meetings) - 1)
    mine, theirs = actions_by_month(game.model, months), actions_by_month(twin, months)
    rows = []
    for k in range(months + 1):
        d = next((x for x in game.log if x["month"] == k), None)
        rows.append({"month": k, "week": k * MONTH, "answers": answers_text(d) if d else "",
                     "you": mine[k], "model_founder": theirs[k]})
    twin_tenure = twin.ceo_exit_week if twin.ceo_exit_week is not None else twin.week
    out = {
        "outcome": o, "reference": ref.as_dict(),
        "share_out_before": ref.share_out_before(tenure),
        "model_founder": {"tenure_weeks": twin_tenure, "out": twin.ceo_exit_week is not None,
                          "exit_kind": twin.ceo_exit_kind, "fate": fate(twin)},
        "decisions": rows, "loops": loops_at_work(game.model),
    }
    forget(twin)
    return out


def debrief_lines(game: Game, ref: Reference) -> list[str]:
    """The debrief as text (the terminal's)."""
    d = debrief(game, ref)
    o, share = d["outcome"], d["share_out_before"]
    median = "not reached" if ref.median is None else f"week {ref.median:g}"
    if not o["out"]:
        verdict = (f"You were still in office at week {o['tenure_weeks']}, when the game "
                   f"stopped; by then {share:.0%} of {ref.n} simulated founders of this company "
                   f"were already out (their median exit: {median}).")
    else:
        verdict = (f"You were out in week {o['tenure_weeks']} ({o['exit_kind']}): you kept the "
                   f"job longer than {share:.0%} of {ref.n} simulated founders (their median "
                   f"exit: {median}).")
    mf = d["model_founder"]
    lines = ["", "=== Debrief ===", verdict,
             f"Company: cash {money(o['cash'])}, unpaid bills {money(o['payables'])}, "
             f"{o['fate']}.",
             f"The model's founder, same company and seed: "
             + (f"out in week {mf['tenure_weeks']} ({mf['exit_kind']})" if mf["out"]
                else f"in office at week {mf['tenure_weeks']}") + f"; company {mf['fate']}.",
             f"Of the {ref.n} simulated companies, {ref.insolvent:.0%} went insolvent and "
             f"{ref.sold:.0%} were sold.",
             "", "Your decisions:"]
    for x in game.log:
        lines.append(f"  week {x['week']}: " + ", ".join(f"{k}={x[k]}" for k in KEYS))
    lines += ["", "Month by month, you and the model's founder:"]
    for r in d["decisions"]:
        if r["you"] or r["model_founder"]:
            lines.append(f"  month {r['month']:>2} (week {r['week']:>3}): you: "
                         f"{'; '.join(r['you']) or '-'} | model founder: "
                         f"{'; '.join(r['model_founder']) or '-'}")
    lines += ["", "The loops that drove it:"]
    lines += [f"  {x['id'] + ' ' if x['id'] else ''}{x['name']}: {x['evidence']}"
              for x in d["loops"]] or ["  (none stood out)"]
    return lines
