"""Live from a stream URL: its header read within the timeout, frames then read as they come."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import time

import pytest

from dreamvideo.errors import DreamError
from dreamvideo.live.sources import make_source

from .conftest import make_clip


def test_an_http_stream_is_read_and_a_silent_one_is_one_line_within_its_timeout(tmp_path):
    make_clip(tmp_path / "clip.mp4", seconds=1.0, rate="10", size="64x48", audio=False)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = make_source(f"http://127.0.0.1:{server.server_port}/clip.mp4", 64, 10.0, False, 10.0)
        try:
            frame = source.read()
            assert frame is not None and frame.shape == (48, 64, 3)
        finally:
            source.close()
    finally:
        server.shutdown()
    silent = socket.socket()  # accepts, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        started = time.monotonic()
        with pytest.raises(DreamError, match="did not answer within 1 s|gives no video"):
            make_source(f"http://127.0.0.1:{silent.getsockname()[1]}/x.mp4", 64, 10.0, False, 1.0)
        assert time.monotonic() - started < 5
    finally:
        silent.close()
