"""No traceback for anything a user can do: an impossible or unwritable --out, a full disk, a
sweep directory removed while the sweep runs, a closed pipe. Each ends with one "error:" line
(a closed pipe: quietly), a non-zero exit status and nothing half-written. Also: progress on
the long commands.

A full disk and a read-only folder are faked (the tests run as any user, root included, on
any file system): the writer raises the OSError the system would.
"""

import errno
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import ROOT, in_process
from experiments.runs import progress
from experiments.runs import storage as storage_module
from experiments.runs import store as store_module

SWEEP = ["--replicates", 4, "--weeks", 20, "--seed", 3, "--jobs", 1, "--no-progress"]
OUT_COMMANDS = {
    "simulate": ["simulate", "--weeks", 5, "--quiet"],
    "story": ["story", "--weeks", 5],
    "sweep": ["sweep", *SWEEP],
    "calibrate": ["calibrate", "--free", "trust.gain_rate", "--population", 4,
                  "--generations", 1, "--jobs", 1, "--no-progress"],
}


def one_error_line(r, started: bool = False) -> str:
    """Exit status 2 and one line "error: ..." (after the line saying what started, for a
    failure part way)."""
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 + started and lines[-1].startswith("error:"), r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    return lines[-1]


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def no_temporary_files(root: Path) -> None:
    left = [p for p in root.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]
    assert not left, left


# --------------------------------------------------------------------------- --out

@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A small finished sweep for the commands that read one (compare, plot)."""
    out = tmp_path_factory.mktemp("swept") / "s"
    r = in_process("sweep", "--vary", "ceo.listening=0.2,0.8", "--replicates", 20, "--jobs", 1,
                   "--no-progress", "--out", out)
    assert r.returncode == 0, r.stderr
    return out


@pytest.mark.parametrize("command", [*OUT_COMMANDS, "compare", "plot"])
@pytest.mark.parametrize("where", ["below a file", "below /dev/null"])
def test_an_impossible_out_is_one_line_naming_it(command, where, tmp_path, request):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    out = tmp_path / "notes.txt" / "x" if where == "below a file" else Path("/dev/null/x")
    before = files(tmp_path)
    args = OUT_COMMANDS.get(command) or [command, request.getfixturevalue("swept"), "--by",
                                         "ceo.listening"]
    line = one_error_line(in_process(*args, "--out", out))
    assert f"--out {out}" in line
    assert files(tmp_path) == before


@pytest.mark.parametrize("command", ["simulate", "story", "sweep"])
def test_a_read_only_folder_is_one_line_naming_it(command, tmp_path, monkeypatch):
    """A folder this user may not write in (chmod 555; faked as well, for root)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    real = os.mkdir

    def mkdir(path, *a, **kw):
        if Path(path).parent == ro:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *a, **kw)

    monkeypatch.setattr(os, "mkdir", mkdir)
    try:
        line = one_error_line(in_process(*OUT_COMMANDS[command], "--out", ro / "x"))
    finally:
        ro.chmod(0o755)
    assert f"--out {ro / 'x'}" in line and "Permission denied" in line
    assert list(ro.iterdir()) == []


# --------------------------------------------------------------------------- a full disk

def enospc(path):
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def test_a_full_disk_stops_a_sweep_keeping_what_was_stored(tmp_path, monkeypatch):
    """The disk fills up in the second batch, after half of a part file is written: one line,
    no half-written file, the manifest counts what is stored, and --resume (disk freed)
    ends with the same bytes as a sweep that never stopped."""
    out, whole = tmp_path / "s", tmp_path / "whole"
    real, calls = pq.write_table, []

    def write_table(table, where, *a, **kw):
        calls.append(where)
        if len(calls) > 2:                  # the first batch's parts (runs, events) land
            Path(where).write_bytes(b"PAR1 half a file")
            raise enospc(where)
        return real(table, where, *a, **kw)

    monkeypatch.setattr(store_module.pq, "write_table", write_table)
    r = in_process("sweep", *SWEEP, "--chunk-size", 2, "--out", out)
    monkeypatch.undo()
    line = one_error_line(r, started=True)
    assert "No space left on device" in line and "--resume" in line
    no_temporary_files(out)
    m = store_module.read_manifest(out)
    assert (m["status"], m["runs_done"]) == ("interrupted", 2)
    assert not (out / "runs.parquet").exists()
    assert in_process("sweep", *SWEEP, "--chunk-size", 2, "--resume", "--out", out).returncode == 0
    assert in_process("sweep", *SWEEP, "--out", whole).returncode == 0
    for t in ("runs.parquet", "events.parquet"):
        assert (out / t).read_bytes() == (whole / t).read_bytes()


def test_a_full_disk_while_merging_keeps_the_parts(tmp_path, monkeypatch):
    out = tmp_path / "s"

    class FullWriter(pq.ParquetWriter):
        def write_table(self, table, *a, **kw):
            raise enospc("runs.parquet.tmp")

    monkeypatch.setattr(store_module.pq, "ParquetWriter", FullWriter)
    line = one_error_line(in_process("sweep", *SWEEP, "--out", out), started=True)
    monkeypatch.undo()
    assert "No space left on device" in line
    no_temporary_files(out)
    assert not (out / "runs.parquet").exists() and (out / "parts" / "runs").is_dir()
    assert store_module.read_manifest(out)["status"] == "interrupted"
    r = in_process("sweep", *SWEEP, "--resume", "--out", out)
    assert r.returncode == 0 and len(pq.read_table(out / "runs.parquet")) == 4


def test_a_full_disk_while_writing_a_run_leaves_no_folder(tmp_path, monkeypatch):
    """As on a real full disk, the error comes without a file name (when a buffer is
    flushed): the line still names --out."""
    def dump(obj, fh, **kw):
        fh.write('{"half": ')
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage_module.json, "dump", dump)
    line = one_error_line(in_process("simulate", "--weeks", 5, "--quiet", "--out",
                                     tmp_path / "run"))
    assert line == f"error: --out {tmp_path / 'run'}: cannot write there (No space left on device)"
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- removed folder

DELETING_MODEL = """
import os, shutil
from model import StartupModel

RUNS = [0]


class DeletingModel(StartupModel):
    '''Removes the sweep's folder (os.environ["DELETE_DIR"]) at its DELETE_AT-th run.'''
    def __init__(self, params, seed=None, **kw):
        RUNS[0] += 1
        if RUNS[0] == int(os.environ["DELETE_AT"]):
            # as `rm -rf` until it is gone: another worker may be writing a part into it
            # (and with two workers both reach this run)
            while os.path.exists(os.environ["DELETE_DIR"]):
                shutil.rmtree(os.environ["DELETE_DIR"], ignore_errors=True)
        super().__init__(params, seed=seed, **kw)
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_sweep_whose_folder_is_removed_stops_with_one_line(jobs, tmp_path):
    """Removed while the sweep runs (here by a model subclass, at a known run): the sweep
    stops at once with one line and does not make the folder again."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "deleting_model.py").write_text(DELETING_MODEL)
    out = tmp_path / "s"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "models"), str(ROOT)]),
               DELETE_DIR=str(out), DELETE_AT="5")
    r = subprocess.run([sys.executable, str(ROOT / "run.py"), "sweep", "--replicates", "40",
                        "--weeks", "10", "--jobs", str(jobs), "--chunk-size", "2", "--no-progress",
                        "--model", "deleting_model:DeletingModel", "--out", str(out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert "removed while the sweep ran" in one_error_line(r, started=True)
    assert not out.exists()


# --------------------------------------------------------------------------- closed pipe

class ClosedPipe(io.TextIOBase):
    """Standard output whose reader has gone (``| head``)."""

    def write(self, text):
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    def fileno(self):
        raise io.UnsupportedOperation("no file descriptor")


@pytest.mark.parametrize("args", [["params"], ["lessons"], ["scenarios"],
                                  ["simulate", "--weeks", 5]])
def test_a_closed_pipe_ends_the_command_quietly(args, tmp_path, monkeypatch, capsys):
    from experiments.cli import main
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    extra = ["--out", tmp_path / "run"] if args[0] == "simulate" else []
    code = main([str(a) for a in args + extra])
    assert code == 141
    assert capsys.readouterr().err == ""


def test_a_pipe_closed_early_is_quiet(tmp_path):
    """Through a real pipe: `simulate --all-events | head -n 1` (status 141 with pipefail)."""
    cmd = f"{sys.executable} {ROOT / 'run.py'} simulate --all-events --out {tmp_path / 'run'}"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", f"{cmd} | head -n 1"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.stdout.startswith("date") and r.stdout.count("\n") == 1
    assert r.returncode in (0, 141)          # 0: everything fitted in the pipe before head left
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr


# --------------------------------------------------------------------------- progress

def test_validate_shows_progress_and_no_progress_silences_it(monkeypatch):
    monkeypatch.setattr(progress, "EVERY", 0.0)      # a line at every run, not every 10 s
    r = in_process("validate", "--seeds", 5)
    lines = [s for s in r.stderr.splitlines() if s.startswith("validate:")]
    assert [s.split()[1] for s in lines] == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    assert "runs/s" in lines[-1] and "ETA" in lines[-1]
    assert "validate:" not in in_process("validate", "--seeds", 5, "--no-progress").stderr


def test_a_short_command_off_a_terminal_prints_no_progress():
    """Plain progress lines start after 10 s, so quick commands keep their logs clean."""
    r = in_process("validate", "--seeds", 3)
    assert "validate:" not in r.stderr


def test_progress_of_unknown_size_counts(monkeypatch):
    monkeypatch.setattr(progress, "EVERY", 0.0)
    stream = io.StringIO()
    bar = progress.Progress(None, stream=stream, label="docs")
    bar.update(3)
    assert stream.getvalue().startswith("docs: 3 runs, ")


# --------------------------------------------------------------------------- kill, timeout

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_sweep_stopped_by_kill_says_so_keeps_its_runs_and_leaves_no_worker(sig, tmp_path):
    """`kill PID` (or `timeout`, or closing the terminal) stops a sweep as Ctrl-C does: one
    line, exit status 128 + the signal, the manifest counts what is stored, no worker left."""
    out = tmp_path / "s"
    p = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "sweep", "--replicates", "3000",
                          "--weeks", "30", "--jobs", "2", "--chunk-size", "10", "--no-progress",
                          "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list((out / "parts" / "runs").glob("part-*.parquet")):
            assert p.poll() is None and time.monotonic() < deadline, p.communicate()
            time.sleep(0.01)
        p.send_signal(sig)                        # the process only, as `kill PID` does
        _, stderr = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 128 + sig, stderr
    lines = stderr.splitlines()
    assert lines[-1].startswith(f"error: stopped by {signal.Signals(sig).name}") and \
        "--resume" in lines[-1], stderr
    assert "Traceback" not in stderr and len(lines) == 2
    m = store_module.read_manifest(out)
    stored = sum(pq.read_metadata(f).num_rows for f in (out / "parts" / "runs").glob("*.parquet"))
    assert m["status"] == "interrupted" and m["runs_done"] == stored > 0
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-g", str(p.pid)], capture_output=True, text=True).stdout
    assert left.strip() == "", left                # no worker outlives the sweep
