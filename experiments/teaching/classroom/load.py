"""A bounded load test of the classroom on loopback: N simulated students (HTTP clients in
threads, no think time) join, play up to M months and open their debriefs while the teacher
watches; every request is timed.

    python run.py bench --classroom [--students 30] [--months 26]

The server is ``run.py classroom`` in a child process (as in class; it stops with this
process). Each student answers from the menu the server sends: its usual answer with
probability 0.6, else another answer drawn from its own seeded generator (never "resign"),
so the class's games differ. Figures are wall-clock times on this machine: they are
reported, not checked.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import numpy as np

from experiments.teaching.launch import start_child, stop

ROOT = Path(__file__).resolve().parents[3]


class Timing(NamedTuple):
    what: str
    n: int
    median_ms: float
    p90_ms: float
    max_ms: float


class LoadResult(NamedTuple):
    students: int
    months: int
    think: float             # mean seconds between a student's decisions
    decisions: int           # stored by the server (from its CSV export)
    errors: list[str]        # requests that failed (status and message)
    timings: list[Timing]
    wall_s: float            # the whole test, joining to the last debrief
    class_debrief: dict


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Client:
    """One browser-like client: keeps its token, times every request."""

    def __init__(self, base: str, times: dict, errors: list, lock: threading.Lock) -> None:
        self.base, self.times, self.errors, self.lock = base, times, errors, lock
        self.headers: dict[str, str] = {}

    def call(self, what: str, method: str, path: str, body=None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **self.headers})
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                payload, status, ctype = r.read(), r.status, r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            payload, status, ctype = e.read(), e.code, e.headers.get("Content-Type", "")
        except OSError as e:
            payload, status, ctype = str(e).encode(), 0, ""
        dt = time.perf_counter() - t0
        with self.lock:
            self.times[what].append(dt)
            if status != 200:
                self.errors.append(f"{what}: {status} {payload[:200]!r}")
        return json.loads(payload) if "json" in ctype else payload


def _student(c: _Client, name: str, join_code: str, months: int, seed: int,
             started: threading.Barrier, think: float) -> None:
    rng = np.random.default_rng(seed)
    started.wait()
    c.call("page", "GET", "/")
    c.call("page", "GET", "/static/charts.js")
    joined = c.call("join", "POST", "/api/join", {"name": name, "code": join_code})
    if not isinstance(joined, dict) or "token" not in joined:
        return
    c.headers["X-Token"] = joined["token"]
    state = c.call("state", "GET", "/api/state")
    while isinstance(state, dict) and state.get("status") == "playing" and state["month"] <= months:
        if think:
            time.sleep(float(rng.uniform(0, 2 * think)))
        answers = {}
        for q in state["menu"]:
            options = [a for a, _ in q["choices"] if a not in (q["default"], "resign")]
            if options and rng.random() >= 0.6:
                answers[q["key"]] = options[int(rng.integers(len(options)))]
        reply = c.call("decide", "POST", "/api/decide", {"month": state["month"],
                                                         "answers": answers})
        state = reply.get("state") if isinstance(reply, dict) else None
        c.call("state", "GET", "/api/state")          # the page's poll


def run(students: int = 30, months: int = 26, reference_runs: int = 200, seed: int = 1,
        figures: Path | None = None, think: float = 0.0) -> LoadResult:
    """Run the load test; each student waits a uniform 0 to 2 x ``think`` seconds before
    each decision (0: none, the worst case); ``figures`` (a folder) receives the class
    debrief's PNGs."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, str(ROOT / "run.py"), "classroom", "--host", "127.0.0.1",
               "--port", str(port), "--db", str(Path(tmp) / "load.sqlite"), "--new",
               "--own-seeds", "--seed", str(seed), "--reference-runs", str(reference_runs)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
        proc = start_child(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        try:
            lines: queue.Queue = queue.Queue()
            threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout],
                             daemon=True).start()
            out: list[str] = []
            deadline = time.monotonic() + 120
            while not any(x.startswith("teacher page") for x in out):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the classroom server did not start: " + "".join(out))
                try:
                    out.append(lines.get(timeout=1))
                except queue.Empty:
                    pass
            join_code = next(x for x in out if "join code" in x).split()[-1]
            teacher_code = next(x for x in out if "teacher code" in x).split()[-1]
            base = f"http://127.0.0.1:{port}"
            times: dict[str, list[float]] = defaultdict(list)
            errors: list[str] = []
            lock = threading.Lock()
            teacher = _Client(base, times, errors, lock)
            teacher.headers["X-Teacher"] = teacher_code
            barrier = threading.Barrier(students + 1)
            clients = [_Client(base, times, errors, lock) for _ in range(students)]
            threads = [threading.Thread(target=_student, args=(c, f"student {k + 1}", join_code,
                                                               months, seed * 1000 + k, barrier,
                                                               think))
                       for k, c in enumerate(clients)]
            for t in threads:
                t.start()
            barrier.wait()
            t0 = time.perf_counter()
            while any(t.is_alive() for t in threads):
                teacher.call("teacher overview", "GET", "/api/teacher/overview")
                time.sleep(1.0)                         # the teacher page polls
            teacher.call("everyone to the debrief", "POST", "/api/teacher/debrief", {})
            debriefs = [threading.Thread(target=c.call, args=("debrief", "GET", "/api/debrief"))
                        for c in clients if "X-Token" in c.headers]
            for t in debriefs:
                t.start()
            for t in debriefs:
                t.join()
            class_debrief = teacher.call("class debrief", "GET", "/api/teacher/class-debrief")
            csv_text = teacher.call("csv export", "GET", "/api/teacher/decisions.csv")
            pngs = {name: teacher.call("png figure", "GET", f"/api/teacher/figure/{name}.png")
                    for name in ("survival", "decisions")}
            wall = time.perf_counter() - t0
        finally:
            stop(proc)
    if figures is not None:
        figures.mkdir(parents=True, exist_ok=True)
        for name, png in pngs.items():
            if isinstance(png, bytes):
                (figures / f"class_{name}.png").write_bytes(png)
    decisions = max(0, len(csv_text.decode().strip().splitlines()) - 1) \
        if isinstance(csv_text, bytes) else 0
    order = ["page", "join", "state", "decide", "debrief", "teacher overview",
             "everyone to the debrief", "class debrief", "csv export", "png figure"]
    timings = [Timing(w, len(times[w]), 1e3 * float(np.median(times[w])),
                      1e3 * float(np.percentile(times[w], 90)), 1e3 * max(times[w]))
               for w in order if times.get(w)]
    return LoadResult(students, months, think, decisions, errors, timings, wall,
                      class_debrief if isinstance(class_debrief, dict) else {})


def report(r: LoadResult) -> list[str]:
    lines = [f"classroom load test on loopback: {r.students} students, up to {r.months} months "
             f"each, " + (f"{r.think:g} s mean think time" if r.think else "no think time")
             + f"; {r.decisions} decisions stored, {len(r.errors)} failed "
             f"requests, {r.wall_s:.1f} s from joining to the class debrief",
             f"{'request':<24}{'n':>6}{'median ms':>11}{'p90 ms':>9}{'max ms':>9}"]
    lines += [f"{t.what:<24}{t.n:>6}{t.median_ms:>11.1f}{t.p90_ms:>9.1f}{t.max_ms:>9.1f}"
              for t in r.timings]
    lines += [f"failed: {e}" for e in r.errors[:5]]
    return lines
