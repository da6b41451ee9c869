"""The classroom in a real browser: headless Chromium (Debian's, through Playwright) drives a
teacher and three students at once through joining, several board meetings, a pause, a
double click, a reload mid-game, a server restart (every game resumes exactly), the end of a
game, the debriefs and the class debrief. Screenshots go to results/classroom/screenshots/."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

from conftest import ROOT, assert_port_free, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "results" / "classroom" / "screenshots"
WAIT = 20000     # ms


class Server:
    """``run.py classroom`` as a subprocess; the codes read from what it prints."""

    def __init__(self, db, port: int, new: bool) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "classroom", "--host", "127.0.0.1", "--port",
             str(port), "--db", str(db), "--reference-runs", "20",
             *(["--new"] if new else [])], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.url = f"http://127.0.0.1:{port}"
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stdout], daemon=True).start()
        self.out = []
        deadline = time.monotonic() + 60
        while not any(x.startswith("teacher page") for x in self.out):
            assert time.monotonic() < deadline and self.proc.poll() is None, self.out
            try:
                self.out.append(lines.get(timeout=1))
            except queue.Empty:
                pass
        self.join_code = next(x for x in self.out if "join code" in x).split()[-1]
        self.teacher_code = next(x for x in self.out if "teacher code" in x).split()[-1]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _state(page) -> dict:
    """The student's game as the server gives it to the student's own page."""
    return page.evaluate("""async () => {
        const r = await fetch('/api/state', {headers: {'X-Token': localStorage.getItem('classroom-token')}});
        return await r.json(); }""")


def _meeting(page, month: int) -> None:
    page.wait_for_function(f"document.getElementById('title').textContent.startsWith('Board meeting {month} ')",
                           timeout=WAIT)


def _decide(page, month: int, choices: dict | None = None) -> None:
    _meeting(page, month)
    for key, value in (choices or {}).items():
        page.check(f'input[name="{key}"][value="{value}"]')
    page.click("#decide")
    page.wait_for_function(f"!document.getElementById('title').textContent.startsWith('Board meeting {month} ')"
                           f" || !document.getElementById('overcard').classList.contains('hidden')",
                           timeout=WAIT)


def test_a_class_plays_in_the_browser_and_resumes_after_a_restart(tmp_path):
    from playwright.sync_api import sync_playwright
    SHOTS.mkdir(parents=True, exist_ok=True)
    db, port = tmp_path / "class.sqlite", free_port()
    server = Server(db, port, new=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            teacher = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
            teacher.on("dialog", lambda d: d.accept())
            teacher.goto(f"{server.url}/teacher?t={server.teacher_code}")
            teacher.wait_for_function(f"document.getElementById('joincode').textContent === "
                                      f"'{server.join_code}'", timeout=WAIT)
            students = {}
            for name in ("Ana", "Bo", "Chen"):
                page = browser.new_context(viewport={"width": 1200, "height": 1000}).new_page()
                page.goto(f"{server.url}/?code={server.join_code}")
                page.fill("#name", name)
                page.click("#joinbtn")
                _meeting(page, 1)
                students[name] = page
            ana, bo, chen = students.values()
            teacher.wait_for_function("document.getElementById('count').textContent"
                                      ".startsWith('3 students joined')", timeout=WAIT)

            # Ana double-clicks "Decide": one month, not two
            ana.check('input[name="compute"][value="cut"]')
            ana.dblclick("#decide")
            _meeting(ana, 2)
            ana.wait_for_timeout(500)
            assert _state(ana)["month"] == 2
            _decide(bo, 1, {"promise": "grand", "books": "rosy"})
            _decide(chen, 1, {"raise": "small", "audit": "refuse"})
            # Bo reloads mid-game: the same board meeting comes back
            bo.reload()
            _meeting(bo, 2)
            assert _state(bo)["month"] == 2
            # the teacher pauses: Bo's page says so and will not decide
            teacher.click("#pause")
            bo.wait_for_selector("#banner:not(.hidden)", timeout=WAIT)
            assert "paused" in bo.inner_text("#banner") and bo.is_disabled("#decide")
            teacher.click("#pause")
            bo.wait_for_selector("#banner.hidden", state="attached", timeout=WAIT)
            bo.wait_for_function("!document.getElementById('decide').disabled", timeout=WAIT)
            _decide(bo, 2, {"layoff": "10"})
            _decide(chen, 2, {"raise": "small"})            # a round is open: explained
            _meeting(chen, 3)
            assert "still open" in chen.inner_text("#notes")
            _decide(ana, 2, {"assets": "sell"})
            _meeting(ana, 3)
            ana.screenshot(path=str(SHOTS / "student_page.png"), full_page=True)
            teacher.wait_for_function(      # the teacher's page follows (it polls)
                "[...document.querySelectorAll('#students tr td:nth-child(2)')]"
                ".map(td => td.textContent).join() === '3,3,3'", timeout=WAIT)
            teacher.screenshot(path=str(SHOTS / "teacher_page.png"), full_page=True)

            # restart the server: every game resumes exactly
            before = {n: _state(pg) for n, pg in students.items()}
            join_code = server.join_code
            server.stop()
            assert_port_free(port)
            server = Server(db, port, new=False)
            assert server.join_code == join_code
            assert server.out[0].startswith(f"resumed session {join_code}")
            for name, page in students.items():
                page.reload()
                _meeting(page, before[name]["month"])
                assert _state(page) == before[name], name
            teacher.reload()
            teacher.wait_for_function("document.getElementById('count').textContent"
                                      ".startsWith('3 students joined')", timeout=WAIT)

            # Ana plays on, resigns (her game ends) and reads her debrief
            for month in (3, 4):
                _decide(ana, month)
            _decide(ana, 5, {"stay": "resign"})
            ana.wait_for_selector("#overcard:not(.hidden)", timeout=WAIT)
            ana.click("#todebrief")
            ana.wait_for_selector("#kmchart svg", timeout=WAIT)
            assert ana.inner_text("#verdict").startswith("You were out in week 20 (resigned)")
            assert ana.locator("#decisions tr").count() >= 6
            ana.screenshot(path=str(SHOTS / "student_debrief.png"), full_page=True)

            # the teacher sends everyone to the debrief
            _decide(chen, 3)
            teacher.click("#todebrief")
            for page in (bo, chen):
                page.wait_for_selector("#kmchart svg", timeout=WAIT)
                assert "still in office" in page.inner_text("#verdict")
            teacher.click("#showdebrief")
            teacher.wait_for_selector("#kmchart svg", timeout=WAIT)
            assert teacher.locator("#outcomes tr").count() == 4
            assert "the class (3)" in teacher.inner_text("#kmchart")
            teacher.screenshot(path=str(SHOTS / "class_debrief.png"), full_page=True)
            csv_text = teacher.evaluate("""async (t) => (await (await fetch(
                '/api/teacher/decisions.csv?t=' + t)).text())""", server.teacher_code)
            rows = csv_text.strip().splitlines()[1:]
            assert sorted((r.split(",")[1], int(r.split(",")[3])) for r in rows) == sorted(
                [("Ana", k) for k in range(1, 6)] + [("Bo", 1), ("Bo", 2)]
                + [("Chen", k) for k in range(1, 4)])
            browser.close()
    finally:
        server.stop()
    for name in ("student_page", "teacher_page", "student_debrief", "class_debrief"):
        assert (SHOTS / f"{name}.png").stat().st_size > 30_000
