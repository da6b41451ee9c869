"""Story mode and the lessons: the text tells the run's real events with their numbers,
the dashboard figure is drawn, and lessons state a question and differ from their base."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest

from conftest import cli, make_params, seeds, simulate
from experiments.runs.runner import summaries
from experiments.teaching.story import ending, tell
from model.outcomes import summary
from model.scenarios import lessons, load




@pytest.fixture(scope="module")
def story(tmp_path_factory):
    out = tmp_path_factory.mktemp("story") / "s"
    r = cli("story", "--scenario", "stability-ai", "--seed", 7, "--out", out)
    assert r.returncode == 0, r.stderr
    return r, out


def test_story_writes_text_dashboard_and_run_files(story):
    r, out = story
    for name in ("story.txt", "dashboard.png", "weekly.csv", "events.csv", "summary.json"):
        assert (out / name).exists(), name
    png = (out / "dashboard.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 30_000
    assert (out / "story.txt").read_text().strip() in r.stdout


def test_story_dates_and_weeks_agree_and_name_real_events(story):
    r, out = story
    events = list(csv.DictReader(open(out / "events.csv")))
    told = re.findall(r"^(\d{4}-\d{2}-\d{2}), week (\d+):", r.stdout, flags=re.M)
    assert len(told) >= 10
    dates = {(e["date"], e["week"]) for e in events}
    for date, week in told[1:]:            # the first line is the week-0 introduction
        assert (date, week) in dates, (date, week)


def test_story_explains_departures_and_the_ceo_exit(story):
    r, out = story
    s = json.loads((out / "summary.json").read_text())
    assert "mainly because of" in r.stdout      # why people left
    if s["ceo_exit_week"] is not None:
        assert re.search(rf"week {s['ceo_exit_week']}: the founder-CEO (resigns|is removed)",
                         r.stdout)
        assert "mostly" in r.stdout or "vote" in r.stdout   # which pressures, or the vote
    assert "How it ended:" in r.stdout


def test_story_numbers_are_the_runs_numbers():
    params = make_params("stability-ai")
    s = seeds(3, root=41)
    told = 0
    for seed in s:
        m = simulate(params, seed)
        lines = tell(m, "stability-ai", seed) + ending(summary(m, "stability-ai", seed), m)
        cash = m.datacollector.model_vars["cash"]
        for line in lines:
            hit = re.match(r"\d{4}-\d{2}-\d{2}, week (\d+): the CEO opens a funding round.*"
                           r"cash \$([\d,.]+)M", line)
            if hit:
                week, said = int(hit.group(1)), float(hit.group(2).replace(",", ""))
                assert said == pytest.approx(cash[week] / 1e6, abs=0.051)
                told += 1
    assert told >= 3, told                     # the check was made, in every run on average


def test_every_lesson_states_its_question_and_runs():
    ls = lessons()
    assert len(ls) >= 7
    for sc in ls:
        assert sc.question.endswith("?") and len(sc.look_for) > 20 and sc.base
        load(sc.base)                          # the base it is compared with exists
    r = cli("lessons")
    assert r.returncode == 0 and all(sc.name in r.stdout for sc in ls)


@pytest.mark.parametrize("name,key,sign", [
    ("disciplined-compute", "total_compute_cost", -1),
    ("board-control", "ceo_exit_week", -1),
    ("earlier-layoffs", "layoffs", +1),
    ("listening-ceo", "total_raised", +1),
])
def test_lessons_move_the_outcome_they_are_about(name, key, sign):
    s = seeds(60, root=99)
    base = summaries(load("stability-ai"), s)
    alt = summaries(load(name), s)
    def med(rows):
        return np.median([r[key] if r[key] is not None else r["weeks_run"] for r in rows])
    assert sign * (med(alt) - med(base)) > 0, (med(base), med(alt))


@pytest.mark.slow
def test_the_commands_a_lesson_prints_run_as_printed_twice_in_a_row():
    import shlex
    r = cli("lessons")
    block = r.stdout.split("\n\n")[0].splitlines()
    commands = [line.split("run:", 1)[-1].strip() for line in block
                if "python run.py" in line]
    assert len(commands) == 3 and commands[-1].split()[2] == "compare"
    for attempt in (1, 2):
        for c in commands:
            args = shlex.split(c)
            assert args[:2] == ["python", "run.py"]
            done = cli(*args[2:])
            assert done.returncode == 0, (attempt, c, done.stderr)
            if attempt == 2 and args[2] == "sweep":
                assert "already complete" in done.stdout


def test_the_story_tells_the_founders_seat_and_the_staffs_letter():
    """The founder's seat after his exit, and a letter that reverses a removal, are told in
    sentences (not as event codes), in the week they happen."""
    told = {"seat": 0, "letter": 0}
    params = make_params("board-control", "governance.reinstate_share=0")
    for seed in seeds(10):
        m = simulate(params, seed)
        text = "\n".join(tell(m, "board-control", seed))
        assert "founder left board" not in text and "staff letter" not in text
        for e in m.events:
            if e.event == "founder_left_board":
                assert f"week {e.week}: the founder leaves the board" in text
                told["seat"] += 1
            if e.event == "staff_letter":
                assert f"week {e.week}: {e.detail}." in text
                told["letter"] += 1
    assert told["letter"] >= 3, told
    exits = 0
    for seed in seeds(5):        # the reference case's founder leaves the board with the job
        m = simulate(make_params("stability-ai"), seed)
        if m.ceo_exit_week is not None:
            assert f"week {m.ceo_exit_week}: the founder leaves the board" in "\n".join(
                tell(m, "stability-ai", seed))
            exits += 1
    assert exits >= 2, exits
