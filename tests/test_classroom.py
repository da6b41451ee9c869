"""The classroom server over HTTP: joining, playing, the teacher's controls, misuse (wrong
codes, duplicate names, double submits, malformed requests, another student's game, the
teacher's page without the code), storage and exact resume after a restart, and the server
stopping with its process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import ROOT, answers, assert_port_free, cli, free_port
from experiments.teaching.classroom.server import make_server
from experiments.teaching.classroom.session import Classroom
from experiments.teaching.classroom.store import Store
from experiments.teaching.debrief import reference_key

SETS = ["run.weeks=24"]          # short games: five board meetings


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, body=None, raw: bytes | None = None, **headers):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                payload = r.read()
                status, ctype = r.status, r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            payload, status, ctype = e.read(), e.code, e.headers.get("Content-Type", "")
        return status, (json.loads(payload) if "json" in ctype else payload)


@pytest.fixture
def room(tmp_path):
    """A classroom served in this process on a free loopback port; always shut down."""
    servers = []

    def start(new=True, **kw):
        store = Store(tmp_path / "class.sqlite")
        classroom, _ = Classroom.open(store, "stability-ai", SETS, 7, kw.get("own_seeds", False),
                                      new=new, reference_runs=12)
        server = make_server(classroom, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        servers.append((server, store))
        return classroom, Client(f"http://127.0.0.1:{server.server_address[1]}")

    def stop():
        server, store = servers.pop()
        server.shutdown()
        server.server_close()
        store.close()

    start.stop = stop
    yield start
    while servers:
        stop()


def _join(client, classroom, name, **extra):
    status, data = client.call("POST", "/api/join", {"name": name, "code": classroom.join_code,
                                                     **extra})
    assert status == 200, data
    return data["token"]


def test_students_join_play_and_resume_exactly_after_a_restart(room):
    classroom, c = room()
    tokens = {n: _join(c, classroom, n) for n in ("Ana", "Bo", "Chen")}
    plans = {"Ana": [{"compute": "cut"}, {"raise": "small"}, {}],
             "Bo": [{"promise": "grand", "books": "rosy"}, {"layoff": "20"}],
             "Chen": [{"assets": "sell", "audit": "refuse"}]}
    for name, months in plans.items():
        for k, answers in enumerate(months, start=1):
            status, data = c.call("POST", "/api/decide", {"month": k, "answers": answers},
                                  **{"X-Token": tokens[name]})
            assert status == 200 and data["accepted"], data
    before = {n: c.call("GET", "/api/state", **{"X-Token": t})[1] for n, t in tokens.items()}
    assert [before[n]["month"] for n in plans] == [4, 3, 2]
    room.stop()
    classroom2, c2 = room(new=False)                 # same database: the session resumes
    assert classroom2.join_code == classroom.join_code
    after = {n: c2.call("GET", "/api/state", **{"X-Token": t})[1] for n, t in tokens.items()}
    assert after == before
    # and the games go on from there, as they would have without the restart
    status, data = c2.call("POST", "/api/decide", {"month": 2, "answers": {}},
                           **{"X-Token": tokens["Chen"]})
    assert status == 200 and data["accepted"] and data["state"]["month"] == 3


def test_join_misuse_is_refused_with_a_reason(room):
    classroom, c = room()
    token = _join(c, classroom, "Ana Lima")
    cases = [({"name": "Bo", "code": "ZZZZ"}, 403, "wrong join code"),
             ({"name": "  ana   lima ", "code": classroom.join_code}, 409, "is taken"),
             ({"name": "ana lima", "code": classroom.join_code, "resume": "NOPE00"}, 403,
              "wrong resume code"),
             ({"name": "", "code": classroom.join_code}, 400, "a name is 1 to 40"),
             ({"name": "x" * 41, "code": classroom.join_code}, 400, "a name is 1 to 40"),
             ({"name": 5, "code": classroom.join_code}, 400, "send your name"),
             ({}, 400, "send your name")]
    for body, status, text in cases:
        got, data = c.call("POST", "/api/join", body)
        assert (got, text in data["error"]) == (status, True), (body, data)
    # the same student on another device: name + resume code gives the same game
    got, data = c.call("POST", "/api/join", {"name": "ANA LIMA", "code": classroom.join_code.lower(),
                                             "resume": token.lower()})
    assert got == 200 and data["token"] == token and data["rejoined"]
    assert len(classroom.students) == 1


def test_malformed_requests_get_a_clear_error_and_the_server_goes_on(room):
    classroom, c = room()
    token = _join(c, classroom, "Ana")
    auth = {"X-Token": token}
    cases = [("POST", "/api/decide", b"{not json", 400, "must be JSON"),
             ("POST", "/api/decide", b"[1, 2]", 400, "JSON object"),
             ("POST", "/api/decide", json.dumps({"answers": {}}).encode(), 400, "month number"),
             ("POST", "/api/decide", json.dumps({"month": "1", "answers": {}}).encode(), 400,
              "month number"),
             ("POST", "/api/decide", json.dumps({"month": 1, "answers": []}).encode(), 400,
              "object of question"),
             ("POST", "/api/decide", json.dumps({"month": 1, "answers": {"compute": "more"}}
                                                ).encode(), 400, "compute: 'more' is not a valid answer"),
             ("POST", "/api/decide", json.dumps({"month": 9, "answers": {}}).encode(), 409,
              "not open yet"),
             ("POST", "/api/decide", b"x" * 70_000, 413, "too large"),
             ("GET", "/api/nothing", None, 404, "no such page"),
             ("POST", "/api/state", b"{}", 405, "no such page"),
             ("GET", "/api/debrief", None, 409, "still running")]
    for method, path, raw, status, text in cases:
        got, data = c.call(method, path, raw=raw, **auth)
        assert got == status and text in data["error"], (path, raw and raw[:40], data)
    got, data = c.call("GET", "/api/state", **auth)
    assert got == 200 and data["month"] == 1 and not classroom.games[1].log


def test_a_double_submit_counts_once_even_when_simultaneous(room, tmp_path):
    classroom, c = room()
    token = _join(c, classroom, "Ana")
    results = []

    def submit():
        results.append(c.call("POST", "/api/decide", {"month": 1, "answers": {"compute": "cut"}},
                              **{"X-Token": token}))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [d for s, d in results if s == 200 and d["accepted"]]
    refused = [d for s, d in results if s == 200 and not d["accepted"]]
    assert len(accepted) == 1 and len(refused) == 3
    assert all("already decided" in d["message"] for d in refused)
    assert all(d["state"]["month"] == 2 for d in accepted + refused)
    rows = classroom.store.session_decisions(classroom.sid)
    assert [(r["name"], r["month"]) for r in rows] == [("Ana", 1)]
    assert classroom.games[1].model.events.count("compute_cut") == 1


def test_students_cannot_reach_other_games_or_the_teacher_page(room):
    classroom, c = room()
    a, b = _join(c, classroom, "Ana"), _join(c, classroom, "Bo")
    assert c.call("GET", "/api/state", **{"X-Token": a})[1]["name"] == "Ana"
    assert c.call("GET", "/api/state", **{"X-Token": b})[1]["name"] == "Bo"
    for headers in ({}, {"X-Token": "NOSUCH"}):
        status, data = c.call("GET", "/api/state", **headers)
        assert status == 403 and "unknown student" in data["error"]
    for path in ("/api/teacher/overview", "/api/teacher/decisions.csv",
                 "/api/teacher/class-debrief", "/api/teacher/figure/survival.png"):
        for headers in ({}, {"X-Token": a}, {"X-Teacher": a}, {"X-Teacher": classroom.join_code}):
            status, data = c.call("GET", path, **headers)
            assert status == 403 and data["error"] == "wrong teacher code", (path, headers)
    status, _ = c.call("POST", "/api/teacher/debrief", {}, **{"X-Token": a})
    assert status == 403 and not classroom.debrief_all
    status, data = c.call("GET", "/api/state", **{"X-Token": a})
    assert "teacher_code" not in json.dumps(data) and classroom.teacher_code not in json.dumps(data)


def test_the_teacher_pauses_ends_and_exports(room):
    classroom, c = room(own_seeds=True)
    t = {"X-Teacher": classroom.teacher_code}
    tokens = [_join(c, classroom, n) for n in ("Ana", "Bo", "Chen")]
    assert len({classroom.students[k]["seed"] for k in classroom.students}) == 3
    status, data = c.call("POST", "/api/teacher/pause", {"paused": True}, **t)
    assert status == 200 and data["paused"]
    assert c.call("GET", "/api/state", **{"X-Token": tokens[0]})[1]["status"] == "paused"
    status, data = c.call("POST", "/api/decide", {"month": 1, "answers": {}},
                          **{"X-Token": tokens[0]})
    assert status == 409 and "paused" in data["error"]
    assert c.call("POST", "/api/teacher/pause", {"paused": "no"}, **t)[0] == 400
    c.call("POST", "/api/teacher/pause", {"paused": False}, **t)
    for k, token in enumerate(tokens):
        for month in range(1, k + 2):
            answers = {"layoff": "10"} if k == 0 else {"compute": "grow", "promise": "grand"}
            assert c.call("POST", "/api/decide", {"month": month, "answers": answers},
                          **{"X-Token": token})[1]["accepted"]
    overview = c.call("GET", "/api/teacher/overview", **t)[1]
    assert [s["month"] for s in overview["students"]] == [2, 3, 4]
    status, data = c.call("POST", "/api/teacher/debrief", {}, **t)
    assert status == 200 and data["debrief"] and all(s["over"] for s in data["students"])
    state = c.call("GET", "/api/state", **{"X-Token": tokens[1]})[1]
    assert state["status"] == "debrief"
    status, data = c.call("POST", "/api/decide", {"month": 3, "answers": {}},
                          **{"X-Token": tokens[1]})
    assert status == 409 and "over" in data["error"]
    status, d = c.call("GET", "/api/debrief", **{"X-Token": tokens[2]})
    assert status == 200 and d["name"] == "Chen" and d["outcome"]["tenure_weeks"] == 16
    assert d["reference"]["n"] == 12 and d["reference"]["survival"][0] == 1.0
    assert len([r for r in d["decisions"] if r["answers"]]) == 3
    status, cd = c.call("GET", "/api/teacher/class-debrief", **t)
    assert status == 200 and {"class", "stability-ai", "disciplined-founder",
                              "board-control"} <= set(cd["curves"])
    assert cd["curves"]["class"]["n"] == 3
    kept = classroom.store.get_reference(reference_key(classroom.scenario, 12))   # for a restart
    assert kept["n"] == 12 and kept["survival"] == cd["curves"]["stability-ai"]["survival"]
    status, csv_bytes = c.call("GET", "/api/teacher/decisions.csv", **t)
    lines = csv_bytes.decode().strip().splitlines()
    assert status == 200 and lines[0].startswith("session,student,seed,month,week,decided,compute")
    assert len(lines) == 1 + 1 + 2 + 3
    for name in ("survival", "decisions"):
        status, png = c.call("GET", f"/api/teacher/figure/{name}.png?t={classroom.teacher_code}")
        assert status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    # a student joining after the debrief sees the debrief, not a game
    late = _join(c, classroom, "Dee")
    assert c.call("GET", "/api/state", **{"X-Token": late})[1]["status"] == "debrief"


def test_several_sessions_live_in_one_database(room):
    first, c1 = room()
    _join(c1, first, "Ana")
    room.stop()
    second, c2 = room(new=True)
    assert second.join_code != first.join_code and not second.students
    status, data = c2.call("POST", "/api/join", {"name": "Bo", "code": first.join_code})
    assert status == 403 and "wrong join code" in data["error"]
    room.stop()
    store = Store(first.store.path)
    again = Classroom.open(store, "stability-ai", SETS, 7, False, join_code=first.join_code,
                           reference_runs=12)[0]
    assert [s["name"] for s in again.students.values()] == ["Ana"]
    store.close()


def test_bad_command_line_is_one_error_line(tmp_path):
    db = tmp_path / "x.sqlite"
    for args, text in ((["--case", "nope"], "unknown scenario 'nope'"),
                       (["--set", "ceo.listening=3"], "ceo.listening"),
                       (["--session", "QQQQ", "--db", db], "no session with join code QQQQ")):
        r = cli("classroom", "--port", "1", *args, timeout=60)
        assert r.returncode == 2 and r.stderr.startswith("error:") and text in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_the_classroom_server_stops_with_its_process(tmp_path, sig):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "classroom", "--host",
                             "127.0.0.1", "--port", str(port), "--db", str(tmp_path / "c.sqlite"),
                             "--reference-runs", "5"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while not answers(url):
            assert proc.poll() is None and time.monotonic() < deadline, "no classroom server"
            time.sleep(0.2)
        proc.send_signal(sig)
        assert proc.wait(timeout=30) in (0, -signal.SIGKILL)
        assert not answers(url)
        assert_port_free(port)
    finally:
        proc.kill()
        proc.wait()


def test_thirty_students_at_once_on_loopback(capsys):
    # A bounded load test: 30 clients with no think time join, play three board meetings,
    # open their debriefs; the teacher polls and exports. Times are printed, not checked.
    from experiments.teaching.classroom.load import report, run
    r = run(students=30, months=3, reference_runs=10)
    with capsys.disabled():
        print("\n" + "\n".join(report(r)))
    assert r.errors == []
    assert r.decisions == 30 * 3
    assert len(r.class_debrief["students"]) == 30 and r.class_debrief["curves"]["class"]["n"] == 30
    counts = {t.what: t.n for t in r.timings}
    assert counts["join"] == 30 and counts["decide"] == 90 and counts["debrief"] == 30
