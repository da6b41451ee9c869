"""Playing the CEO: the game engine (replay, the board pack's events, offers accepted or
refused, a round asked while one is open, the burn multiple explained) and the terminal
front end from a script on standard input (defaults on Enter, prefixes, invalid answers
asked again, the end of input, save and resume)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT
from experiments.teaching.game import (KEYS, QUESTIONS, DecisionError, Game, Question,
                                       parse_answer, replay)
from model import load

KEEP = ["keep", "none", "none", "same", "none", "keep", "accept", "refuse", "stay"]


def play(stdin: str, *args, timeout=300):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), "play", "--debrief-seeds", "20",
                           *map(str, args)], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def answers(*months) -> str:
    return "".join("\n".join(m) + "\n" for m in months)


def test_a_whole_scripted_game_ends_with_a_debrief():
    r = play(answers(*[KEEP] * 30), "--seed", 5)
    assert r.returncode == 0, r.stderr
    meetings = r.stdout.count("=== Board meeting")
    assert 1 <= meetings <= 26
    assert "=== Debrief ===" in r.stdout and "simulated founders" in r.stdout
    assert "Your decisions:" in r.stdout
    assert r.stdout.count("compute=keep") == meetings
    assert "End of input" not in r.stdout or meetings < 26


def test_an_invalid_answer_is_asked_again_with_the_valid_choices():
    r = play("maybe\nkeep\n" + "\n".join(KEEP[1:]) + "\n", "--seed", 5)
    assert r.returncode == 0, r.stderr
    assert "'maybe' is not a valid answer; choose one of: keep, cut, grow" in r.stdout
    assert r.stdout.count("Compute spend?") >= 3      # asked again, then the next month
    assert "compute=keep" in r.stdout


def test_end_of_input_ends_the_game_cleanly():
    r = play("keep\nnone\n", "--seed", 5)
    assert r.returncode == 0, r.stderr
    assert "End of input: the game ends here." in r.stdout and "=== Debrief ===" in r.stdout
    assert "Traceback" not in r.stderr


def test_resigning_ends_the_game_at_once():
    r = play(answers(KEEP[:-1] + ["resign"]), "--seed", 5)
    assert r.returncode == 0, r.stderr
    assert "You are no longer the CEO." in r.stdout and "(resigned)" in r.stdout
    assert r.stdout.count("=== Board meeting") == 1


def test_a_saved_game_resumes_where_it_stopped(tmp_path):
    months = [KEEP, ["cut", "staff", "small", "open", "10", "keep", "refuse", "search", "stay"],
              KEEP, KEEP, ["grow", "grand", "none", "rosy", "none", "sell", "accept", "refuse",
                           "package"]]
    save = tmp_path / "game.json"
    first = play(answers(*months[:2]), "--seed", 11, "--save", save)
    assert first.returncode == 0, first.stderr
    assert len(json.loads(save.read_text())["log"]) == 2
    rest = play(answers(*months[2:]), "--resume", save)
    assert rest.returncode == 0, rest.stderr
    straight = play(answers(*months), "--seed", 11)
    assert straight.returncode == 0, straight.stderr
    tail = lambda out: out.split("=== Debrief ===")[1]   # noqa: E731
    assert tail(rest.stdout) == tail(straight.stdout)
    assert len(json.loads(save.read_text())["log"]) == len(months)


def test_bad_saved_game_is_one_error_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = play("", "--resume", bad)
    assert r.returncode == 2 and r.stderr.strip().startswith("error:")
    assert len(r.stderr.strip().splitlines()) == 1


def test_the_players_decisions_take_effect():
    sc = load("stability-ai")
    base = replay(sc, 4, [], [dict(zip(KEYS, KEEP))])
    cut = replay(sc, 4, [], [{"compute": "cut", "layoff": "20"}])
    assert cut.model.compute_cost < base.model.compute_cost * 0.85
    assert cut.model.staff < base.model.staff
    assert cut.model.events.count("layoff") == 1 and base.model.events.count("layoff") == 0


def test_the_player_ceo_makes_no_decisions_of_its_own():
    game = Game(load("stability-ai"), 9, [], [{}] * 10)
    ev = game.model.events
    assert ev.count("promise_made") == 0 and ev.count("round_started") == 0
    assert ev.count("compute_cut") == 0 and ev.count("layoff") == 0
    assert game.model.ceo_exit_kind != "resigned"


def test_enter_takes_the_defaults_and_prefixes_are_enough():
    explicit = play(answers(*[KEEP] * 3), "--seed", 5)
    enter = play(answers(*[[""] * len(KEEP)] * 3), "--seed", 5)
    short = play(answers(*[["k", "n", "n", "sa", "n", "k", "a", "r", "st"]] * 3), "--seed", 5)
    for r in (explicit, enter, short):
        assert r.returncode == 0, r.stderr
    tail = lambda out: out.split("=== Debrief ===")[1]   # noqa: E731
    assert tail(enter.stdout) == tail(explicit.stdout) == tail(short.stdout)
    assert "(Enter: keep)" in explicit.stdout


def test_parse_answer_prefixes_ambiguity_and_old_tokens():
    q = Question("x", "X", (("stay", ""), ("staff", ""), ("grow", "")), "grow", "")
    assert parse_answer(q, "") == "grow" and parse_answer(q, "  ", "stay") == "stay"
    assert parse_answer(q, "G") == "grow" and parse_answer(q, "stay") == "stay"
    with pytest.raises(DecisionError, match="could mean stay or staff"):
        parse_answer(q, "sta")
    books = next(q for q in QUESTIONS if q.key == "books")
    assert parse_answer(books, "asis") == "same"          # saves from before the rename
    layoff = next(q for q in QUESTIONS if q.key == "layoff")
    assert parse_answer(layoff, "10%") == "10" and parse_answer(layoff, "2") == "20"


# ----------------------------------------------------------------------------- the engine

AGGRESSIVE = {"compute": "grow", "promise": "grand", "books": "rosy"}


def _game_with_packs(seed, decisions, months=30, sets=()):
    """Play ``decisions(month)`` until the game ends; keep every board pack."""
    game, packs = Game(load("stability-ai", list(sets)), seed), []
    while not game.over and game.month <= months:
        packs.append(game.pack())
        game.decide(decisions(game.month))
    return game, packs


def test_every_event_appears_in_exactly_one_board_pack():
    # Every event of the game, the meeting weeks' own (the player's decisions) included,
    # is shown once, in the pack of the meeting that follows it.
    mix = [{"compute": "cut", "layoff": "10", "assets": "sell", "raise": "small",
            "promise": "staff"}, {"promise": "investors"}, {}, {"raise": "big"}]
    game, packs = _game_with_packs(3, lambda k: mix[(k - 1) % len(mix)], months=14)
    shown = [(e["week"], e["kind"], e["who"], e["detail"]) for p in packs for e in p["events"]]
    expected = [(e.week, e.event, e.agent, e.detail) for e in game.model.events
                if e.week < game.meetings[len(packs)]]
    assert shown == expected and len(shown) > 20
    first_decisions = packs[1]["events"]
    kinds = {e["kind"] for e in first_decisions if e["week"] == packs[0]["week"]}
    assert {"compute_cut", "layoff", "asset_sale", "round_started", "promise_made"} <= kinds
    all_kinds = {e[1] for e in shown}
    assert all_kinds & {"promise_kept", "promise_broken"}
    assert all(e["cause"] for p in packs for e in p["events"] if e["kind"] == "round_failed")


def test_replaying_the_decisions_rebuilds_the_same_game():
    mix = [{"compute": "grow", "promise": "public"}, {"raise": "big", "books": "open"}, {},
           {"layoff": "20", "audit": "refuse"}]
    game, _ = _game_with_packs(8, lambda k: mix[k % len(mix)], months=12)
    again = replay(load("stability-ai"), 8, [], game.log)
    assert again.log == game.log
    assert again.pack() == game.pack()
    assert list(again.model.events) == list(game.model.events)
    other = replay(load("stability-ai"), 9, [], game.log)
    assert list(other.model.events) != list(game.model.events)


def test_the_player_accepts_or_refuses_offers():
    def run(seed, audit, sale, stay):
        # no succession search (succession.py): a player who takes offers that he go would
        # step aside for the board's successor before the investors' offers come
        game, _ = _game_with_packs(seed, lambda k: {**AGGRESSIVE, "audit": audit, "sale": sale,
                                                      "stay": stay},
                                   sets=("governance.succession_review=0",))
        return game.model.events
    seen = dict(audits_yes=0, audits_no=0, sales_yes=0, sales_no=0, packages=0)
    for seed in (2, 3, 4, 5, 6):
        yes, no = run(seed, "accept", "search", "package"), run(seed, "refuse", "refuse", "stay")
        assert yes.count("audit_accepted") == yes.count("audit_demanded")
        assert yes.count("audit_refused") == 0
        assert no.count("audit_refused") == no.count("audit_demanded")
        assert no.count("audit_accepted") == 0
        assert yes.count("sale_search") == yes.count("sale_urged")
        assert yes.count("sale_refused") == 0
        assert no.count("sale_refused") == no.count("sale_urged")
        assert no.count("sale_search") == 0
        # an offered package is taken at once (and ends the player's tenure) or always refused
        assert yes.count("exit_package_offered") == yes.count("ceo_resigned") <= 1
        assert no.count("exit_package_refused") == no.count("exit_package_offered")
        seen["audits_yes"] += yes.count("audit_demanded")
        seen["audits_no"] += no.count("audit_demanded")
        seen["sales_yes"] += yes.count("sale_urged")
        seen["sales_no"] += no.count("sale_urged")
        seen["packages"] += yes.count("exit_package_offered") + no.count("exit_package_offered")
    # every kind of offer came up in these games, so each rule above was exercised
    assert min(seen["audits_yes"], seen["audits_no"], seen["sales_yes"], seen["sales_no"]) >= 2
    assert seen["packages"] >= 2, seen


def test_asking_for_a_round_while_one_is_open_is_explained():
    game = Game(load("stability-ai"), 5, [], [{"raise": "big"}])
    assert game.model.fundraising.round is not None
    assert "still open" in next(q for q in game.menu() if q["key"] == "raise")["note"]
    notes = game.decide({"raise": "small"})
    assert notes and "No new round: round 1" in notes[0]
    assert game.pack()["notes"] == notes
    assert game.model.events.count("round_started") == 1


def test_a_decision_for_another_month_or_a_bad_answer_is_refused_with_a_reason():
    game = Game(load("stability-ai"), 5)
    with pytest.raises(DecisionError, match="month 2 is not open"):
        game.decide({}, month=2)
    with pytest.raises(DecisionError, match="compute: 'x' is not a valid answer"):
        game.decide({"compute": "x"})
    with pytest.raises(DecisionError, match="unknown question 'bogus'"):
        game.decide({"bogus": "1"})
    assert game.month == 1 and not game.log          # nothing applied
    game.decide({}, month=1)
    assert game.month == 2


def test_the_burn_multiple_is_explained_when_it_is_na_or_jumps():
    game, packs = _game_with_packs(4, lambda k: {"compute": "grow" if k % 3 else "cut",
                                                 "layoff": "10" if k % 5 == 0 else "none"})
    values = [p["burn_multiple"] for p in packs]
    na = [b for b in values if b["value"] is None]
    jumps = [b for a, b in zip(values, values[1:]) if a["value"] and b["value"]
             and (b["value"] > 2 * a["value"] or b["value"] < a["value"] / 2)]
    assert na or jumps
    assert all(b["note"].startswith("n/a") for b in na)
    assert all(b["note"].startswith(("up from", "down from")) for b in jumps)
