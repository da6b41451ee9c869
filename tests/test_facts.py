"""Validation facts as data: the file format, per-run statistics, rules over runs, distances,
and ``validate --facts`` on the command line.

Per-run values are checked against quantities counted another way (the weekly table's
date column, the run summary of model/outcomes.py, the event list read by role, the
weekly ``ceo_in_office`` column); the rules are checked on hand-made values with
hand-computed answers.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import replace

import pytest

from conftest import ROOT, batch, cli, column, events
from experiments.analysis.facts import (
    EVENT_KINDS, ROLES, Fact, Match, evaluate, load_facts, parse_facts, run_distance,
    run_statistics)
from model import StartupModel, scenarios
from model.outcomes import summary
from model.parameters import ParameterError

CASE = ROOT / "docs" / "cases" / "stability-ai.md"


def _fact(**kw) -> Fact:
    base = dict(id="x", what="w", source="docs/cases/stability-ai.md#S-money-safe", use="fit",
                statistic="amount", unit="u", range=(0.0, 1.0), observed=0.0, scale=1.0)
    base.update(kw)
    return Fact(**base)


# --------------------------------------------------------------------------- the shipped file

@pytest.fixture(scope="module")
def shipped():
    return load_facts("stability-ai")


def test_shipped_facts_cite_rows_that_exist_in_the_case_record(shipped):
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', CASE.read_text(encoding="utf-8")))
    assert len(anchors) > 20
    for f in shipped:
        path, _, anchor = f.source.partition("#")
        assert path == "docs/cases/stability-ai.md", f.id
        assert anchor in anchors, f"{f.id}: {anchor} is not a row of the case record"


def test_shipped_facts_have_fitted_and_held_back_facts(shipped):
    ids = [f.id for f in shipped]
    assert len(ids) == len(set(ids))
    fit = {f.id for f in shipped if f.use == "fit"}
    check = {f.id for f in shipped if f.use == "check"}
    assert {"compute_2023", "payroll_opex_2023", "revenue_2023", "first_unpaid_bill", "bridge",
            "exec_departures", "founder_exit"} <= fit
    assert {"core_team_gone_by_sd3", "core_team_before_founder", "priced_round_under_founder",
            "insolvency", "company_sold", "audit_before_exit"} <= check
    # the bridge's size is an input: no fact may check it
    assert not any(f.statistic == "amount" and f.column == "raised" for f in shipped)


def test_shipped_ranges_are_two_sided_where_the_record_gives_a_value(shipped):
    for f in shipped:
        if f.statistic in ("amount", "count", "event_week"):
            lo, hi = f.range
            assert lo < f.observed < hi, f.id
            assert hi != float("inf"), f.id


def test_a_lesson_uses_its_base_scenarios_facts(shipped):
    assert load_facts("listening-ceo") == shipped
    assert load_facts(scenarios.load("board-control")) == shipped


def test_a_scenario_without_facts_asks_for_a_facts_file():
    text = (ROOT / "model" / "scenarios" / "stability-ai.toml").read_text(encoding="utf-8")
    own = scenarios.from_text(text, "my-company")          # no base, no facts file
    with pytest.raises(ParameterError, match="scenario 'my-company' has no facts file; "
                                             "give --facts FILE"):
        load_facts(own)


def test_facts_files_are_not_scenarios():
    names = scenarios.names()
    assert "stability-ai" in names
    assert not any(n.endswith(".facts") for n in names)
    with pytest.raises(ParameterError, match="unknown scenario"):
        load_facts("stability-ai.facts")


def test_known_roles_cover_every_role_the_model_logs():
    seen = {e.role for m in batch(n=30) for e in m.events}
    assert seen <= set(ROLES), seen - set(ROLES)


# --------------------------------------------------------------------------- per run

def test_amounts_match_the_weekly_date_column_and_the_run_summary(shipped):
    by_id = {f.id: f for f in shipped}
    for m in batch(n=30):
        stats = run_statistics(m, shipped)
        in_2023 = [d.startswith("2023-") for d in column(m, "date")]
        s = summary(m, "stability-ai", None)
        for fid, col in (("compute_2023", "compute_cost"), ("payroll_opex_2023", "other_cost"),
                         ("revenue_2023", "revenue")):
            by_dates = sum(v for y, v in zip(in_2023, column(m, col)) if y) / 1e6
            assert stats[fid] == pytest.approx(by_dates, rel=1e-12)
            # a window over the whole run is the summary's total
            whole = replace(by_id[fid], window=None, weeks=(0, m.week))
            assert run_statistics(m, [whole])[fid] == pytest.approx(s[f"total_{col}"] / 1e6,
                                                                    rel=1e-12)
        # the same window given in weeks (2023 = weeks 11-62) gives the same amount
        weeks = replace(by_id["compute_2023"], window=None, weeks=(11, 62))
        assert run_statistics(m, [weeks])["compute_2023"] == pytest.approx(stats["compute_2023"])


def test_counts_and_event_weeks_match_the_event_list(shipped):
    censored = seen = 0
    for m in batch(n=30):
        stats = run_statistics(m, shipped)
        execs = [e for e in events(m, "departure") if e.role == "executive" and e.week <= 62]
        assert stats["exec_departures"] == len(execs)
        last = m.p.run.weeks - 1     # censored at the horizon, also when the run ended early
        bills = [e.week for e in m.events if e.event in ("bill_underpaid", "bill_unpaid")]
        assert stats["first_unpaid_bill"] == ((bills[0], True) if bills else (last, False))
        bridges = [e.week for e in m.events if e.event == "bridge_closed"]
        assert stats["bridge"] == ((bridges[0], True) if bridges else (last, False))
        # the founder's exit, read from the weekly ceo_in_office column
        out = [w for w, c in zip(column(m, "week"), column(m, "ceo_in_office")) if c == 0]
        assert stats["founder_exit"] == ((out[0], True) if out else (last, False))
        seen += bool(out)
        censored += not out
    assert seen and censored      # the batch exercises both branches


def test_yes_no_facts_match_the_event_list(shipped):
    kinds_seen, orders_seen = set(), set()
    for m in batch(n=30):
        stats = run_statistics(m, shipped)
        # an exit is counted only where it happens, and is a resignation by the founder
        founder_exits = [e for e in m.events if e.event in ("ceo_resigned", "ceo_removed")
                         and e.role == "founder-CEO"]
        if founder_exits:
            assert stats["exit_is_resignation"] is (founder_exits[0].event == "ceo_resigned")
        else:
            assert stats["exit_is_resignation"] is None
        core = [e for e in events(m, "departure", role="core researcher") if e.week <= 70]
        assert stats["core_team_gone_by_sd3"] is (len(core) >= 2)
        # the core team's exit (2 of 3 gone) before the founder's, or without his exit
        gone, out = m.core_team_departed_week, m.ceo_exit_week
        if gone is None or out is None or gone != out:
            assert stats["core_team_before_founder"] is (gone is not None
                                                         and (out is None or gone < out))
        orders_seen.add(stats["core_team_before_founder"])
        # a priced round before the founder's exit is one closed by the founder-CEO himself
        assert stats["priced_round_under_founder"] is bool(events(m, "round_closed",
                                                                  role="founder-CEO"))
        ended_early = column(m, "week")[-1] < m.p.run.weeks - 1
        assert stats["insolvency"] is (ended_early and m.sold_week is None)
        assert stats["company_sold"] is bool(events(m, "company_sold"))
        kinds_seen.add((stats["priced_round_under_founder"], stats["core_team_gone_by_sd3"]))
    assert len(kinds_seen) > 1 and orders_seen == {True, False}


def test_order_uses_the_event_log_within_a_week():
    # A real 10-week run, with events added to its log to set up ties within a week.
    m = StartupModel(scenarios.load("stability-ai", ["run.weeks=10"]).params, seed=3).run()
    assert m.ceo_exit_week is None and m.events.first("audit_demanded") is None
    f = _fact(statistic="order", first=Match(("audit_demanded",)), then=Match(("founder_exit",)),
              range=(0.0, 1.0), observed=True)
    g = _fact(id="y", statistic="order", first=Match(("asset_sale",)), then=Match(("layoff",)),
              range=(0.0, 1.0), observed=True)
    assert run_statistics(m, [f, g]) == {"x": False, "y": False}    # neither `first` happens
    m.events.record(8, "audit_demanded", "Coatue", "board director")
    assert run_statistics(m, [f])["x"] is True       # `then` never happens: counts as before
    m.ceo_exit_week = 8                              # the founder leaves in the same week
    m.events.record(8, "layoff", "the founder-CEO", "founder-CEO")
    m.events.record(8, "asset_sale", "the founder-CEO", "founder-CEO")
    stats = run_statistics(m, [f, g])
    assert stats["x"] is True     # a pseudo-event comes after its week's logged events
    assert stats["y"] is False    # the asset sale was logged after the layoff
    m.ceo_exit_week = 7
    assert run_statistics(m, [f])["x"] is False


def test_the_founders_exit_keeps_its_place_in_the_log_and_the_core_team_counts_once():
    m = StartupModel(scenarios.load("stability-ai", ["run.weeks=10"]).params, seed=3).run()
    assert m.ceo_exit_week is None and m.core_team_departed_week is None
    first = _fact(statistic="order", first=Match(("core_team_departed",)),
                  then=Match(("founder_exit",)), range=(0.0, 1.0), observed=True)
    count = _fact(id="n", statistic="count", event=Match(("core_team_departed",)),
                  range=(0.0, 5.0), observed=1.0)
    # the founder resigns, then (later in the same week's log) the core team is gone
    m.events.record(8, "ceo_resigned", "the founder-CEO", "founder-CEO")
    m.ceo_exit_week = 8
    m.events.record(8, "core_team_departed", "the core team", "core researcher")
    m.core_team_departed_week = 8
    assert run_statistics(m, [first, count]) == {"x": False, "n": 1.0}
    # a week earlier, the core team's exit comes first
    m.core_team_departed_week = 7
    m.events.events[-1] = m.events.events[-1]._replace(week=7)
    assert run_statistics(m, [first])["x"] is True


def test_facts_about_events_that_never_happen_are_still_computed():
    facts = parse_facts("""
[[fact]]
id = "interim_cuts"
what = "nothing documented"
source = "nowhere"
use = "check"
statistic = "count"
event = "compute_cut"
role = "supplier"
unit = "cuts"
range = [0, 0]
observed = 0
scale = 1

[[fact]]
id = "cutoff_week"
what = "never"
source = "nowhere"
use = "check"
statistic = "event_week"
event = "supplier_cutoff"
role = "founder-CEO"
unit = "week"
range = [0, 200]
observed = 50
scale = 8

[[fact]]
id = "given_never"
what = "never counted"
source = "nowhere"
use = "check"
statistic = "share"
event = "hire"
given = { event = "company_sold", role = "supplier" }
unit = "share"
range = [0, 1]
observed = false
scale = 1
""", "test")
    stats = [run_statistics(m, facts) for m in batch(n=5)]
    assert [s["interim_cuts"] for s in stats] == [0.0] * 5
    assert all(s["cutoff_week"][1] is False for s in stats)
    assert all(s["given_never"] is None for s in stats)
    res = {r.id: r for r in evaluate(facts, stats)}
    assert res["interim_cuts"].passed and res["interim_cuts"].value == 0
    assert not res["cutoff_week"].passed and "not reached" in res["cutoff_week"].rule
    assert not res["given_never"].passed and res["given_never"].n == 0


# --------------------------------------------------------------------------- rules over runs

def test_amount_rule_uses_the_median_and_shows_the_percentiles():
    f = _fact(range=(2.5, 3.5))
    stats = [{"x": v} for v in (100.0, 1.0, 4.0, 2.0, 3.0)]
    (r,) = evaluate([f], stats)
    assert r.passed and r.value == 3.0 and r.median == 3.0 and r.share is None
    # 10th percentile: 1 + 0.4 * (2 - 1); 90th: 4 + 0.6 * (100 - 4)  (linear interpolation)
    assert r.lo == pytest.approx(1.4) and r.hi == pytest.approx(61.6)
    assert r.n == 5 and "median 3" in r.rule and "[2.5, 3.5]" in r.rule
    (r,) = evaluate([replace(f, range=(4.0, 200.0))], stats)   # the mean (22) would pass
    assert not r.passed and "outside" in r.rule
    (r,) = evaluate([replace(f, range=(3.0, 3.0))], stats)     # the ends are inside
    assert r.passed


def test_event_week_rule_uses_the_kaplan_meier_median_not_the_naive_one():
    # times 1..7 with censoring ('+'): 1, 2, 2+, 3, 4+, 5, 6, 7+. Kaplan-Meier: S drops to
    # 0.875, 0.75, 0.6 (t=3), 0.4 (t=5): median 5. The observed weeks alone have median 3.
    values = [(1, True), (2, True), (2, False), (3, True), (4, False), (5, True), (6, True),
              (7, False)]
    stats = [{"x": v} for v in values]
    f = _fact(statistic="event_week", event=Match(("departure",)), range=(4.5, 5.5))
    (r,) = evaluate([f], stats)
    assert r.passed and r.value == 5.0 and r.lo == 1.0 and r.hi is None
    assert "5 of 8 runs, 3 censored" in r.rule
    (r,) = evaluate([replace(f, range=(2.5, 3.5))], stats)      # the naive median fails
    assert not r.passed
    (r,) = evaluate([f], [{"x": (w, False)} for w in (10, 20, 30)])
    assert not r.passed and r.value is None and "not reached" in r.rule


def test_share_rule_counts_only_the_runs_that_count_and_gives_a_wilson_interval():
    values = [True] * 3 + [False] * 7 + [None] * 5
    f = _fact(statistic="share", event=Match(("hire",)), range=(0.25, 0.35), observed=False,
              given=Match(("layoff",)))
    (r,) = evaluate([f], [{"x": v} for v in values])
    assert r.passed and r.value == pytest.approx(0.3) and r.n == 10 and r.median is None
    # Wilson 95% for 3/10: (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
    assert r.lo == pytest.approx(0.1078, abs=1e-4) and r.hi == pytest.approx(0.6032, abs=1e-4)
    assert "3 of 10 runs where layoff happens" in r.rule
    (r,) = evaluate([replace(f, range=(0.0, 0.25))], [{"x": v} for v in values])
    assert not r.passed
    (r,) = evaluate([f], [{"x": None}] * 4)
    assert not r.passed and r.n == 0 and "no runs counted" in r.rule


def test_evaluate_needs_every_fact_in_every_run():
    with pytest.raises(KeyError, match="'x'"):
        evaluate([_fact()], [{"x": 1.0}, {"y": 2.0}])


# --------------------------------------------------------------------------- distances

def test_run_distance_by_statistic():
    amount = _fact(id="a", observed=99.0, scale=15.0)
    week = _fact(id="w", statistic="event_week", event=Match(("departure",)), observed=75.0,
                 scale=8.0)
    share = _fact(id="s", statistic="share", event=Match(("hire",)), observed=False)
    d = run_distance([amount, week, share], {"a": 104.0, "w": (80, True), "s": True})
    assert d == {"a": pytest.approx(5 / 15), "w": pytest.approx(5 / 8), "s": 1.0}
    assert run_distance([week], {"w": (70, True)})["w"] == pytest.approx(5 / 8)
    # censored: watched through week w without the event -> it comes at w + 1 or later
    assert run_distance([week], {"w": (60, False)})["w"] == 0.0      # ended before week 75
    assert run_distance([week], {"w": (74, False)})["w"] == 0.0      # could still be week 75
    assert run_distance([week], {"w": (75, False)})["w"] == pytest.approx(1 / 8)
    assert run_distance([week], {"w": (103, False)})["w"] == pytest.approx(29 / 8)
    assert run_distance([share], {"s": False})["s"] == 0.0
    assert run_distance([share], {"s": None})["s"] == 0.0
    assert run_distance([replace(share, scale=2.0)], {"s": True})["s"] == 0.5


def test_distances_of_real_runs(shipped):
    for m in batch(n=30):
        stats = run_statistics(m, shipped)
        d = run_distance(shipped, stats)
        assert set(d) == {f.id for f in shipped} and all(v >= 0 for v in d.values())
        exit_week = m.ceo_exit_week
        if exit_week is not None:
            assert d["founder_exit"] == pytest.approx(abs(exit_week - 75) / 8)
        elif m.week == m.p.run.weeks:      # watched to the horizon (week 103) without an exit
            assert d["founder_exit"] == pytest.approx((m.week - 75) / 8)
        in_2023 = [day.startswith("2023-") for day in column(m, "date")]
        spent = sum(v for y, v in zip(in_2023, column(m, "compute_cost")) if y) / 1e6
        assert d["compute_2023"] == pytest.approx(abs(spent - 99) / 15)


# --------------------------------------------------------------------------- bad files

GOOD = """
[[fact]]
id = "compute"
what = "compute"
source = "docs/cases/stability-ai.md#S-money-costs2023"
use = "fit"
statistic = "amount"
column = "compute_cost"
window = ["2023-01-01", "2023-12-31"]
scale_unit = 1e6
unit = "$M"
range = [84.15, 113.85]
observed = 99
scale = 15

[[fact]]
id = "exit"
what = "exit"
source = "docs/cases/stability-ai.md#S-gov-resignation"
use = "check"
statistic = "share"
event = "founder_exit"
by_week = 80
unit = "share"
range = [0.5, 1]
observed = true
scale = 1
"""


def _sub(old: str, new: str, count: int = 1) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, count)


BAD_FILES = {
    "unknown statistic": (_sub('"amount"', '"mean"'),
                          ["'compute'", "statistic", "'mean'", "amount, count, event_week, "
                           "event_share, share, order"]),
    "missing field": (_sub("range = [84.15, 113.85]\n", ""), ["'compute'", "'range'", "missing"]),
    "range reversed": (_sub("[84.15, 113.85]", "[113.85, 84.15]"), ["'range'", "above"]),
    "range not a pair": (_sub("[84.15, 113.85]", "[84.15]"), ["'range'", "[lo, hi]"]),
    "share range above 1": (_sub("[0.5, 1]", "[0.5, 2]"), ["'exit'", "within [0, 1]"]),
    "unknown column": (_sub('"compute_cost"', '"compute"'),
                       ["'column'", "'compute'", "compute_cost", "revenue"]),
    "unknown event": (_sub('"founder_exit"', '"ceo_quit"'),
                      ["'exit'", "'event'", "'ceo_quit'", "founder_exit", "ceo_resigned"]),
    "unknown role": (_sub('event = "founder_exit"', 'event = "ceo_resigned"\nrole = "CEO"'),
                     ["'role'", "'CEO'", "founder-CEO"]),
    "role on a pseudo-event": (_sub('event = "founder_exit"',
                                    'event = "founder_exit"\nrole = "founder-CEO"'),
                               ["'role'", "pseudo-event", "'founder_exit'"]),
    "bad use": (_sub('use = "fit"', 'use = "train"'), ["'use'", "'train'", "fit, check"]),
    "field of another statistic": (_sub('scale_unit = 1e6', 'scale_unit = 1e6\nby_week = 3'),
                                   ["'by_week'", "amount", "valid:"]),
    "window and weeks": (_sub('scale_unit = 1e6', 'scale_unit = 1e6\nweeks = [0, 62]'),
                         ["either window", "not both"]),
    "bad date": (_sub('"2023-12-31"', '"2023-13-31"'), ["'window'", "ISO dates"]),
    "observed yes/no on an amount": (_sub("observed = 99", "observed = true"),
                                     ["'observed'", "number"]),
    "observed number on a share": (_sub("observed = true", "observed = 0.7"),
                                   ["'observed'", "true or false"]),
    "zero scale": (_sub("scale = 15", "scale = 0"), ["'scale'", "> 0"]),
    "duplicate id": (_sub('id = "exit"', 'id = "compute"'), ["'compute'", "twice"]),
    "malformed toml": (_sub('[[fact]]\nid = "exit"', '[[fact]\nid = "exit"'), ["malformed TOML"]),
    "no facts": ('title = "x"\n', ["unknown top-level key 'title'"]),
    "empty": ("", ["no [[fact]] tables"]),
    "given without event": (_sub("by_week = 80", 'given = { role = "executive" }'),
                            ["'given'", "event = ..."]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_facts_file_raises_one_line_naming_the_problem(case):
    text, needles = BAD_FILES[case]
    with pytest.raises(ParameterError) as info:
        parse_facts(text, "my.facts.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("my.facts.toml")
    for needle in needles:
        assert needle in message, (needle, message)


def test_the_good_file_parses():
    compute, exit_ = parse_facts(GOOD, "good")
    assert compute.range == (84.15, 113.85) and compute.scale_unit == 1e6
    assert str(compute.window[0]) == "2023-01-01"
    assert exit_.event == Match(("founder_exit",)) and exit_.by_week == 80
    assert exit_.observed is True and exit_.use == "check"


def test_every_event_kind_of_the_model_can_be_named():
    from model.events import KINDS
    assert set(KINDS) < set(EVENT_KINDS)


def test_an_unreadable_facts_file_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="cannot read"):
        load_facts(tmp_path / "missing.facts.toml")


# --------------------------------------------------------------------------- command line

IMPOSSIBLE = """
[[fact]]
id = "negative_compute"
what = "compute spend below zero (impossible)"
source = "docs/cases/stability-ai.md#S-money-costs2023"
use = "fit"
statistic = "amount"
column = "compute_cost"
window = ["2023-01-01", "2023-12-31"]
scale_unit = 1e6
unit = "$M"
range = [-2, -1]
observed = -1.5
scale = 1

[[fact]]
id = "unpaid_before_start"
what = "bills unpaid before the company starts (impossible)"
source = "docs/cases/stability-ai.md#S-money-unpaid"
use = "check"
statistic = "event_week"
event = ["bill_underpaid", "bill_unpaid"]
unit = "week"
range = [-10, -1]
observed = -5
scale = 8
"""

POSSIBLE = """
[[fact]]
id = "any_revenue"
what = "revenue is not negative"
source = "docs/cases/stability-ai.md#S-money-revenue2023"
use = "fit"
statistic = "amount"
column = "revenue"
unit = "$"
range = [0, inf]
observed = 11e6
scale = 1e6
"""


def test_validate_with_impossible_facts_fails_with_exit_1(tmp_path):
    path = tmp_path / "impossible.facts.toml"
    path.write_text(IMPOSSIBLE, encoding="utf-8")
    r = cli("validate", "--seeds", 5, "--facts", path)
    assert r.returncode == 1, r.stderr
    rows = [line for line in r.stdout.splitlines()
            if line.startswith(("negative_compute", "unpaid_before_start"))]
    assert len(rows) == 2 and all(" FAIL " in row for row in rows), r.stdout
    assert "Fitted facts" in r.stdout and "Held-back facts" in r.stdout
    assert "0 of 1 fitted facts pass; 0 of 1 held-back facts pass" in r.stdout
    assert "[S-money-costs2023]" in r.stdout


def test_validate_with_possible_facts_exits_0(tmp_path):
    path = tmp_path / "possible.facts.toml"
    path.write_text(POSSIBLE, encoding="utf-8")
    r = cli("validate", "--seeds", 3, "--facts", path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.rstrip().endswith("1 of 1 fitted facts pass")


def test_validate_with_a_bad_facts_file_exits_2_with_one_error_line(tmp_path):
    path = tmp_path / "bad.facts.toml"
    path.write_text(BAD_FILES["unknown statistic"][0], encoding="utf-8")
    r = cli("validate", "--seeds", 3, "--facts", path)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "'mean'" in lines[0]
    r = cli("validate", "--seeds", 3, "--facts", tmp_path / "none.facts.toml")
    assert r.returncode == 2 and r.stderr.startswith("error:") and "cannot read" in r.stderr


def test_validate_of_a_scenario_file_without_facts_asks_for_them(tmp_path):
    text = (ROOT / "model" / "scenarios" / "stability-ai.toml").read_text(encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    r = cli("validate", "--seeds", 3, "--scenario", path)
    assert r.returncode == 2 and "has no facts file; give --facts FILE" in r.stderr
    good = tmp_path / "good.facts.toml"
    good.write_text(POSSIBLE, encoding="utf-8")
    r = cli("validate", "--seeds", 3, "--scenario", path, "--facts", good)
    assert r.returncode == 0, r.stderr


# --------------------------------------------------------------------------- causes, event shares

ROUND_FACTS = '''
[[fact]]
id = "down_share"
what = "w"
source = "s"
use = "check"
statistic = "event_share"
event = "round_closed"
cause = "down round"
unit = "share"
range = [0, 1]
observed = 0.2
scale = 0.1

[[fact]]
id = "downs"
what = "w"
source = "s"
use = "check"
statistic = "count"
event = "round_closed"
cause = ["down round"]
unit = "rounds"
range = [0, 10]
observed = 0
scale = 1

[[fact]]
id = "first_round_if_any"
what = "w"
source = "s"
use = "check"
statistic = "event_week"
event = "round_closed"
conditional = true
unit = "week"
range = [0, 104]
observed = 60
scale = 10
'''


def test_cause_filters_event_shares_and_conditional_weeks_follow_the_event_list():
    facts = parse_facts(ROUND_FACTS, "rounds.facts.toml")
    runs = batch(n=40)
    stats = [run_statistics(m, facts) for m in runs]
    k_all = n_all = with_round = 0
    for m, s in zip(runs, stats):
        rounds = [e for e in m.events if e.event == "round_closed"]
        down = [e for e in rounds if e.cause == "down round"]
        assert s["down_share"] == (len(down), len(rounds))
        assert s["downs"] == len(down)
        assert s["first_round_if_any"] == (float(rounds[0].week) if rounds else None)
        k_all, n_all, with_round = k_all + len(down), n_all + len(rounds), with_round + bool(rounds)
    assert 0 < k_all < n_all and 0 < with_round < len(runs)   # both branches exercised
    share, downs, weeks = evaluate(facts, stats)
    assert share.value == pytest.approx(k_all / n_all) and share.n == n_all
    assert weeks.n == with_round
    firsts = [s["first_round_if_any"] for s in stats if s["first_round_if_any"] is not None]
    assert weeks.value == pytest.approx(statistics.median(firsts))   # plain, not Kaplan-Meier
    # per-run distances: a share's distance from the record, none for a run without rounds
    for s in stats:
        d = run_distance(facts, s)
        k, n = s["down_share"]
        assert d["down_share"] == (pytest.approx(abs(k / n - 0.2) / 0.1) if n else 0.0)
        assert d["first_round_if_any"] == (0.0 if s["first_round_if_any"] is None else
                                           pytest.approx(abs(s["first_round_if_any"] - 60) / 10))


@pytest.mark.parametrize("edit, words", [
    (('cause = "down round"\nunit = "share"', 'unit = "share"'), ["'down_share'", "'cause'", "missing"]),
    (("observed = 0.2", "observed = 2"), ["'down_share'", "'observed'", "[0, 1]"]),
    (("conditional = true", 'conditional = "yes"'), ["'first_round_if_any'", "'conditional'"]),
    (('cause = ["down round"]', "cause = []"), ["'downs'", "'cause'"]),
])
def test_bad_causes_and_event_shares_are_one_line(edit, words):
    with pytest.raises(ParameterError) as exc:
        parse_facts(ROUND_FACTS.replace(*edit), "rounds.facts.toml")
    msg = str(exc.value)
    assert "\n" not in msg and all(w in msg for w in words), msg


def test_a_pseudo_event_takes_no_cause():
    text = ROUND_FACTS.replace('event = "round_closed"\ncause = ["down round"]',
                               'event = "founder_exit"\ncause = ["down round"]')
    with pytest.raises(ParameterError, match="takes no cause"):
        parse_facts(text, "rounds.facts.toml")


def test_validate_runs_each_seed_with_its_own_parameter_set():
    """Metamorphic: parameter sets equal to the scenario's own values change nothing; sets
    in which no one's trust falls below their threshold leave far fewer executives leaving."""
    from experiments.analysis.validate import validate
    from experiments.runs.runner import load_scenario
    sc = load_scenario("stability-ai")
    plain = validate(sc, 12)
    same = validate(sc, 12, draws=[{"trust.gain_rate": sc.params.trust.gain_rate}] * 12)
    assert same == plain
    loyal = validate(sc, 12, draws=[{"workforce.threshold_mean": 0.0,
                                     "workforce.threshold_sd": 0.0}] * 12)
    fewer, base = ({r.id: r for r in rs}["exec_departures"] for rs in (loyal, plain))
    assert fewer.value < base.value / 2, (fewer.value, base.value)
