"""OSC control: ``/dreamvideo/NAME value...`` sets the live setting NAME while the dream runs.

``/dreamvideo/step_size 0.08`` or ``/dreamvideo/layers block5 block10`` (several
values make a list); ``/dreamvideo/stop`` ends the run. The server listens on
127.0.0.1 only (anyone who can send to it steers the dream), with python-osc, in a
thread of its own; a bad message is one note line and changes nothing.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from ..errors import DreamError
from .controls import LiveControls

PREFIX = "/dreamvideo/"


class OscControl:
    """An OSC server feeding :class:`LiveControls`; :meth:`close` stops it."""

    def __init__(self, port: int, controls: LiveControls, note: Callable[[str], None],
                 host: str = "127.0.0.1") -> None:
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import BlockingOSCUDPServer

        self.controls, self.note = controls, note
        dispatcher = Dispatcher()
        dispatcher.map(f"{PREFIX}*", self.receive)
        dispatcher.set_default_handler(self.unknown)
        try:
            self.server = BlockingOSCUDPServer((host, port), dispatcher)
        except OSError as exc:
            raise DreamError(f"`osc` port {port} cannot be opened: {exc.strerror or exc}") from None
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.1,), name="live-osc", daemon=True)
        self.thread.start()

    def receive(self, address: str, *args: Any) -> None:
        name = address[len(PREFIX):]
        if name == "stop":
            self.controls.stop()
            return
        value = args[0] if len(args) == 1 else list(args)
        try:
            self.controls.set(name, value)
        except DreamError as exc:
            self.note(f"osc {address}: {exc}")
            return
        self.note(f"osc: `{name}` = {value}")

    def unknown(self, address: str, *args: Any) -> None:
        self.note(f"osc {address}: not a {PREFIX}NAME message; ignored")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(2)
