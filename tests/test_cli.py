"""The command line: scenarios, params, simulate, and how bad input is refused."""

import csv
import datetime as dt
import json

import pytest

from conftest import cli
from model import ParameterError, load, names
from model.parameters import describe
from model.scenarios import from_text

WEEKLY_REQUIRED = ("week", "date", "cash", "payables", "revenue", "compute_cost", "other_cost",
                   "runway_weeks", "executives", "researchers", "staff", "trust_investors",
                   "trust_executives", "trust_researchers", "board_investor_seats", "ceo_in_office")
EVENT_COLUMNS = ["week", "date", "event", "agent", "role", "detail", "cause", "amount", "counterpart"]
SUMMARY_REQUIRED = ("scenario", "seed", "weeks_run", "ceo_exit_week", "ceo_exit_kind",
                    "first_unpaid_bill_week", "first_board_exit_week", "exec_departures",
                    "researcher_departures", "core_team_departed_week", "layoffs", "total_raised",
                    "min_cash", "final_cash", "final_payables", "insolvent_week")




# --------------------------------------------------------------------------- listing

def test_scenarios_lists_the_shipped_scenarios():
    r = cli("scenarios")
    assert r.returncode == 0, r.stderr
    listed = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    for name in ("stability-ai", "disciplined-founder", "board-control"):
        assert name in listed
    assert sorted(listed) == names()


def test_params_shows_every_leaf_parameter_with_its_source():
    r = cli("params", "--scenario", "stability-ai")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    sc = load("stability-ai")
    paths = [row[0] for row in describe(sc.params, sc.sources)]
    assert len(paths) > 150
    sources = {}
    for k, line in enumerate(lines[:-1]):
        head = line.split()[0] if line.strip() else ""
        if head in paths and lines[k + 1].strip().startswith("source:"):
            sources[head] = lines[k + 1].strip()[len("source:"):].strip()
    missing = [p for p in paths if p not in sources]
    assert not missing, f"not shown: {missing[:5]}"
    unstated = [p for p, s in sources.items() if not s or s == "not stated"]
    assert not unstated, f"{len(unstated)} baseline parameters without a source: {unstated}"


def test_params_marks_command_line_overrides():
    r = cli("params", "--scenario", "stability-ai", "--set", "ceo.listening=0.8")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    k = next(i for i, line in enumerate(lines) if line.split()[:1] == ["ceo.listening"])
    assert "0.8" in lines[k] and "command line" in lines[k + 1]


# --------------------------------------------------------------------------- simulate

@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    r = cli("simulate", "--scenario", "stability-ai", "--seed", 5, "--out", out)
    assert r.returncode == 0, r.stderr
    return out, r


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh)), open(path, encoding="utf-8").readline().strip().split(",")


def test_simulate_writes_the_three_files_with_required_columns(full_run):
    out, r = full_run
    assert sorted(p.name for p in out.iterdir()) == ["events.csv", "summary.json", "weekly.csv"]
    rows, header = read_csv(out / "weekly.csv")
    assert set(WEEKLY_REQUIRED) <= set(header)
    assert rows
    events, header = read_csv(out / "events.csv")
    assert header == EVENT_COLUMNS
    assert events
    summary = json.loads((out / "summary.json").read_text())
    assert set(SUMMARY_REQUIRED) <= set(summary)
    assert summary["scenario"] == "stability-ai" and summary["seed"] == 5
    assert summary["weeks_run"] == len(rows)
    assert "wrote" in r.stdout


def test_weekly_dates_are_a_week_apart_from_the_start(full_run):
    out, _ = full_run
    rows, _ = read_csv(out / "weekly.csv")
    start = dt.date(2022, 10, 17)
    for k, row in enumerate(rows):
        assert int(row["week"]) == k
        assert dt.date.fromisoformat(row["date"]) == start + dt.timedelta(days=7 * k)
    events, _ = read_csv(out / "events.csv")
    for e in events:
        assert dt.date.fromisoformat(e["date"]) == start + dt.timedelta(days=7 * int(e["week"]))


def test_summary_agrees_with_the_weekly_table(full_run):
    out, _ = full_run
    rows, _ = read_csv(out / "weekly.csv")
    s = json.loads((out / "summary.json").read_text())
    cash = [float(r["cash"]) for r in rows]
    assert s["min_cash"] == pytest.approx(min(cash), rel=1e-9)
    assert s["final_cash"] == pytest.approx(cash[-1], rel=1e-9)
    assert s["final_payables"] == pytest.approx(float(rows[-1]["payables"]), rel=1e-9, abs=1e-3)
    in_office = [int(r["ceo_in_office"]) for r in rows]
    if s["ceo_exit_week"] is None:
        assert set(in_office) == {1}
    else:
        assert in_office.index(0) == s["ceo_exit_week"]


def test_simulate_weeks_sets_the_number_of_rows(tmp_path):
    out = tmp_path / "short"
    r = cli("simulate", "--seed", 3, "--weeks", 10, "--quiet", "--out", out)
    assert r.returncode == 0, r.stderr
    rows, _ = read_csv(out / "weekly.csv")
    assert [int(row["week"]) for row in rows] == list(range(10))
    assert rows[-1]["date"] == "2022-12-19"
    assert json.loads((out / "summary.json").read_text())["weeks_run"] == 10


def test_simulate_replaces_an_existing_output_directory(tmp_path):
    out = tmp_path / "again"
    assert cli("simulate", "--seed", 3, "--weeks", 12, "--quiet", "--out", out).returncode == 0
    (out / "stale.txt").write_text("old")
    r = cli("simulate", "--seed", 3, "--weeks", 5, "--quiet", "--out", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["events.csv", "summary.json", "weekly.csv"]
    assert len(read_csv(out / "weekly.csv")[0]) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again"]      # no temporary leftovers


def test_an_unquoted_iso_date_is_accepted_for_the_start_date(tmp_path):
    """README: values are read as TOML and text may be given bare; run.start_date is an ISO date.

    ``--set run.start_date=2023-01-02`` is parsed by TOML as a date object and then rejected
    with "expected text, got datetime.date(2023, 1, 2)" (parameters.parse_value/_coerce).
    """
    out = tmp_path / "dated"
    r = cli("simulate", "--seed", 3, "--weeks", 3, "--quiet", "--set", "run.start_date=2023-01-02",
            "--out", out)
    assert r.returncode == 0, r.stderr
    rows, _ = read_csv(out / "weekly.csv")
    assert rows[0]["date"] == "2023-01-02"


# --------------------------------------------------------------------------- bad input

BAD = {
    "unknown scenario": ["simulate", "--scenario", "no-such-company"],
    "unknown parameter": ["simulate", "--set", "ceo.charisma=0.5"],
    "unknown entry": ["simulate", "--set", "investors.softbank.stake=0.1"],
    "wrong type": ["simulate", "--set", "ceo.listening=abc"],
    "wrong type int": ["simulate", "--set", "workforce.researchers=2.5"],
    "out of range fraction": ["simulate", "--set", "ceo.listening=1.5"],
    "negative cost": ["simulate", "--set", "finance.opex_weekly=-1"],
    "zero weeks": ["simulate", "--weeks", "0"],
    "zero run.weeks": ["simulate", "--set", "run.weeks=0"],
    "bad choice": ["simulate", "--set", "governance.removal_by=anarchy"],
    "malformed set": ["simulate", "--set", "ceo.listening"],
    "negative seed": ["simulate", "--seed", "-3"],
    "unknown subcommand": ["explode"],
    "unknown option": ["simulate", "--colour", "red"],
}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Every bad command, run concurrently (each in its own empty directory with --out x)."""
    from concurrent.futures import ThreadPoolExecutor

    def run(case):
        where = tmp_path_factory.mktemp("bad")
        out = where / "x"
        return case, (cli(*BAD[case], "--out", out), where, out)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, sorted(BAD)))


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_one_error_line_and_writes_nothing(case, bad_runs):
    r, where, out = bad_runs[case]
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:")
    assert "Traceback" not in r.stderr + r.stdout
    assert not out.exists()
    assert list(where.iterdir()) == []


def test_a_malformed_scenario_file_on_the_command_line_is_refused(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('base = "stability-ai"\n[ceo\nlistening = 0.5\n')
    out = tmp_path / "x"
    r = cli("simulate", "--scenario", bad, "--out", out)
    assert r.returncode == 2 and r.stderr.startswith("error:") and len(r.stderr.splitlines()) == 1
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_error_messages_name_the_problem():
    r = cli("params", "--set", "ceo.listening=1.5")
    assert "ceo.listening" in r.stderr and "range" in r.stderr
    r = cli("params", "--scenario", "nope")
    assert "stability-ai" in r.stderr          # names the valid choices


@pytest.mark.parametrize("text", [
    'base = "stability-ai"\n[ceo\nlistening = 0.5\n',        # unclosed table header
    'base = "stability-ai"\n[ceo]\nlistening = = 0.5\n',     # two equals signs
    'base = "stability-ai"\n[ceo]\nlistening = "high\n',     # unterminated string
])
def test_malformed_toml_scenario_raises_parameter_error(text):
    with pytest.raises(ParameterError, match="malformed TOML"):
        from_text(text, "broken")


@pytest.mark.parametrize("text,match", [
    ('base = "stability-ai"\n[ceo]\nlistening = 2.0\n', "ceo.listening"),
    ('base = "stability-ai"\n[ceo]\ncharm = 0.5\n', "charm"),
    ('base = "no-such-base"\n', "unknown scenario"),
    ('[run]\nweeks = 10\n', "missing"),
])
def test_invalid_scenario_text_raises_parameter_error(text, match):
    with pytest.raises(ParameterError, match=match):
        from_text(text, "custom")


def test_a_valid_scenario_text_extends_the_baseline():
    sc = from_text('base = "stability-ai"\n[ceo]\nlistening = 0.6   # a test\n', "custom")
    assert sc.params.ceo.listening == 0.6
    assert sc.params.ceo.grandiosity == load("stability-ai").params.ceo.grandiosity
    assert sc.sources["ceo.listening"].startswith("a test")


def test_output_directory_has_the_usual_permissions(tmp_path):
    """The output directory is made like any other (umask applies), not private to the user.

    storage.write_run builds it with tempfile.mkdtemp (mode 0700) and renames it into place,
    so results/runs/... ends up unreadable to group and others.
    """
    import stat
    reference = tmp_path / "reference"
    reference.mkdir()
    out = tmp_path / "run"
    r = cli("simulate", "--seed", 3, "--weeks", 2, "--quiet", "--out", out)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)


# --------------------------------------------------------------------------- valid extremes

def _leaf_bounds():
    """(path, value) for every numeric leaf parameter at each end of its declared range."""
    import dataclasses
    import typing

    from model import parameters as P

    out = []

    def walk(cls, prefix, sample):
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            tp, value = hints[f.name], getattr(sample, f.name)
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(tp.__args__[1], f"{prefix}{f.name}.{k}.", v)
            elif dataclasses.is_dataclass(tp):
                walk(tp, f"{prefix}{f.name}.", value)
            else:
                for bound in (f.metadata.get("lo"), f.metadata.get("hi")):
                    if bound is not None and tp in (int, float):
                        out.append((f"{prefix}{f.name}", bound))

    walk(P.Parameters, "", load("stability-ai").params)
    return out


def test_every_accepted_value_at_the_ends_of_its_range_runs():
    """Whatever the validator accepts must run: each numeric parameter at its lower and upper
    bound (one at a time), one full run each. Values refused by cross-field rules are skipped."""
    from model import StartupModel
    bounds = _leaf_bounds()
    assert len(bounds) > 150
    crashes, ran = [], 0
    for path, value in bounds:
        try:
            p = load("stability-ai", [f"{path}={value}"]).params
        except ParameterError:
            continue                       # e.g. core_researchers above researchers
        try:
            StartupModel(p, seed=1).run()
            ran += 1
        except Exception as exc:           # noqa: BLE001 - any crash is the finding
            crashes.append(f"{path}={value}: {type(exc).__name__}: {exc}")
    assert ran > 200
    assert not crashes, "\n".join(crashes)
