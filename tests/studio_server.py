"""A real ``dreamvideo studio`` server in a subprocess, for the browser and end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

URL_PREFIX = "studio: "


class StudioServer:
    """``python -m dreamvideo studio FOLDER --port 0 --no-browser``; ``url`` is the line it printed.

    ``command``: another command that serves the studio (``live test --serve --folder FOLDER``)."""

    def __init__(self, folder: Path, *extra: str, command: tuple[str, ...] | None = None) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        command = command or ("studio", str(folder), "--no-browser")
        self.process = subprocess.Popen([sys.executable, "-m", "dreamvideo", *command, "--port", "0", *extra],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.process.stdout.readline()
        if not line.startswith(URL_PREFIX):
            self.process.kill()
            raise RuntimeError(f"studio did not print its URL: {line!r} {self.process.stderr.read()}")
        self.url = line[len(URL_PREFIX):].strip()
        self.base, self.token = self.url.split("/?token=")
        self._wait()

    def _wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base}/api/jobs", headers={"x-studio-token": self.token}, timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("studio did not answer")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"x-studio-token": self.token}, timeout=60)

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a user would; returns the exit code and what it printed on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return self.process.returncode, err
