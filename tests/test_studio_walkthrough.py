"""A newcomer's first visit, end to end, in Chromium at 1366x768 (issue 29's walk): drop a photo, dream the layer
atlas and pick a layer, dream a variation grid and take a cell, keyframe the zoom, motion preview, render and watch
it, restart the server and carry on in the same tab, download, compare, delete and restore.

Everything is tiny (64 px, one octave, one step; the atlas and the grid at 64 px). Screenshots of each view go
to the test's tmp folder and to ``$DREAMVIDEO_STUDIO_SHOTS`` (``/tmp/studio_shots``) to look at.
"""

from __future__ import annotations

import os
import json
import re
from pathlib import Path

import pytest

from tests.conftest import IMAGES
from tests.studio_server import StudioServer
from tests.test_studio_browser import CHROMIUM, drop_file, fill_tiny, open_page, plays, studio  # noqa: F401

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (/usr/bin/chromium or $CHROMIUM)")
SHOTS = Path(os.environ.get("DREAMVIDEO_STUDIO_SHOTS", "/tmp/studio_shots"))
STEPS = {"f-steps": "1"}


def view_shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)  # smooth scrolling settles
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.screenshot(path=str(page.folder.parent / f"{name}.png"))


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and \
        box["x"] + box["width"] <= size["width"]


def atlas_picks_a_layer(page) -> None:
    page.click("#atlas-panel summary")
    page.click("#atlas-button")
    page.wait_for_selector(".atlas-cell img", timeout=120_000)
    cell = page.locator(".atlas-cell").nth(1)
    layer = cell.get_attribute("data-layer")
    cell.click()
    assert page.input_value("#f-layers") == layer and "layers of" in page.inner_text("#atlas-note")
    view_shot(page, "atlas")
    page.click("#atlas-panel summary")


def grid_cell_fills_the_form(page) -> None:
    page.click("#grid-panel summary")
    page.select_option("#grid-x-field", "steps")
    page.fill("#grid-x-values", "1, 2")
    page.select_option("#grid-y-field", "step_size")
    page.fill("#grid-y-values", "0.02, 5")  # a step size out of bounds: one plain line, no sheet, button free
    page.click("#grid-button")
    page.wait_for_function("() => document.getElementById('grid-error').textContent.includes('step size 5')")
    assert page.inner_text("#grid-note") == "" and page.is_enabled("#grid-button")
    page.fill("#grid-y-values", "0.02, 0.08")
    page.click("#grid-button")
    page.wait_for_function("() => document.querySelectorAll('.grid-cell img').length === 4", timeout=120_000)
    assert page.inner_text("#grid-error") == "" and "4 cells" in page.inner_text("#grid-note")
    page.locator('.grid-cell[data-x="1"][data-y="0.08"]').click()
    assert (page.input_value("#f-steps"), page.input_value("#f-step_size")) == ("1", "0.08")
    assert page.input_value("#kind") == "zoom" and page.input_value("#f-size") == "64x64"  # the rest as it was
    view_shot(page, "grid")
    page.click("#grid-panel summary")


def keyframe_the_zoom(page) -> None:
    """A click on the zoom's graph adds a keyframe; the value box sets it; the form gets Deforum's string."""
    page.click("#timeline-panel summary")  # folded, as every tool is on a first visit
    page.select_option("#tl-track", "zoom")
    graph = page.locator("#tl-graph")
    box = graph.bounding_box()
    graph.click(position={"x": box["width"] * 0.99, "y": box["height"] * 0.2})
    page.fill("#tl-value", "1.1")
    page.press("#tl-value", "Enter")
    text = page.input_value("#f-zoom")
    assert re.fullmatch(r"0:\(1\.04\), 3:\(1\.1\)", text), text  # 4 frames: the last is frame 3
    layers_switch_from_a_frame(page)
    view_shot(page, "timeline")


def layers_switch_from_a_frame(page) -> None:
    """The layers lane: a click opens the page's own editor (no browser prompt); Enter writes a switch at
    that frame; a click at the switch's frame reopens it, and Remove takes it out again."""
    first = page.input_value("#f-layers")
    lane = page.locator("#tl-layers")
    box = lane.bounding_box()
    lane.click(position={"x": box["width"] * 0.99, "y": box["height"] / 2})
    assert page.is_visible("#tl-layer-edit") and page.inner_text("#tl-layer-frame") == "3"
    assert page.input_value("#tl-layer-names") == first and page.is_hidden("#tl-layer-drop")
    page.fill("#tl-layer-names", "block1")
    page.press("#tl-layer-names", "Enter")
    assert json.loads(page.input_value("#f-layers")) == {"0": [first], "3": ["block1"]}
    assert page.is_hidden("#tl-layer-edit") and page.locator('.layer-key[data-frame="3"]').count() == 1
    lane.click(position={"x": box["width"] * 0.99, "y": box["height"] / 2})  # at the switch: edits it
    assert page.input_value("#tl-layer-names") == "block1" and page.is_visible("#tl-layer-drop")
    page.click("#tl-layer-drop")
    assert page.input_value("#f-layers") == first and page.locator(".layer-key").count() == 1


def render_and_watch(page) -> None:
    page.click("#motion-button")  # the move only, played where the preview shows
    page.wait_for_selector("#preview-box video.motion", timeout=120_000)
    assert page.locator(".job.preview").count() == 1
    page.fill("#output", "dive.mp4")
    page.click("#render-button")
    page.wait_for_selector('.job[data-state="done"] >> text=dive.mp4', timeout=120_000)
    facts = page.inner_text('.job[data-state="done"]:has-text("dive.mp4") .facts')
    assert facts.startswith("4/4 frames") and "/frame" in facts and "took" in facts  # the real rate and time
    plays(page, '[data-render="dive.mp4"] video')
    assert page.locator(".card.preview").count() == 1  # the motion preview is marked as one in the gallery


def restart_and_carry_on(page, studio) -> StudioServer:
    """The server stops and starts again on the same folder and port: same token, the tab just goes on."""
    _, server, folder = studio
    port = server.base.rsplit(":", 1)[1]
    server.stop()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('reconnecting')",
                           timeout=30_000)
    again = StudioServer(folder, "--port", port)
    assert again.token == server.token == (folder / ".studio" / "token").read_text().strip()
    page.wait_for_function("() => document.getElementById('status').textContent === ''", timeout=30_000)
    page.errors.clear()  # Chrome logged the refused connections while the server was away
    page.select_option("#kind", "still")
    for field, value in {"f-size": "64x64", "f-octaves": "1", "f-steps": "1"}.items():
        page.fill(f"#{field}", value)
    page.fill("#output", "still.png")
    page.click("#render-button")
    page.wait_for_selector('[data-render="still.png"]', timeout=120_000)
    return again


def download(page) -> None:
    with page.expect_download() as caught:
        page.click('[data-render="dive.mp4"] a.download')
    saved = caught.value
    assert saved.suggested_filename == "dive.mp4"
    assert Path(saved.path()).read_bytes() == (page.folder / "dive.mp4").read_bytes()


def compare(page) -> None:
    for path in ("dive.mp4", "still.png"):
        page.check(f'[data-render="{path}"] input[type=checkbox]')
    page.click("#compare-button")
    page.wait_for_selector("#compare-panel:not([hidden])")
    zoom_row = page.locator('#diff tr[data-setting="zoom"] td').all_inner_texts()
    assert zoom_row == ["Zoom", "0:(1.04), 3:(1.1)", "n/a"]  # a still has no zoom
    view_shot(page, "compare")
    page.click("#close-compare")


def delete_and_restore(page) -> None:
    page.click('[data-render="still.png"] button.delete')
    page.wait_for_selector('[data-render="still.png"]', state="detached")
    assert not (page.folder / "still.png").exists()
    page.click("#undo")
    page.wait_for_selector('[data-render="still.png"]', timeout=10_000)
    assert (page.folder / "still.png").is_file() and (page.folder / "still.png.yaml").is_file()
    page.click('[data-render="still.png"] button.delete')
    page.wait_for_selector('[data-render="still.png"]', state="detached")
    page.click("#trash-button")
    page.wait_for_selector('#trash-list li:has-text("still.png")')
    page.evaluate("() => document.getElementById('gallery-panel').scrollIntoView()")
    view_shot(page, "trash")
    page.click('#trash-list li:has-text("still.png") button')
    page.wait_for_selector('[data-render="still.png"]', timeout=10_000)
    assert page.inner_text("#trash-list") == "The trash is empty."


def test_a_newcomers_first_visit_end_to_end_at_1366x768(studio):
    page = open_page(*studio, width=1366, height=768)
    assert in_view(page, "#preview-button") and in_view(page, "#render-button")  # no scrolling to act
    assert page.is_hidden("#live-view") and not page.get_attribute("#live", "open")  # folded, no broken picture
    view_shot(page, "first-visit")
    drop_file(page, IMAGES / "chelsea.jpg", "image/jpeg")
    page.wait_for_function("() => document.getElementById('input').value === 'uploads/chelsea.jpg'")
    assert page.input_value("#kind") == "zoom" and (page.folder / "uploads" / "chelsea.jpg").is_file()
    fill_tiny(page, **STEPS)
    atlas_picks_a_layer(page)
    grid_cell_fills_the_form(page)
    keyframe_the_zoom(page)
    render_and_watch(page)
    again = restart_and_carry_on(page, studio)
    try:
        download(page)
        compare(page)
        delete_and_restore(page)
        assert page.errors == []
    finally:
        again.stop()


def test_a_new_token_tells_the_open_tab_to_open_the_new_url(studio):
    browser, server, folder = studio
    page = open_page(browser, server, folder)
    port = server.base.rsplit(":", 1)[1]
    server.stop()
    again = StudioServer(folder, "--port", port, "--new-token")
    try:
        assert again.token != server.token
        page.wait_for_function("() => document.getElementById('status').textContent.includes('new token')",
                               timeout=30_000)
    finally:
        again.stop()
