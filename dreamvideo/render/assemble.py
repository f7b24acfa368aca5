"""The assembly pass: finished frames -> a video in any format of the table (+ audio), an image
sequence, or an image; verified, then renamed.

Nothing reaches the output path until it has been written in full and read back:
the encoded video must decode to the number of frames it was given, in the codec,
pixel format and rate its format's record promises, with the audio span. The output
and its sidecar are published together, or neither is.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

import numpy as np

from ..errors import DreamError, missing_frame
from ..media.encode import VideoWriter, partial_path, save_image
from ..media.files import atomic, clean_stale, fsync_dir, fsync_file
from ..media.formats import Format, fit_size
from ..media.sequence_output import sidecar_path
from ..media.sources import load_image

Audio = tuple[Path, float, float]  # source, start, duration (seconds)


class Frames(Protocol):
    """Finished frames by index: a :class:`FrameStore`, or a view over one (a video loop's fade)."""

    folder: Path

    def load(self, index: int) -> np.ndarray | None: ...


def say_fit(fmt: Format | None, width: int, height: int, note: Callable[[str], None]) -> None:
    """Before any dreaming: say how ``width`` x ``height`` frames will be padded or cropped to the format
    (the assembly then does it without saying it again), or refuse in one line a size it cannot take."""
    if fmt is not None and (line := fit_size(fmt, width, height)[2]):
        note(line)


@contextlib.contextmanager
def published(output: Path, sidecar: str, sequence: bool = False) -> Iterator[Path]:
    """Yield a temporary path for the output; on success the sidecar and output appear together.

    The sidecar is written first (a full disk fails here, before anything moves),
    then both are renamed; if the output's rename fails the new sidecar goes too.
    An image sequence (``sequence``) is staged and moved into place whole by its writer,
    which is given the pattern itself; its sidecar follows (its folder may not exist before).
    """
    if sequence:
        yield output
        with atomic(sidecar_path(output)) as tmp:
            tmp.write_text(sidecar)
        return
    side = sidecar_path(output)
    clean_stale(side)
    side_tmp, out_tmp = partial_path(side), partial_path(output)
    try:
        side_tmp.write_text(sidecar)
        yield out_tmp
        fsync_file(side_tmp)
        fsync_file(out_tmp)
        os.replace(side_tmp, side)
        try:
            os.replace(out_tmp, output)
        except OSError:
            side.unlink(missing_ok=True)
            raise
        fsync_dir(output.parent)
    except OSError as exc:  # name the user's path, not the hidden temporary
        names = {str(exc.filename), str(exc.filename2)}
        target = side if names & {str(side), str(side_tmp)} else output
        raise DreamError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        side_tmp.unlink(missing_ok=True)
        out_tmp.unlink(missing_ok=True)


def assemble_video(store: Frames, indices: Sequence[int], output: Path, fps: Fraction | float,
                   crf: int, audio: Audio | None, sidecar: str, loop: bool = False, *, format: Format,
                   note: Callable[[str], None]) -> Path:
    """Encode the store's frames in order in ``format``, mux audio, verify, then publish with the sidecar.

    ``loop``: the frames play as an endless loop (the encoder then keeps the seam clean).
    ``note`` hears what the writer says (audio a format takes none of, an earlier sequence's
    frames removed); the frames' fit was said before dreaming (:func:`say_fit`).
    """
    if not indices:
        raise DreamError("no frames to write")
    with published(output, sidecar, format.sequence) as target:
        with VideoWriter(target, fps, crf, audio, name=output, loop=loop, format=format, note=note,
                         size_noted=True) as writer:
            for index in indices:
                frame = store.load(index)
                if frame is None:
                    raise missing_frame(index, store.folder)
                writer.write(frame)
    return output


def publish_image(frame: np.ndarray, output: Path, sidecar: str) -> Path:
    """Write a still and its sidecar; the image is read back before it is published."""
    with published(output, sidecar) as tmp:
        save_image(tmp, frame)
        if load_image(tmp).shape != frame.shape:
            raise DreamError(f"{output} did not read back as written; not written")
    return output
