"""The studio's one live session, whoever starts it: ``dreamvideo live SOURCE --serve`` or the Live panel.

A :class:`LiveHub` holds at most one session (a thread running :func:`..live.run_live`)
with its controls and its JPEG sink, behind one lock, so the command line, the panel's
Start and Stop, its controls and OSC all act on the same run through the same
:class:`..live.LiveControls`. The live package (and torch) load on the first start or
change, never when the studio merely starts.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import DreamError
from ..failures import explain
from ..options import flags_in
from ..progress import Reporter, Silent
from ..settings import Settings, resolve
from ..models import model_info

if TYPE_CHECKING:  # the live package loads torch: imported when a session starts
    from ..live import LiveControls, LiveOptions
    from ..live.sinks import JpegSink
    from ..live.stats import LiveStats
    from ..render import RunOptions

# The panel's names for the settings it steers; any other setting a live run may change goes by its own name.
CONTROLS = {"layers": "layers", "step_size": "step_size", "octaves": "octaves", "pull": "pull", "dive_zoom": "dive"}
START = 180.0  # seconds a start may take to pass its checks (the source's own timeout, loading the model)
STOP = 20.0  # seconds a stop waits for the session's stages and sinks to finish


class LiveHub:
    """At most one live session; thread-safe. ``options``: the first start's (the CLI's record, OSC ...)."""

    def __init__(self, settings: Settings | None = None, options: LiveOptions | None = None,
                 run: RunOptions | None = None, progress: Reporter = Silent()) -> None:
        self._settings = settings or resolve(None)
        self.options, self.run, self.progress = options, run, progress
        self._lock = threading.Lock()
        self._controls: LiveControls | None = None
        self._thread: threading.Thread | None = None
        self._asked = False  # the current session was asked to stop (its early end is no error)
        self.sink: JpegSink | None = None
        self.source: str | None = None
        self.error: str | None = None  # why the last session failed, in one line
        self._failure: Exception | None = None  # and the error itself, raised by the start that waits for it
        self.last: LiveStats | None = None  # the last finished session's figures

    def controls(self) -> LiveControls:
        """The controls every session runs with: a change made while stopped holds for the next start."""
        if self._controls is None:
            from ..live import LiveControls

            self._controls = LiveControls(self._settings)
        return self._controls

    @property
    def running(self) -> bool:
        alive = self._thread is not None and self._thread.is_alive()
        return alive and not (self._controls is not None and self._controls.stopping)

    def start(self, source: str, opened: str | None = None) -> None:
        """Dream ``source`` (``opened``: the path to open, when it is not the name shown) until stopped.

        Returns once the session's checks passed (the source gave a frame, the model loaded);
        a source or setting that does not work raises its one line.
        """
        from ..live import LiveOptions
        from ..live.sinks import JpegSink

        with self._lock:
            if self.running:
                raise DreamError(f"a live session is already running ({self.source}); stop it first")
            controls, sink = self.controls(), JpegSink()
            template = self.options or LiveOptions(loop_input=True)
            options = replace(template, source=opened or source, sinks=[*template.sinks, sink])
            self.options = replace(template, record=None)  # a later start must not overwrite the recording
            controls.stats, self.sink, self.source, self._asked = None, sink, source, False
            self.error = self._failure = None
            finished = threading.Event()
            self._thread = threading.Thread(target=self._session, args=(options, finished), name="live-session",
                                            daemon=True)
            self._thread.start()
            self._until_started(finished)

    def _until_started(self, finished: threading.Event) -> None:
        controls = self.controls()
        waited = 0.0
        while not finished.wait(0.05) and controls.stats is None and waited < START:
            waited += 0.05
        if finished.is_set() and self._failure is not None:
            raise self._failure
        if controls.stats is None and not finished.is_set():
            controls.stop()
            raise DreamError(f"live: {self.source} did not start within {START:g} s")

    def _session(self, options: LiveOptions, finished: threading.Event) -> None:
        from ..live import run_live

        controls = self.controls()
        try:
            run_live(controls.settings, options, self.run, self.progress, controls)
        except Exception as exc:  # noqa: BLE001 - the page and the terminal get its one line
            if not self._asked:
                self._failure, self.error = exc, explain(exc, flags_in).line.splitlines()[0]
                if controls.stats is not None:  # past its start (which raises its own error): say it here
                    self.progress.note(f"live: {self.error}")
        finally:
            self.last = controls.stats
            if self.sink is not None:
                self.sink.finish("")  # the stream ends even when the run failed before its sinks were opened
            finished.set()

    def stop(self) -> LiveStats | None:
        """Stop the session, if one runs, and wait for it (its recording is finished); the last figures."""
        with self._lock:
            if self._thread is not None and self._controls is not None:
                self._asked = True
                self._controls.stop()
                self._thread.join(STOP)
            return self.last

    def change(self, changes: dict[str, Any]) -> None:
        """Apply the panel's (or any) changes, validated one by one as OSC's are; a bad one raises its line."""
        controls = self.controls()
        for name, value in changes.items():
            controls.set(CONTROLS.get(name, name), value)

    def status(self) -> dict[str, Any]:
        """What ``GET /api/live`` answers: running, source, the controls' values, the model's layers, figures."""
        settings = self._controls.settings if self._controls is not None else self._settings
        stats = self._controls.stats if self._controls is not None else None
        figures = stats.figures() if stats is not None else None
        return {"available": True, "running": self.running, "source": self.source if self.running else None,
                "error": self.error, "controls": control_values(settings),
                "layers": [layer.name for layer in model_info(settings.model).layers],
                "stats": {"shown_fps": round(figures["shown_fps"], 1), "dream_rate": round(figures["dreamed_per_s"], 2),
                          "p95_ms": round(figures["p95_ms"]), "dropped": round(figures["dropped_pct"], 1)}
                if figures else {"shown_fps": 0, "dream_rate": 0, "p95_ms": 0, "dropped": 0}}


def control_values(settings: Settings) -> dict[str, Any]:
    """The panel's controls as ``settings`` holds them now (a schedule: its value at frame 0)."""
    layers = (settings.layers or {0: settings.all_layers()})[0]
    values = {name: at_first(getattr(settings, setting)) for name, setting in CONTROLS.items() if name != "layers"}
    return {"layers": layers[0] if len(layers) == 1 else layers, **values}


def at_first(value: Any) -> Any:
    """A setting's value at frame 0: a number as is, a keyframe mapping's first value, an expression as text."""
    if isinstance(value, dict):
        return value[min(value)]
    return value if isinstance(value, (int, float)) else str(value)

