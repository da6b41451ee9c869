"""The live dashboard in a real browser: start the Solara server on loopback with a
counterfactual case, drive headless Chromium with Playwright, check what a student sees at
week 0 (sliders with the case's values and units, charts with data, no developer controls,
no raw column names or "1e8"), step the model, move a slider, and check that the charts
change. Plus the chart itself (dates, $M) and the command's bad input."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from conftest import ROOT, free_port
from model import load

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CASE = "disciplined-founder"        # its sliders differ from the baseline's
TAB_BLUE = np.array([0x1F, 0x77, 0xB4]) / 255      # the first line of every chart
DEVELOPER = ("Play Interval", "Render Interval", "Use Threads", "Step:", "Time:", "PAGE 0")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The dashboard of ``CASE`` (url, path of the server's output)."""
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "dashboard", "--port",
                                 str(port), "--case", CASE, "--no-browser"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(url, timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
            if proc.poll() is not None:
                raise AssertionError(f"dashboard server exited: {log.read_text()}")
        else:
            raise AssertionError("dashboard server did not answer within 90 s")
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _week(page, week: int) -> None:
    """Wait until the dashboard's status line shows ``week`` ('Week N of H (date)')."""
    page.get_by_text(f"Week {week} of ").wait_for(timeout=30000)


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


def _plotted(png: bytes) -> int:
    """Pixels of the first line's colour above the legend (the chart's bottom fifth)."""
    import matplotlib.image
    rgb = matplotlib.image.imread(io.BytesIO(png))[..., :3]
    top = rgb[: int(rgb.shape[0] * 0.8)]
    return int((np.abs(top - TAB_BLUE).max(axis=-1) < 0.1).sum())


def _steps(page, start: int, n: int) -> None:
    step = page.get_by_role("button", name="STEP")
    for k in range(1, n + 1):
        step.click()
        _week(page, start + k)      # one click, one week (clicks are not queued blindly)
    page.wait_for_timeout(1500)     # let the charts re-render


def test_dashboard_shows_the_case_steps_and_reacts_to_a_slider(server, tmp_path):
    from playwright.sync_api import sync_playwright
    url, log = server
    ceo = load(CASE).params.ceo
    out = ROOT / "results" / "dashboard"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url, wait_until="networkidle", timeout=60000)
        page.get_by_role("button", name="STEP").wait_for(timeout=60000)
        _week(page, 0)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "week0.png"), full_page=True)
        text = page.inner_text("body")
        assert CASE in text                                      # the case asked for
        # each slider shows its value, in its unit, read from the case
        assert f"CEO's listening to investors: {ceo.listening:.2f} on a 0-1 scale" in text
        assert f"CEO's spending aggressiveness: {ceo.spending:.2f} on a 0-1 scale" in text
        assert f"Founder's stake: {ceo.stake:.0%} of the equity" in text
        assert f"CEO's new promises: {ceo.promise_propensity:.0%} chance a week" in text
        assert "Who can remove the CEO" in text
        for raw in ("trust_investors", "1e8", "payables", *DEVELOPER):
            assert raw not in text, raw
        cash = page.locator("img").first
        before = _shot(cash)
        assert _plotted(before) > 10                     # week 0 already has a point
        _steps(page, 0, 15)
        after = _shot(cash)
        assert after != before and _plotted(after) > _plotted(before)   # the line grows
        # Move the spending slider to its far left, reset: the model is rebuilt with it.
        slider = page.locator(".v-slider").first
        box = slider.bounding_box()
        page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)
        page.keyboard.press("Home")                      # and to its minimum
        page.get_by_text("CEO's spending aggressiveness: 0.00 on a 0-1 scale").wait_for(
            timeout=10000)                               # the label follows the slider
        page.get_by_role("button", name="RESET").click()
        _week(page, 0)
        _steps(page, 0, 15)
        frugal = _shot(cash)
        assert frugal != after                                   # another company, other cash
        page.screenshot(path=str(out / "screenshot.png"), full_page=True)
        page.screenshot(path=str(tmp_path / "screenshot.png"), full_page=True)
        browser.close()
    assert (tmp_path / "screenshot.png").stat().st_size > 50_000
    served = log.read_text()
    assert "pip install" not in served and "New version" not in served   # no upgrade advice
    assert "Traceback" not in served


@pytest.mark.filterwarnings("ignore::UserWarning:solara.validate_hooks")   # Mesa 3.3's own hooks
def test_charts_are_dated_in_millions_from_week_0():
    from experiments.teaching.dashboard import CHARTS, DashboardModel, draw
    model = DashboardModel(seed=1)
    ax = draw(model, CHARTS[0]).axes[0]
    assert all(len(line.get_xdata()) == 1 for line in ax.lines)     # the state at week 0
    bottom, top = ax.get_ylim()
    assert bottom <= model.cash / 1e6 <= top and top < 1e4          # in $M, in view
    for _ in range(3):
        model.step()
    fig = draw(model, CHARTS[0])
    ax = fig.axes[0]
    dates = ax.lines[0].get_xdata()
    assert len(dates) == 4 and dates[0] == model.start
    assert all((b - a).days == 7 for a, b in zip(dates, dates[1:]))  # one point a week
    fig.canvas.draw()
    ticks = " ".join(t.get_text() for t in ax.get_xticklabels())
    assert str(model.start.year) in ticks or str(model.start.year + 1) in ticks
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0].startswith("cash: $") and labels[0].endswith("M")
    assert ax.get_xlabel() != "Step" and "1e" not in ax.yaxis.get_offset_text().get_text()


def test_dashboard_rejects_an_unknown_case(capsys):
    from experiments.cli import main
    assert main(["dashboard", "--case", "no-such-case"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown scenario 'no-such-case'") and "stability-ai" in err
    assert "\n" not in err
