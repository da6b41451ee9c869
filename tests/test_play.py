"""Playing the CEO from a script on standard input: whole games, invalid answers asked
again, the end of input, save and resume, and the player's decisions taking effect."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT
from experiments.teaching.play import QUESTIONS, Game, replay
from model import load

KEEP = ["keep", "none", "none", "asis", "none", "keep", "stay"]


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
    months = [KEEP, ["cut", "staff", "small", "open", "10", "keep", "stay"], KEEP, KEEP,
              ["grow", "grand", "none", "rosy", "none", "sell", "package"]]
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
    base = replay(sc, 4, [], [dict(zip([q.key for q in QUESTIONS], KEEP))])
    cut = replay(sc, 4, [], [dict(zip([q.key for q in QUESTIONS],
                                      ["cut", "none", "none", "asis", "20", "keep", "stay"]))])
    assert cut.model.compute_cost < base.model.compute_cost * 0.85
    assert cut.model.staff < base.model.staff
    assert cut.model.events.count("layoff") == 1 and base.model.events.count("layoff") == 0


def test_the_player_ceo_makes_no_decisions_of_its_own():
    game = Game(load("stability-ai"), 9)
    game.advance(40)
    ev = game.model.events
    assert ev.count("promise_made") == 0 and ev.count("round_started") == 0
    assert ev.count("compute_cut") == 0 and ev.count("layoff") == 0
    assert game.model.ceo_exit_kind != "resigned"
