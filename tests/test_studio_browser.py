"""The studio in a real browser: preview, two tiny zooms rendered live, the gallery plays them, compare; the
gallery plays WebM, WebP and APNG renders and gives a MOV a poster and a download; the format and codec choice;
a render card dragged onto the form. A newcomer's whole first visit is ``test_studio_walkthrough.py``.

Starts the real server (``python -m dreamvideo studio TMP --port 0 --no-browser``) and drives Chromium
with Playwright. Skipped only when no Chromium can be found. Screenshots go to the test's tmp folder
(and to ``$DREAMVIDEO_STUDIO_SHOT`` when set: how ``Images/studio.png`` is made).
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest

from dreamvideo.media.formats import output_formats
from tests.conftest import IMAGES
from tests.studio_fixtures import make_render
from tests.studio_server import StudioServer

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = next((path for path in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser",
                                   shutil.which("chromium"), shutil.which("google-chrome")) if path and
                 os.path.exists(path)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (/usr/bin/chromium or $CHROMIUM)")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TINY = {"f-size": "64x64", "f-frames": "4", "f-octaves": "1", "f-steps": "2", "f-jitter": "4"}
def open_page(browser, server: StudioServer, folder: Path, width: int = 1400, height: int = 1000):
    errors: list[str] = []
    tab = browser.new_page(viewport={"width": width, "height": height})
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server.url)
    tab.wait_for_selector("body[data-ready=yes]", timeout=30_000)
    tab.errors, tab.folder, tab.server = errors, folder, server
    return tab


@pytest.fixture
def studio(tmp_path: Path):
    folder = tmp_path / "studio"
    folder.mkdir()
    server = StudioServer(folder)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser, server, folder
        browser.close()
    server.stop()


@pytest.fixture
def page(studio):
    return open_page(*studio)


def fill_tiny(page, **more: str) -> None:
    if not page.is_visible("#f-jitter"):
        page.click("#more summary")
    for field, value in {**TINY, **more}.items():
        page.fill(f"#{field}", value)


def shot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    if name == "compare" and os.environ.get("DREAMVIDEO_STUDIO_SHOT"):
        page.screenshot(path=os.environ["DREAMVIDEO_STUDIO_SHOT"], full_page=True)


def form_errors_show_beside_the_field(page) -> None:
    fill_tiny(page)
    page.fill("#f-octave_scale", "0.5")
    page.click("#render-button")
    page.wait_for_selector('.field.invalid [data-error-for="octave_scale"]')
    assert page.inner_text('[data-error-for="octave_scale"]') == "Octave scale: Input should be greater than 1"
    page.fill("#f-octave_scale", "1.4")
    # Chrome logs every 4xx fetch; this one 422 is the point of the step, nothing else may appear.
    assert [e for e in page.errors if "status of 422" not in e] == [] and len(page.errors) == 1
    page.errors.clear()


def preview_shows_the_first_frame(page) -> None:
    page.click("#preview-button")
    page.wait_for_selector("#preview-image:not([hidden])", timeout=60_000)
    assert page.inner_text("#preview-note").startswith("first frame")
    assert page.eval_on_selector("#preview-image", "img => img.naturalWidth") == 64


def render_two_and_watch_them(page, tmp_path: Path) -> None:
    page.fill("#output", "first.mp4")
    page.click("#render-button")
    page.wait_for_selector('.job[data-state="running"]', timeout=60_000)
    page.set_input_files("#upload", str(IMAGES / "chelsea.jpg"))  # the second dives into an uploaded image
    page.wait_for_function("() => document.getElementById('input').value === 'uploads/chelsea.jpg'")
    # Long enough that its live frame is seen however idle the machine is (the first may already be done).
    fill_tiny(page, **{"f-zoom": "1.2", "f-seed": "7", "f-frames": "30", "f-steps": "4"})
    page.fill("#output", "second.mp4")
    page.click("#render-button")
    page.wait_for_selector(".job .live", timeout=60_000)  # the latest finished frame, live
    shot(page, tmp_path, "running")
    page.wait_for_function("() => document.querySelectorAll('.job[data-state=done]').length === 2", timeout=150_000)
    page.wait_for_selector('[data-render="second.mp4"]', timeout=10_000)
    assert page.locator(".card").count() == 2
    assert "zoom · 64x64 px · 4 frames" in page.inner_text('[data-render="first.mp4"] .info')


def a_tiff_upload_is_listed_and_chosen(page, tmp_path: Path) -> None:
    """Uploads took a .tif the picker never listed; the dialog offers what the server's one list holds."""
    from PIL import Image

    assert {".tif", ".aac", ".mp4"} <= set(page.get_attribute("#upload", "accept").split(","))
    Image.new("RGB", (8, 8)).save(tmp_path / "scan.tif")
    page.set_input_files("#upload", str(tmp_path / "scan.tif"))
    page.wait_for_function("() => document.getElementById('input').value === 'uploads/scan.tif'")


def gallery_plays_and_compares(page, tmp_path: Path) -> None:
    video = page.locator('[data-render="first.mp4"] video')
    video.evaluate("v => v.play()")
    page.wait_for_function("v => v.currentTime > 0 && v.videoWidth === 64", arg=video.element_handle(),
                           timeout=15_000)
    for path in ("first.mp4", "second.mp4"):
        page.check(f'[data-render="{path}"] input[type=checkbox]')
    page.click("#compare-button")
    page.wait_for_selector("#compare-panel:not([hidden])")
    assert page.locator("#compare video").count() == 2
    rows = page.locator("#diff tr td:first-child").all_inner_texts()
    assert "Zoom" in rows and "Seed" in rows and "Octaves" not in rows  # only what differs, in plain words
    page.click("#play-all")
    page.wait_for_function("() => [...document.querySelectorAll('#compare video')]"
                           ".every(v => !v.paused && v.currentTime > 0)", timeout=15_000)
    shot(page, tmp_path, "compare")


def test_preview_render_watch_play_and_compare_in_a_browser(page, tmp_path):
    assert page.url.endswith("/") and "token" not in page.url  # the cookie holds the token now
    from dreamvideo.settings import Settings
    assert page.is_visible("#motion-button") == ("preview" in Settings.model_fields)  # only with the setting
    form_errors_show_beside_the_field(page)
    preview_shows_the_first_frame(page)
    render_two_and_watch_them(page, tmp_path)
    gallery_plays_and_compares(page, tmp_path)
    page.click('[data-render="second.mp4"] button:has-text("Edit")')  # its sidecar back in the form
    assert (page.input_value("#f-zoom"), page.input_value("#f-seed")) == ("1.2", "7")
    assert page.input_value("#input") == "uploads/chelsea.jpg"
    a_tiff_upload_is_listed_and_chosen(page, tmp_path)
    assert page.errors == []


def plays(page, selector: str) -> None:
    """The element shows its clip at its size and the picture on screen changes (an animated image plays by
    itself; a canvas would only ever draw its first frame, so the screen is what is compared)."""
    node = page.locator(selector)
    node.scroll_into_view_if_needed()
    page.wait_for_function("n => n.tagName === 'VIDEO' ? n.readyState >= 2 && n.videoWidth === 64"
                           " : n.complete && n.naturalWidth === 64", arg=node.element_handle(), timeout=15_000)
    first = node.screenshot()
    for _ in range(50):
        page.wait_for_timeout(200)
        if node.screenshot() != first:
            return
    raise AssertionError(f"{selector} shows one picture for 10 s: it does not play")


def test_the_gallery_plays_webm_webp_and_apng_and_gives_a_mov_or_sequence_a_poster_and_a_download(page):
    for name, codec in (("web.webm", None), ("loop.webp", None), ("loop.apng", None), ("edit.mov", None),
                        ("vj.mov", "hap"), ("shots/dive_%05d.png", None)):
        make_render(page.folder / "r" / name, codec, frames=24)
    page.reload()
    page.wait_for_selector("body[data-ready=yes]", timeout=30_000)
    assert page.locator(".card").count() == 6
    video = page.locator('[data-render="r/web.webm"] video')
    video.evaluate("v => v.play()")
    page.wait_for_function("v => v.currentTime > 0 && !v.paused", arg=video.element_handle(), timeout=15_000)
    plays(page, '[data-render="r/web.webm"] video')
    for path in ("r/loop.webp", "r/loop.apng"):
        plays(page, f'[data-render="{path}"] .media img')
    for path in ("r/edit.mov", "r/vj.mov", "r/shots/dive_%05d.png"):
        card = page.locator(f'[data-render="{path}"]')
        assert card.locator("video").count() == 0  # browsers cannot play it: no broken player
        poster = card.locator(".poster img")
        poster.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=poster.element_handle(),
                               timeout=30_000)
        link = card.locator("a.download")
        assert link.get_attribute("download") is not None  # saved, not opened
        fetched = page.request.get(link.evaluate("a => a.href"))
        whole = b"PK\x03\x04" if "%" in path else (page.folder / path).read_bytes()  # a sequence: its frames zipped
        assert fetched.ok and fetched.body()[:len(whole)] == whole
    page.set_viewport_size({"width": 1366, "height": 768})
    page.evaluate("() => document.getElementById('gallery-panel').scrollIntoView()")
    page.screenshot(path=os.environ.get("DREAMVIDEO_GALLERY_SHOT", str(page.folder.parent / "gallery.png")))
    assert page.errors == []


def with_codec(route) -> None:
    """/api/schema as it reads once `codec` is a setting and zoom writes every container (whether or not it does yet)."""
    response = route.fetch()
    schema = response.json()
    schema["properties"].setdefault("codec", {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None,
                                              "description": "The codec within the output's container."})
    containers = list(dict.fromkeys(f["suffix"] for f in schema["x-formats"] if not f["sequence"]))
    schema["x-kinds"]["zoom"] = sorted({*schema["x-kinds"]["zoom"], "codec"})
    schema["x-kind-table"]["zoom"]["outputs"] = containers
    route.fulfill(response=response, json=schema)


def test_the_output_format_and_codec_are_chosen_from_the_formats_table(page):
    from dreamvideo.settings import Settings
    assert page.is_hidden("#codec-field") == ("codec" not in Settings.model_fields)
    assert ".tif" in page.get_attribute("#upload", "accept").split(",")  # uploads take it, the picker offers it
    page.route("**/api/schema", with_codec)
    sent: list[dict] = []
    page.route("**/api/jobs", lambda route: (sent.append(route.request.post_data_json), route.fulfill(
        json={"id": "x", "output": "renders/x"})) if route.request.method == "POST" else route.continue_())
    page.reload()
    page.wait_for_selector("body[data-ready=yes]", timeout=30_000)
    page.select_option("#kind", "zoom")
    assert page.locator("#format option").all_inner_texts()[0].startswith(".mp4")  # the kind's default first
    codecs = {suffix: [f.codec for f in output_formats() if f.suffix == suffix and not f.sequence]
              for suffix in (".webm", ".mov")}
    page.select_option("#format", ".webm")
    assert page.is_visible("#codec-field")
    assert page.eval_on_selector_all("#f-codec option", "os => os.map(o => o.value)") == ["", *codecs[".webm"]]
    page.select_option("#f-codec", "av1")
    page.locator("#format").scroll_into_view_if_needed()
    page.screenshot(path=str(page.folder.parent / "formats.png"))
    av1 = next(f for f in output_formats() if f.codec == "av1")
    assert page.inner_text("#format-help").startswith(av1.purpose)
    page.fill("#output", "dive.mov")  # a typed suffix chooses the format; av1 is no MOV codec
    assert page.input_value("#format") == ".mov" and page.input_value("#f-codec") == ""
    assert page.eval_on_selector_all("#f-codec option", "os => os.map(o => o.value)") == ["", *codecs[".mov"]]
    page.select_option("#format", ".webm")  # and the chosen format renames what was typed
    assert page.input_value("#output") == "dive.webm"
    page.fill("#output", "")
    page.select_option("#f-codec", "av1")
    for then in (lambda: None, lambda: page.select_option("#format", ".gif")):
        then()
        with page.expect_request(lambda request: request.url.endswith("/api/jobs") and request.method == "POST"):
            page.click("#render-button")
    assert page.is_hidden("#codec-field")
    assert [(b["suffix"], b["output"], b["settings"].get("codec")) for b in sent] == [
        (".webm", None, "av1"), (".gif", None, None)]


def drop_file(page, path: Path, mime: str) -> None:
    """What dragging a file from the desktop onto the page does: dragover, then drop with the file."""
    data = base64.b64encode(path.read_bytes()).decode()
    page.evaluate("""([name, data, mime]) => {
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: mime }));
        for (const type of ["dragover", "drop"])
            document.querySelector("#gallery-panel").dispatchEvent(
                new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }""", [path.name, data, mime])


def test_a_render_card_or_a_sidecar_dropped_on_the_page_loads_its_settings(page, tmp_path):
    make_render(page.folder / "r" / "old.mp4", frames=12)
    page.reload()
    page.wait_for_selector("body[data-ready=yes]", timeout=30_000)
    page.fill("#f-frames", "99")
    page.drag_and_drop('[data-render="r/old.mp4"]', "#render-form")
    page.wait_for_function("() => document.getElementById('f-frames').value === '12'")
    assert "r/old.mp4" in page.inner_text("#preset-help")
    sidecar = tmp_path / "elsewhere.mp4.yaml"  # a sidecar from another folder, dragged from the desktop
    shutil.copy(page.folder / "r" / "old.mp4.yaml", sidecar)
    page.fill("#f-frames", "99")
    drop_file(page, sidecar, "application/x-yaml")
    page.wait_for_function("() => document.getElementById('f-frames').value === '12'")
    assert "elsewhere.mp4.yaml" in page.inner_text("#preset-help")
    assert not (page.folder / "uploads").exists()  # read for its settings, not kept as an input
    assert page.errors == []
