"""The live dashboard in a real browser: start the Solara server on loopback, drive headless
Chromium with Playwright, step the model, move a slider, and check that the charts change."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "dashboard", "--port",
                             str(port), "--no-browser"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            raise AssertionError(f"dashboard server exited: {proc.stdout.read()}")
    else:
        proc.kill()
        raise AssertionError("dashboard server did not answer within 90 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _week(page, week: int) -> None:
    """Wait until the dashboard's event panel shows ``week`` (it heads with 'Week N (date)')."""
    page.get_by_text(f"Week {week} (").wait_for(timeout=30000)


def _shot(locator) -> bytes:
    """A screenshot of a chart; charts are replaced when they re-render, so try again if the
    element was swapped out while it was being captured."""
    from playwright.sync_api import Error
    for attempt in range(10):
        try:
            return locator.screenshot(timeout=10000)
        except Error:
            if attempt == 9:
                raise
            locator.page.wait_for_timeout(500)
    raise AssertionError("unreachable")


def _steps(page, start: int, n: int) -> None:
    step = page.get_by_role("button", name="STEP")
    for k in range(1, n + 1):
        step.click()
        _week(page, start + k)      # one click, one week (clicks are not queued blindly)
    page.wait_for_timeout(1500)     # let the charts re-render


def test_dashboard_steps_and_reacts_to_a_slider(server, tmp_path):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server, wait_until="networkidle", timeout=60000)
        page.get_by_role("button", name="STEP").wait_for(timeout=60000)
        for label in ("CEO spending aggressiveness", "CEO listening to investors",
                      "CEO promise propensity (per week)", "Who can remove the CEO"):
            assert page.get_by_text(label).count() >= 1, label
        cash = page.locator("img").first
        _week(page, 0)
        before = _shot(cash)
        _steps(page, 0, 15)
        after = _shot(cash)
        assert after != before                                   # the cash chart has data
        # Move the spending slider to its far left, reset: the model is rebuilt with it.
        slider = page.locator(".v-input", has_text="CEO spending aggressiveness").locator(
            ".v-slider").first
        box = slider.bounding_box()
        page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(500)
        page.get_by_role("button", name="RESET").click()
        _week(page, 0)
        _steps(page, 0, 15)
        frugal = _shot(cash)
        assert frugal != after                                   # another company, other cash
        out = ROOT / "results" / "dashboard"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / "screenshot.png"), full_page=True)
        page.screenshot(path=str(tmp_path / "screenshot.png"), full_page=True)
        browser.close()
    assert (tmp_path / "screenshot.png").stat().st_size > 50_000
