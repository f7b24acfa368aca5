"""``GET /api/renders``: the gallery, a page of the renders in the folder found by their sidecars; the poster frame of a
clip browsers cannot play (``GET /api/poster?path=PATH``); an image sequence's frames as one ZIP
(``GET /api/frames?path=DIR/NAME_%05d.png``: a query, since a pattern's ``%`` is awkward in a URL's path)."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse

from ...media.formats import is_sequence, video_suffixes
from ...media.sequence_output import label, sidecar_path
from ..paths import hidden, inside, open_inside, relative_name
from ..posters import poster
from ..gallery import PAGE, page
from ..renders import written
from .base import OneLineRoute, folder
from .files import held

router = APIRouter(route_class=OneLineRoute)
CHUNK = 1 << 20


@router.get("/api/renders")
async def renders(request: Request, offset: int = 0, limit: int = PAGE) -> dict[str, Any]:
    """``{"renders": [...newest first...], "total": N}``: one page of the gallery, each with its ``facts``."""
    jobs = list(request.app.state.jobs.jobs.values())
    return await run_in_threadpool(page, folder(request), jobs, offset, limit)


@router.get("/api/poster")
async def poster_frame(path: str, request: Request) -> FileResponse:
    """The clip's first frame as a PNG (made once, cached in ``.studio/posters``), served as ``/files`` are."""
    root = folder(request)
    target = inside(root, path, must_exist=True)
    if hidden(relative_name(root, target)) or not target.name.lower().endswith(video_suffixes()):
        raise HTTPException(404, f"no poster for {path}")
    return held(root, await run_in_threadpool(poster, root, target))


@router.get("/api/frames")
def frames(path: str, request: Request) -> StreamingResponse:
    """An image-sequence render's frames (``DIR/NAME_%05d.png``, with its sidecar) as one ZIP, streamed as
    it is made: stored, not compressed again (PNG is), each frame opened as ``/files`` opens a file."""
    root = folder(request)
    pattern = inside(root, path)
    sidecar = sidecar_path(pattern)
    if hidden(relative_name(root, pattern)) or not is_sequence(pattern) or not sidecar.is_file():
        raise HTTPException(404, f"no image sequence {path}")
    found = [frame for frame, _ in written(pattern)]
    if not found:
        raise HTTPException(404, f"no frames of {path}")
    return StreamingResponse(zipped(root, found), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{label(pattern)}.zip"', "Cache-Control": "no-store"})


class _Sink(io.RawIOBase):
    """Where the ZIP is written: bytes held until the response takes them (it cannot seek: zipfile copes)."""

    def __init__(self) -> None:
        self.held = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.held += data
        return len(data)

    def take(self) -> bytes:
        data, self.held = bytes(self.held), bytearray()
        return data


def zipped(root: Path, files: list[Path]) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
        for frame in files:
            with os.fdopen(open_inside(root, frame), "rb") as source, \
                    archive.open(frame.name, "w", force_zip64=True) as entry:
                while chunk := source.read(CHUNK):
                    entry.write(chunk)
                    yield sink.take()
    yield sink.take()
