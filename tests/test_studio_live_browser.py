"""The studio's Live panel in Chromium: ``dreamvideo live test --serve`` shows moving dreamed frames, a control
change reaches the server and the page echoes it, Stop and Start work.

Drives the real server (as ``test_studio_browser.py`` does) at 64 px, one octave, one step. A screenshot of the
panel goes to the test's tmp folder (and to ``$DREAMVIDEO_LIVE_SHOT`` when set).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.studio_server import StudioServer
from tests.test_studio_browser import ARGS, CHROMIUM

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (/usr/bin/chromium or $CHROMIUM)")
TINY = ("--size", "64x48", "--octaves", "1", "--steps", "1", "--frame-steps", "1", "--jitter", "4")


@pytest.fixture
def server(tmp_path: Path):
    folder = tmp_path / "studio"
    folder.mkdir()
    running = StudioServer(folder, *TINY, command=("live", "test", "--serve", "--folder", str(folder)))
    yield running
    code, err = running.stop()
    assert code == 0 and "Traceback" not in err, err


def view_shot(page) -> bytes:
    return page.locator("#live-view").screenshot()


def test_the_live_panel_shows_moving_dreams_and_takes_a_control_change(server, tmp_path):
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server.url)
        page.wait_for_selector("#live[open] #live-view[src]", timeout=30_000)  # running: unfolded, streaming
        page.wait_for_function("document.querySelector('#live-view').naturalWidth === 64", timeout=30_000)
        first = view_shot(page)
        time.sleep(1.0)
        assert view_shot(page) != first  # the stream moves

        page.select_option("#live-layers", "block5")
        page.fill("#live-step_size", "0.15")
        page.dispatch_event("#live-step_size", "change")
        with server.client() as client:
            deadline = time.monotonic() + 20
            while client.get("/api/live").json()["controls"]["step_size"] != 0.15 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert client.get("/api/live").json()["controls"] | {"octaves": 0} == {
                "layers": "block5", "step_size": 0.15, "octaves": 0, "pull": 0.8, "dive_zoom": 1.0}
        page.wait_for_function("document.querySelector('#live-step_size-value').textContent === '0.15'")
        page.wait_for_function("document.querySelector('#live-stats').textContent.startsWith('test: shown')")
        changed = view_shot(page)
        time.sleep(1.0)
        assert view_shot(page) != changed  # still dreaming, with the new layer
        page.screenshot(path=str(tmp_path / "live.png"), full_page=True)
        page.locator("#live").screenshot(path=str(tmp_path / "live-panel.png"))
        if os.environ.get("DREAMVIDEO_LIVE_SHOT"):
            shutil.copy(tmp_path / "live-panel.png", os.environ["DREAMVIDEO_LIVE_SHOT"])

        page.click("#live-stop")
        page.wait_for_function("() => { const view = document.querySelector('#live-view');"
                               " return view.hidden && !view.hasAttribute('src'); }")  # no broken picture stopped
        assert page.is_visible("#live-idle") and page.get_attribute("#live", "open") is not None  # still unfolded
        assert page.is_disabled("#live-stop") and page.inner_text("#live-stats").startswith("stopped")
        page.click("#live-start")
        page.wait_for_selector("#live-view[src]", timeout=30_000)
        assert page.input_value("#live-layers") == "block5"  # a change made before holds for the next session
        browser.close()
    assert errors == []
