"""The calibrate command as a user runs it: bad input, a small calibration end to end, its
adopted values, and a sweep that draws its parameters from the posterior."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from conftest import cli

FREE = "trust.gain_rate,compute.max_growth"


def one_error_line(r):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    return lines[0]


@pytest.mark.parametrize("args,words", [
    (["--scenario", "nope"], "unknown scenario 'nope'"),
    (["--free", "trust.nothing"], "no prior for trust.nothing"),
    (["--population", "0"], "--population must be > 0"),
    (["--resume", "--force"], "not allowed with"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, words):
    out = tmp_path / "cal"
    line = one_error_line(cli("calibrate", "--out", out, "--no-progress", *args))
    assert words in line
    assert not out.exists()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("cal") / "c"
    r = cli("calibrate", "--out", out, "--free", FREE, "--population", 30,
            "--generations", 2, "--jobs", 2, "--seed", 5, "--no-progress", timeout=600)
    return r, out


def test_a_small_calibration_writes_its_posterior_report_and_check(small):
    r, out = small
    assert r.returncode == 0, r.stderr
    for name in ("state.json", "particles.parquet", "predictive.csv", "report.md"):
        assert (out / name).exists(), name
    particles = pq.read_table(out / "particles.parquet").to_pandas()
    assert len(particles) == 30
    assert set(FREE.split(",")) <= set(particles.columns)
    assert abs(particles["weight"].sum() - 1.0) < 1e-9
    assert "fit" in r.stdout and "check" in r.stdout       # fitted and held-back apart


def test_an_existing_calibration_needs_resume_or_force(small):
    _, out = small
    line = one_error_line(cli("calibrate", "--out", out, "--free", FREE, "--no-progress"))
    assert "resume" in line and "force" in line


def test_a_sweep_can_draw_its_parameters_from_the_posterior(small, tmp_path):
    _, cal = small
    out = tmp_path / "sweep"
    r = cli("sweep", "--replicates", 6, "--weeks", 20, "--posterior", cal, "--vary",
            "ceo.listening=0.2,0.8", "--jobs", 1, "--no-progress", "--out", out)
    assert r.returncode == 0, r.stderr
    runs = pq.read_table(out / "runs.parquet").to_pylist()
    particles = pq.read_table(cal / "particles.parquet").to_pandas()
    known = set(zip(particles["trust.gain_rate"], particles["compute.max_growth"]))
    for row in runs:       # every run's values are a posterior particle ...
        assert (row["trust.gain_rate"], row["compute.max_growth"]) in known
    by_rep = {}
    for row in runs:       # ... the same one for a replicate at every design point
        by_rep.setdefault(row["replicate"], set()).add(row["trust.gain_rate"])
    assert all(len(v) == 1 for v in by_rep.values())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["identity"]["draws_from"] == str(cal)
    bad = cli("sweep", "--replicates", 2, "--posterior", tmp_path, "--out", tmp_path / "x")
    assert "not a calibration folder" in one_error_line(bad)
    told = cli("sweep", "--replicates", 2, "--posterior", cal, "--set", "trust.gain_rate=0.01",
               "--out", tmp_path / "y")
    assert "--set trust.gain_rate: also drawn from the posterior" in one_error_line(told)
    assert not (tmp_path / "y").exists()


def test_a_posterior_sweep_grows_with_the_same_draws(small, tmp_path):
    """Replicate k runs with the k-th draw whatever the replicate count, so a posterior sweep
    grown from 4 to 6 replicates is the same bytes as a fresh one of 6."""
    from conftest import in_process
    _, cal = small
    args = ["sweep", "--weeks", 20, "--posterior", cal, "--vary", "ceo.listening=0.2,0.8",
            "--jobs", 1, "--no-progress"]
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    assert in_process(*args, "--replicates", 4, "--out", grown).returncode == 0
    r = in_process(*args, "--replicates", 6, "--resume", "--out", grown)
    assert r.returncode == 0, r.stderr
    assert in_process(*args, "--replicates", 6, "--out", fresh).returncode == 0
    for t in ("runs.parquet", "events.parquet"):
        assert (grown / t).read_bytes() == (fresh / t).read_bytes(), t
    draws = json.loads((grown / "manifest.json").read_text())["identity"]["draws"]
    assert len(draws) == 6
    other = in_process(*[a if a != 20 else 21 for a in args], "--replicates", 6, "--resume",
                       "--out", grown)
    assert other.returncode == 2 and "other parameters" in other.stderr


def test_validate_can_judge_the_facts_over_the_posterior(small, tmp_path):
    _, cal = small
    r = cli("validate", "--seeds", 8, "--posterior", cal, "--no-progress")
    assert r.returncode in (0, 1), r.stderr           # 1: some fact fails, as it may
    assert f"parameters drawn from the posterior in {cal}" in r.stdout.splitlines()[0]
    assert "fitted facts pass" in r.stdout.splitlines()[-1]
    bad = cli("validate", "--seeds", 2, "--posterior", tmp_path)
    assert "not a calibration folder" in one_error_line(bad)


def test_the_posterior_files_alone_are_enough_to_draw_from(small, tmp_path):
    import shutil
    from experiments.calibration.adopt import posterior_files
    from experiments.calibration.report import draw
    _, cal = small
    names = posterior_files(cal)
    assert names[0] == "state.json" and names[-1] == "particles.parquet"
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(cal / name, tmp_path / name)
    assert draw(tmp_path, 25, 7) == draw(cal, 25, 7)


def test_the_shipped_posterior_is_the_one_the_calibrated_values_come_from():
    """docs/calibration/stability-ai/posterior (shipped for --posterior from a fresh
    checkout) is the posterior the adopted values were taken from: its point estimate is
    exactly the scenario's calibrated values."""
    import tomllib
    from pathlib import Path
    from experiments.calibration.report import point_estimate
    root = Path(__file__).resolve().parents[1]
    shipped = point_estimate(root / "docs" / "calibration" / "stability-ai" / "posterior")
    adopted = tomllib.loads((root / "model" / "scenarios" / "stability-ai.calibrated.toml")
                            .read_text("utf-8"))
    assert shipped == {f"{s}.{k}": v for s, table in adopted.items() for k, v in table.items()}


def test_validate_over_the_posterior_keeps_what_the_user_set_and_refuses_other_folders(
        small, tmp_path):
    import shutil
    _, cal = small
    args = ("validate", "--seeds", 6, "--posterior", cal, "--no-progress")
    drawn = cli(*args).stdout
    told = cli(*args, "--set", "trust.gain_rate=0.05").stdout   # a drawn parameter, set
    assert told != drawn                                       # the value set is kept
    # a calibration of another scenario (not this one, nor a base of it) is refused
    other = tmp_path / "other"
    shutil.copytree(cal, other)
    state = json.loads((other / "state.json").read_text())
    state["settings"]["tag"]["scenario"] = "wework-2019"
    (other / "state.json").write_text(json.dumps(state))
    line = one_error_line(cli("validate", "--seeds", 2, "--posterior", other))
    assert "calibrates 'wework-2019'" in line and "stability-ai" in line
    # a file instead of a folder, and a generation that does not match the state
    assert "not a folder" in one_error_line(cli("validate", "--seeds", 2, "--posterior",
                                                cal / "state.json"))
    state["settings"]["tag"]["scenario"] = "stability-ai"
    state["settings"]["priors"][0]["path"] = "trust.asymmetry"   # not a column of the file
    (other / "state.json").write_text(json.dumps(state))
    line = one_error_line(cli("validate", "--seeds", 2, "--posterior", other))
    assert "does not match state.json" in line
