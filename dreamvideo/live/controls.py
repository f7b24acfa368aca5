"""The handle on a running live dream that other threads hold: its settings, the newest shown frame, stop.

OSC (and later the studio) change settings through :meth:`LiveControls.set`, which
validates the change as a preset would and bumps :attr:`LiveControls.version`; the
dream worker picks the new settings up before its next keyframe, the display before
its next frame. A studio endpoint reads the newest shown frame with :meth:`frame`, and the
run's :attr:`stats` while it runs.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import ValidationError

from ..errors import SettingsError
from ..settings import Settings
from ..settings.kinds import fields_for
from ..settings.expressions import AUDIO_FEATURES
from ..settings.presets import format_errors, merge
from .slots import Latest, Stamped
from .stats import LiveStats

# What a running dream cannot change: the network, the frame size and the encoding are fixed at start.
FIXED = {"model", "weights", "precision", "tile", "size", "fps", "crf", "codec", "bit_depth", "description", "meta"}


def check_sound(settings: Settings, listening: bool) -> Settings:
    """``settings``, unless an expression reads a sound feature (``bass`` ...) and nothing is heard live."""
    heard = [name for name in AUDIO_FEATURES if settings.uses(name)]
    if heard and not listening:
        raise SettingsError(f"live: '{heard[0]}' in a schedule needs `audio_in` (a microphone or a sound input)")
    return settings


def changeable() -> set[str]:
    """The settings a live run takes that may change while it runs."""
    return fields_for("live") - FIXED


class LiveControls:
    """Thread-safe: the settings in force (with a version), the newest shown frame, and the stop request."""

    def __init__(self, settings: Settings) -> None:
        self._lock = threading.Lock()
        self._settings = settings
        self.version = 0
        self.shown: Latest[Stamped] = Latest()
        self._stop = threading.Event()
        self.reason: str | None = None  # why the run stopped, when it was not asked to
        self.features: dict[str, float] | None = None  # `audio_in`'s newest rms, bass ... (replaced whole)
        self.stats: LiveStats | None = None  # set once the run's checks passed and its stages start

    def begin(self, settings: Settings) -> None:
        """The settings a run starts with (its seed fixed), before any change."""
        with self._lock:
            self._settings, self.version = settings, 0
            self._stop.clear()
            self.reason, self.features, self.stats = None, None, None

    @property
    def settings(self) -> Settings:
        with self._lock:
            return self._settings

    def snapshot(self) -> tuple[int, Settings]:
        with self._lock:
            return self.version, self._settings

    def set(self, name: str, value: Any) -> Settings:
        """Change one setting while running; a bad name or value raises one :class:`SettingsError` line."""
        if name not in changeable():
            fixed = "is fixed while live" if name in FIXED or name in Settings.model_fields else "is not a setting"
            raise SettingsError(f"live: `{name}` {fixed}")
        with self._lock:
            data = merge(self._settings.to_yaml_dict(), {name: value})  # `layers` clears `objective` and back
            try:
                settings = Settings.model_validate(data)
            except ValidationError as exc:
                raise SettingsError(format_errors(None, exc, data)) from None
            self._settings = check_sound(settings, self.features is not None)
            self.version += 1
            return self._settings

    def frame(self) -> Stamped | None:
        """The newest frame shown (what the sinks got), with its capture stamp; None before the first."""
        return self.shown.peek()[1]

    def stop(self, reason: str | None = None) -> None:
        """Ask the run to end (Ctrl-C, SIGTERM, the duration, the source ending, a stage failing)."""
        if reason and not self._stop.is_set():
            self.reason = reason
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float) -> bool:
        """Sleep until stop is asked or ``timeout`` passes; True when stopping."""
        return self._stop.wait(timeout)
