"""The case library and writing a new company: ``cases``, ``--case``, ``new-case`` and the
walk-through of docs/scenarios.md tried as a new user would (a 60-person SaaS startup with
$20M of cash and a board that controls the CEO, described only through the template and the
docs, runs, validates against its own facts and sweeps)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from conftest import ROOT, cli
from experiments.analysis.cases import cases
from experiments.analysis.facts import load_facts
from experiments.analysis.template import parameter_table
from experiments.analysis.odd import BLOCK


def test_cases_lists_every_scenario_with_facts_of_its_own_and_its_record():
    r = cli("cases")
    assert r.returncode == 0, r.stderr
    listed = cases()
    assert "stability-ai" in [c.name for c in listed]
    for c in listed:
        line = next(x for x in r.stdout.splitlines() if x.startswith(c.name + " "))
        facts = load_facts(c.name)
        assert f"{sum(f.use == 'fit' for f in facts)} fit" in line
        assert c.record and (ROOT / c.record).is_file() and "(missing)" not in line
    base = next(c for c in listed if c.name == "stability-ai")
    assert (base.start, base.weeks) == ("2022-10-17", 104) and base.end == "2024-10-13"
    assert "board-control" not in r.stdout          # a counterfactual checks its base's facts


def test_case_is_an_alias_of_scenario():
    by_case = cli("validate", "--case", "stability-ai", "--seeds", 10)
    by_scenario = cli("validate", "--scenario", "stability-ai", "--seeds", 10)
    assert by_case.stdout == by_scenario.stdout and by_case.returncode == by_scenario.returncode
    assert "Validation of 'stability-ai'" in by_case.stdout
    lessons = cli("lessons", "--case", "stability-ai")
    assert lessons.returncode == 0 and lessons.stdout == cli("lessons").stdout
    bad = cli("lessons", "--case", "no-such-case")
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown scenario")


def test_new_case_refuses_to_overwrite_and_bad_names(tmp_path):
    r = cli("new-case", "acme", "--dir", tmp_path)
    assert r.returncode == 0, r.stderr
    scenario = tmp_path / "acme.toml"
    before = scenario.read_text()
    again = cli("new-case", "acme", "--dir", tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr and again.stderr.count("\n") == 1
    assert scenario.read_text() == before
    bad = cli("new-case", "Acme Inc", "--dir", tmp_path / "other")
    assert bad.returncode == 2 and not (tmp_path / "other").exists()


def test_the_template_sets_every_parameter_with_a_source_and_runs(tmp_path):
    assert cli("new-case", "acme", "--dir", tmp_path).returncode == 0
    params = cli("params", "--scenario", tmp_path / "acme.toml")
    assert params.returncode == 0, params.stderr
    sources = re.findall(r"source: (.*)", params.stdout)
    assert sources and not [s for s in sources if s.startswith("not stated")]
    validated = cli("validate", "--scenario", tmp_path / "acme.toml", "--seeds", 30)
    assert validated.returncode == 0, validated.stdout + validated.stderr   # its example facts
    assert "2 of 2 fitted facts pass; 1 of 1 held-back facts pass" in validated.stdout


def _set(text: str, section: str, key: str, value: str) -> str:
    """Replace ``key = ...`` inside ``[section]`` of a scenario file, keeping its comment line
    structure: what a user does in an editor."""
    head = text.index(f"[{section}]\n")
    end = text.find("\n[", head + 1)
    end = len(text) if end < 0 else end
    body, n = re.subn(rf"(?m)^{key} = [^#\n]*?(\s+#)", rf"{key} = {value}\1", text[head:end], 1)
    assert n == 1, (section, key)
    return text[:head] + body + text[end:]


SAAS_FACTS = '''
[[fact]]
id = "revenue_year1"
what = "first-year revenue of about $4M (the plan: $3M a year at the start, growing)"
source = "docs/cases/saas.md#X-plan"
use = "fit"
statistic = "amount"
column = "revenue"
weeks = [0, 51]
scale_unit = 1e6
unit = "$M"
range = [2.5, 6.5]
observed = 4
scale = 1

[[fact]]
id = "payroll_year1"
what = "first-year payroll and opex of a 60-person company, $9M to $13M"
source = "docs/cases/saas.md#X-plan"
use = "fit"
statistic = "amount"
column = "other_cost"
weeks = [0, 51]
scale_unit = 1e6
unit = "$M"
range = [9, 13]
observed = 11
scale = 1

[[fact]]
id = "board_can_remove"
what = "the board uses its control: in some histories it removes the founder"
source = "docs/cases/saas.md#X-board"
use = "check"
statistic = "share"
event = "ceo_removed"
role = "founder-CEO"
unit = "share"
range = [0.02, 1]
observed = true
scale = 1
'''


@pytest.mark.slow
def test_a_new_user_describes_a_saas_startup_from_the_docs(tmp_path):
    """docs/scenarios.md, "A worked example", step by step."""
    docs = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert "python run.py new-case saas" in docs and "ceo.stake" in docs
    assert cli("new-case", "saas", "--dir", tmp_path).returncode == 0
    path = tmp_path / "saas.toml"
    text = path.read_text(encoding="utf-8")
    for section, key, value in [
            ("finance", "start_cash", "20e6"),
            ("workforce", "researchers", "25"), ("workforce", "core_researchers", "3"),
            ("workforce", "staff", "32"),                 # + 3 executives = 60 people
            ("ceo", "stake", "0.3"),                      # the founder holds 30% of the votes
            ("investors.lead_vc", "stake", "0.3"), ("investors.seed_fund", "stake", "0.15"),
            ("governance", "removal_by", '"board"')]:
        text = _set(text, section, key, value)
    path.write_text(text, encoding="utf-8")
    (tmp_path / "saas.facts.toml").write_text(SAAS_FACTS, encoding="utf-8")

    out = tmp_path / "run"
    r = cli("simulate", "--scenario", path, "--seed", 1, "--quiet", "--out", out)
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["founder_votes_start"] == pytest.approx(0.3)     # board control
    weekly = pd.read_csv(out / "weekly.csv")
    assert weekly["cash"].iloc[0] <= 20e6 and weekly["executives"].iloc[0] == 3
    assert weekly["researchers"].iloc[0] + weekly["staff"].iloc[0] == 57

    v = cli("validate", "--scenario", path, "--seeds", 200)    # as the docs say
    assert v.returncode == 0, v.stdout + v.stderr
    assert "2 of 2 fitted facts pass; 1 of 1 held-back facts pass" in v.stdout

    sweep = tmp_path / "sweep"
    s = cli("sweep", "--scenario", path, "--replicates", 8, "--vary",
            "governance.removal_by=board,shareholders", "--jobs", 1, "--out", sweep,
            "--no-progress")
    assert s.returncode == 0, s.stderr
    c = cli("compare", sweep, "--by", "governance.removal_by", "--outcomes",
            "exec_departures,total_raised,final_cash")
    assert c.returncode == 0 and "removal_by=board" in c.stdout


def test_the_parameter_reference_in_the_docs_is_current():
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    blocks = {m.group("name"): m.group("body") for m in BLOCK.finditer(text)}
    assert blocks["parameters"].strip() == parameter_table().strip(), \
        "docs/scenarios.md is out of date: run python run.py docs"
