"""The studio's screenshots for the docs (``python docs/make_gallery.py studio``), at 1366x768 in Chromium
(Playwright, ``$CHROMIUM`` or /usr/bin/chromium): the photo previewed, the layer atlas, the variation grid
and the timeline in use, and the Live panel under ``live test --serve``."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gallery_common import GALLERY, ROOT, dreamvideo

VIEWPORT = {"width": 1366, "height": 768}
LIVE = ("live", "test", "--serve", "--size", "256", "--octaves", "2", "--steps", "2")


def studio() -> None:
    """The studio at 1366x768 as an artist sees it after a first session: two small renders in its gallery,
    the photo chosen as the input and previewed (studio.png); then, on that photo, the layer atlas dreamed,
    a 3x3 variation grid, a keyframed zoom on the timeline (studio-atlas/-grid/-timeline.png) and the Live
    panel dreaming the test pattern under ``dreamvideo live test --serve`` (studio-live.png). The preview is
    skipped (with a note) where a redesigned page has other ids; the views need today's ids."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = studio_folder(Path(tmp))
        with studio_page(folder) as page:
            preview_photo(page)
            page.evaluate("window.scrollTo(0, 0)")  # the first screen, as the page opens
            screenshot(page, "studio.png")
            for view in (atlas_view, grid_view, timeline_view):
                view(page)
        with studio_page(folder, *LIVE, "--folder", str(folder)) as page:
            live_view(page)


def studio_folder(tmp: Path) -> Path:
    """A folder with the photo and two small zooms rendered into ``renders/``, as after a first session."""
    folder = tmp / "studio"
    (folder / "renders").mkdir(parents=True)
    shutil.copy(ROOT / "Images" / "coffee.jpg", folder / "coffee.jpg")
    small = ["--size", "128x128", "--frames", "12", "--steps", "4", "--seed", "3", "--crf", "40"]
    dreamvideo("zoom", *small, "-o", str(folder / "renders" / "dive.webp"))
    dreamvideo("zoom", "--from", str(folder / "coffee.jpg"), "--color-coherence", "lab", *small,
               "-o", str(folder / "renders" / "coffee.webp"))
    return folder


@contextmanager
def studio_page(folder: Path, *command: str) -> Iterator:
    """The page of ``dreamvideo studio FOLDER`` (or of ``command``) in Chromium at 1366x768, ready."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.studio_server import StudioServer

    server = StudioServer(folder, command=command or None)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(server.url)
            page.wait_for_selector("body[data-ready=yes]", timeout=30_000)
            yield page
            browser.close()
    finally:
        server.stop()


def screenshot(page, name: str, settle_ms: int = 800) -> None:
    """The screen as a 256-colour PNG (dithered): a third of the bytes, the dreams' texture kept."""
    import io

    from PIL import Image

    page.wait_for_timeout(settle_ms)  # smooth scrolling and the last pictures settle
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    shot.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG).save(GALLERY / name,
                                                                                                   optimize=True)
    print(f"wrote {(GALLERY / name).relative_to(ROOT)}")


def pictures_loaded(page, selector: str, count: int) -> None:
    """Wait until ``count`` pictures matching ``selector`` are there and drawn (the atlas's load lazily)."""
    page.wait_for_function(f"""() => {{ const imgs = [...document.querySelectorAll("{selector}")];
        return imgs.length === {count} && imgs.every((img) => img.complete && img.naturalWidth > 0); }}""",
                           timeout=600_000)


def open_tool(page, panel: str) -> None:
    """Fold every tool, unfold ``panel`` and bring it to the top of the screen."""
    page.evaluate(f"""() => {{ for (const d of document.querySelectorAll("details.tool")) d.open = false;
        const panel = document.getElementById("{panel}"); panel.open = true;
        panel.scrollIntoView({{block: "start", behavior: "instant"}}); }}""")


def atlas_view(page) -> None:
    """The photo dreamed at each layer of the default model, at the atlas's default size; one layer picked."""
    open_tool(page, "atlas-panel")
    page.click("#atlas-button")
    page.wait_for_selector(".atlas-cell img", timeout=600_000)
    count = page.locator(".atlas-cell").count()
    open_tool(page, "atlas-panel")
    pictures_loaded(page, ".atlas-cell img", count)
    page.locator(".atlas-cell").nth(min(3, count - 1)).click()
    screenshot(page, "studio-atlas.png")


def grid_view(page) -> None:
    """A 3x3 variation grid of the photo: three layers across, three step sizes down."""
    open_tool(page, "grid-panel")
    page.select_option("#grid-x-field", "layers")
    page.fill("#grid-x-values", "block2, block6, block10")
    page.select_option("#grid-y-field", "step_size")
    page.fill("#grid-y-values", "0.02, 0.05, 0.1")
    page.click("#grid-button")
    pictures_loaded(page, ".grid-cell img", 9)
    open_tool(page, "grid-panel")
    screenshot(page, "studio-grid.png")


def timeline_view(page) -> None:
    """A 48-frame zoom that pushes in, eases, pushes in again and stops: five keyframes, one selected."""
    page.fill("#f-frames", "48")
    page.dispatch_event("#f-frames", "change")
    open_tool(page, "timeline-panel")
    page.select_option("#tl-track", "zoom")
    page.fill("#f-zoom", "0:(1), 10:(1.08), 22:(1.02), 34:(1.06), 47:(1)")
    page.dispatch_event("#f-zoom", "change")
    page.locator("#tl-graph circle").nth(1).click()
    open_tool(page, "timeline-panel")
    screenshot(page, "studio-timeline.png")


def live_view(page) -> None:
    """The Live panel as ``live test --serve`` opens it: the test pattern dreamed at 256 px, step size raised."""
    page.wait_for_selector("#live[open] #live-view[src]", timeout=60_000)
    page.wait_for_function("document.querySelector('#live-view').naturalWidth > 0", timeout=60_000)
    page.fill("#live-step_size", "0.15")  # a bolder dream than the default, as an artist would slide it
    page.dispatch_event("#live-step_size", "change")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "studio-live.png", settle_ms=8_000)  # a few seconds: the dream shows, the figures fill in


def preview_photo(page) -> None:
    """Pick the photo as the input and preview it, where the page has today's controls."""
    try:
        page.select_option("#input", label="coffee.jpg", timeout=5_000)
        page.click("#preview-button", timeout=5_000)
        page.wait_for_selector("#preview-image:not([hidden])", timeout=120_000)
        page.wait_for_timeout(1_000)  # the gallery's posters
    except Exception as exc:  # a redesigned page: the screenshot is still taken, without the preview
        print(f"note: no preview in the screenshot ({str(exc).splitlines()[0]})")
