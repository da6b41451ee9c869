"""Play the CEO in the terminal: a student makes the founder-CEO's decisions every
simulated month.

The rules are the game engine's (:mod:`experiments.teaching.game`, shared with the browser
classroom); this module only prints the board pack and reads answers from a text stream
(standard input, so a script can play a whole game). Enter takes the default shown in
brackets, a unique prefix is enough ("g" for grow), an invalid answer is asked again with
the valid choices, and the end of input ends the game with the debrief. A game is saved as
its seed, scenario and decision log, and resumed by replaying the decisions (same seed, same
decisions: the same company).
"""

from __future__ import annotations

import json
from pathlib import Path

from experiments.teaching.debrief import debrief_lines, reference
from experiments.teaching.game import (MONTH, QUESTIONS, DecisionError, Game, PlayerCEO,  # noqa: F401
                                       Question, money, parse_answer, replay)
from model.scenarios import Scenario


def save_game(game: Game, path: Path) -> None:
    """Write the game (scenario, seed, overrides, decisions) atomically."""
    data = {"scenario": game.scenario.name, "seed": game.seed, "sets": game.sets,
            "log": game.log}
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def load_saved(path: Path) -> dict:
    """A saved game (scenario, seed, overrides, decision log); ParameterError if it is not one."""
    from model.parameters import ParameterError
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(saved["log"], list) or not all(isinstance(d, dict) for d in saved["log"]):
            raise TypeError
        saved["seed"] = int(saved["seed"])
        str(saved["scenario"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ParameterError(f"--resume {path}: not a saved game") from None
    return saved


# ----------------------------------------------------------------------------- text

def _event_line(e: dict) -> str:
    why = f" (why: {e['cause']})" if e["cause"] and e["cause"] not in e["detail"] else ""
    return f"  week {e['week']}: {e['what']} - {e['who']}: {e['detail']}{why}"


def board_pack_lines(game: Game) -> list[str]:
    p = game.pack()
    bm = p["burn_multiple"]
    bm_text = "n/a" if bm["value"] is None else f"{bm['value']:.1f}"
    t = p["trust"]
    lines = [f"=== Board meeting {p['month']}, {p['date']} (week {p['week']}) ===",
             f"cash {money(p['cash'])}, unpaid bills {money(p['payables'])}, runway "
             f"{p['runway_weeks']:.0f} weeks",
             f"revenue last month {money(p['revenue_month'])}, net burn {money(p['burn_month'])}, "
             f"burn multiple {bm_text}" + (f" ({bm['note']})" if bm["note"] else ""),
             f"trust in you: investors {t['investors']:.2f}, executives {t['executives']:.2f}, "
             f"researchers {t['researchers']:.2f}; pressure on you {p['pressure']:.2f}",
             f"people: {p['people']['executives']} executives, {p['people']['researchers']} "
             f"researchers, {p['people']['staff']} staff",
             f"open promises: {len(p['promises'])}"
             + (f" (next due week {min(x['due'] for x in p['promises'])})" if p["promises"] else ""),
             "round in progress: " + ("no" if p["round"] is None else
                                      f"round {p['round']['number']}, asking "
                                      f"{money(p['round']['size'])} at "
                                      f"{money(p['round']['valuation'])}, until week "
                                      f"{p['round']['ends_by']}")]
    lines += [f"note: {n}" for n in p["notes"]]
    lines.append("since the last meeting:")
    lines += [_event_line(e) for e in p["events"]] or ["  (nothing)"]
    return lines


def ask(question: dict, read, write) -> str | None:
    """Ask until a valid answer; None at the end of input."""
    q = next(x for x in QUESTIONS if x.key == question["key"])
    options = ", ".join(f"{a} ({m})" for a, m in question["choices"])
    if question["note"]:
        write(f"  ({question['note']})")
    while True:
        write(f"{question['prompt']}? [{options}] (Enter: {question['default']})")
        line = read()
        if line is None:
            return None
        try:
            return parse_answer(q, line, question["default"])
        except DecisionError as exc:
            write(f"  {exc}")


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
              f"{money(game.model.p.finance.start_cash)}; the board meets every {MONTH} weeks. "
              f"Press Enter to take the answer in brackets; the first letters of an answer "
              f"are enough.")
    while not game.over:
        for line in board_pack_lines(game):
            write(line)
        answers = {}
        for q in game.menu():
            a = ask(q, read, write)
            if a is None:
                write("End of input: the game ends here.")
                game.stop()
                break
            answers[q["key"]] = a
        if game.over:
            break
        game.decide(answers)
        if save:
            save_game(game, save)
    m = game.model
    if m.insolvent_week is not None:
        write(f"The company is insolvent in week {m.insolvent_week}.")
    elif m.sold_week is not None:
        write(f"The company is sold in week {m.sold_week}.")
    elif not game.player.in_office:
        write("You are no longer the CEO.")
    for line in debrief_lines(game, reference(baseline or scenario, debrief_seeds)):
        write(line)
    return game
