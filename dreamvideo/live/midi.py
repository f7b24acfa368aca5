"""MIDI control: a controller's knobs and faders (CC messages) set live settings while the dream runs.

`midi_map` says which knob sets what: ``"1=step_size:0.01:0.2,2=pull:0:1"`` maps CC 1
linearly from 0..127 onto `step_size` 0.01..0.2 (a whole-number setting is rounded).
Each change goes through :meth:`LiveControls.set`, the one path OSC and the studio use,
so it is validated the same way; a value the setting refuses is one note line, once.
mido is an optional extra (``pip install 'dreamvideo[midi]'`` brings it and its default
backend, python-rtmidi): the mapping needs mido alone, the port needs the backend.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import DreamError, SettingsError
from ..settings import Settings
from ..settings.live import MIDI_DEFAULT_MAP
from .controls import LiveControls, changeable

CC_TOP = 127
FIRST = "first"  # `midi` first: the first input port, whatever its name


@dataclass(frozen=True)
class Knob:
    """One CC's setting and the range its 0..127 spans."""

    setting: str
    low: float
    high: float
    whole: bool  # an int setting: the value is rounded

    def value(self, cc: int) -> float | int:
        value = self.low + (self.high - self.low) * min(max(cc, 0), CC_TOP) / CC_TOP
        return round(value) if self.whole else round(value, 6)


def _number_kind(name: str) -> type | None:
    """int or float for a setting a number sets (a schedule's values too); None for any other."""
    annotation = Settings.model_fields[name].annotation
    if typing.get_origin(annotation) is dict:
        annotation = typing.get_args(annotation)[1]
    while typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation if annotation in (int, float) else None


def parse_map(text: str) -> dict[int, Knob]:
    """``"CC=setting:min:max,..."`` as knobs by CC number; anything wrong is one :class:`SettingsError` line."""
    knobs: dict[int, Knob] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            cc, rest = item.split("=", 1)
            name, low, high = rest.strip().split(":")
            number, bounds = int(cc), (float(low), float(high))
        except ValueError:
            raise SettingsError(f"`midi_map` item '{item}' is not CC=setting:min:max (e.g. 1=step_size:0.01:0.2)"
                                ) from None
        name = name.strip()
        kind = _number_kind(name) if name in changeable() else None
        if kind is None:
            raise SettingsError(f"`midi_map` item '{item}': {name} is not a number setting that can change live")
        if not 0 <= number <= CC_TOP:
            raise SettingsError(f"`midi_map` item '{item}': a CC number is 0..{CC_TOP}")
        knobs[number] = Knob(name, *bounds, whole=kind is int)
    if not knobs:
        raise SettingsError("`midi_map` maps no CC; give CC=setting:min:max, ...")
    return knobs


def knobs_for(port: str | None, mapping: str | None) -> dict[int, Knob] | None:
    """The knobs a run listens to (checked before it starts); None without `midi`."""
    if port is None:
        if mapping is not None:
            raise SettingsError("`midi_map` needs `midi` (a port's name, or first)")
        return None
    return parse_map(MIDI_DEFAULT_MAP if mapping is None else mapping)


class MidiHandler:
    """Turns CC messages into setting changes on :class:`LiveControls`; other messages are ignored."""

    def __init__(self, knobs: dict[int, Knob], controls: LiveControls, note: Callable[[str], None]) -> None:
        self.knobs, self.controls, self.note = knobs, controls, note
        self._said: set[str] = set()  # a knob sends many messages: each refusal is said once

    def __call__(self, message: Any) -> None:
        knob = self.knobs.get(getattr(message, "control", -1)) if message.type == "control_change" else None
        if knob is None:
            return
        try:
            self.controls.set(knob.setting, knob.value(message.value))
        except DreamError as exc:
            if str(exc) not in self._said:
                self._said.add(str(exc))
                self.note(f"midi CC {message.control}: {exc}")


class MidiControl:
    """An open MIDI input port feeding a :class:`MidiHandler` from mido's own thread; :meth:`close` closes it."""

    def __init__(self, port: str, knobs: dict[int, Knob], controls: LiveControls,
                 note: Callable[[str], None]) -> None:
        self.handler = MidiHandler(knobs, controls, note)
        mido = _mido()
        name = _port_name(mido, port)
        try:
            self.port = mido.open_input(name, callback=self.handler)
        except (OSError, RuntimeError) as exc:
            raise DreamError(f"`midi` port '{name}' does not open: {exc}") from None
        note(f"midi: listening on '{name}'")

    def close(self) -> None:
        self.port.close()


def _mido() -> Any:
    try:
        import mido
    except ImportError:
        raise DreamError("`midi` needs mido, an optional extra: pip install 'dreamvideo[midi]'") from None
    return mido


def _port_name(mido: Any, port: str) -> str:
    """The input port asked for (its name, a unique part of it, or ``first``), or one line saying why none is."""
    try:
        names = list(mido.get_input_names())
    except (ImportError, OSError, RuntimeError) as exc:
        raise DreamError(f"`midi` finds no MIDI backend ({exc}): pip install 'dreamvideo[midi]' "
                         "(python-rtmidi)") from None
    if not names:
        raise DreamError("`midi`: no MIDI input port is connected")
    if port in names:
        return port
    if port == FIRST:
        return names[0]
    matches = [name for name in names if port.lower() in name.lower()]
    if len(matches) != 1:
        raise DreamError(f"`midi` port '{port}' {'is ambiguous' if matches else 'not found'}; "
                         f"input ports: {', '.join(names)}")
    return matches[0]
