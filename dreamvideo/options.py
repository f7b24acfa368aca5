"""Command-line options built from the ``Settings`` fields, and setting names turned into flags.

Each render command takes the settings of its kind (``settings/kinds.py``); the flag,
type and help (with its ``[default]``) come from the field itself, so the CLI never
repeats what the schema knows. Errors from lower layers name settings in backquotes (`octave_scale`);
:func:`flags_in` turns them into flags (--octave-scale) for the command line.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import typer
from pydantic.fields import FieldInfo

from .settings import Settings
from .settings.live import MIDI_DEFAULT_MAP

# Flags that are not simply --field-name, and short forms.
FLAGS: dict[str, tuple[str, ...]] = {
    "layers": ("--layer", "-l"), "model": ("--model", "-m"), "size": ("--size", "-s"),
    "frames": ("--frames", "-n"), "class_": ("--class",),
}
DREAM = "Dream"
MOTION = "Zoom and video"

STEER = "Objective"
OBJECTIVE_OPTIONS = {
    "channel": Annotated[Optional[list[str]], typer.Option(
        "--channel", metavar="LAYER:C[,C]|LAYER:strongK", rich_help_panel=STEER,
        help="Amplify channels of a layer (repeatable): block10:42, block10:42,17, block10:strong5.")],
    "class_": Annotated[Optional[list[str]], typer.Option(
        "--class", metavar="NAME|INDEX", rich_help_panel=STEER,
        help="Dream an ImageNet class by name or index (repeatable; see `dreamvideo classes`).")],
    "guide": Annotated[Optional[list[str]], typer.Option(
        "--guide", metavar="IMAGE", rich_help_panel=STEER,
        help="Pull the dream toward a guide image's features at the model's default layer (repeatable).")],
}


def flag(name: str) -> str:
    """The command-line flag of a setting or run option."""
    return FLAGS.get(name, (f"--{name.replace('_', '-')}",))[0]


def flags_in(message: str) -> str:
    """Turn `setting` names in an error message into the flags a CLI user types."""
    return re.sub(r"`([a-z][a-z0-9_]*)`", lambda m: flag(m.group(1)), message)


def _bare(annotation: Any) -> Any:
    """Strip Optional and Annotated down to the type a user types on the command line."""
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return str if len(args) > 1 else _bare(args[0])
    if origin is dict:  # a schedule: a number or a Deforum string on the command line
        item = _bare(typing.get_args(annotation)[1])
        return item if typing.get_origin(item) is list else str
    if origin is tuple or origin is Literal:
        return str
    if origin is list:
        return list[str]
    return annotation


def _default_text(field: FieldInfo) -> str:
    value = field.default
    if isinstance(value, dict) and list(value) == [0]:
        value = value[0]
    if value is None or value == "":
        return ""
    if isinstance(value, tuple):
        value = ",".join(f"{v:g}" for v in value)
    if isinstance(value, bool):
        value = "on" if value else "off"
    return f" [{value}]"


def setting_option(name: str, panel: str) -> inspect.Parameter:
    """A keyword parameter for typer: None when not given, so a preset's value stays."""
    field = Settings.model_fields[name]
    kind = _bare(field.annotation)
    extra = _literal_choices(field.annotation)
    help_text = (field.description or name) + extra + _default_text(field)
    names = FLAGS.get(name, (flag(name),))
    if kind is bool:  # a preset's or a replayed sidecar's `loop: true` or `preview: true` must be undoable
        names = (f"{names[0]}/--no-{names[0][2:]}",)
    option = typer.Option(*names, help=help_text, rich_help_panel=panel,
                          show_default=False, metavar=_metavar(kind, name))
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                             annotation=Annotated[Optional[kind], option])


def _literal_choices(annotation: Any) -> str:
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is Literal:
        return " (" + ", ".join(map(str, typing.get_args(annotation))) + ")"
    return ""


def _metavar(kind: Any, name: str) -> str:
    special = {"translate": "DX,DY|KEYS", "center": "X,Y|KEYS", "zoom": "X|KEYS", "rotate": "DEG|KEYS",
               "blend": "X|KEYS", "size": "N|WxH", "audio": "FILE", "interpolation": "linear|cubic|step",
               "codec": "NAME", "bit_depth": "8|16"}
    if name in special:
        return special[name]
    return {int: "N", float: "X", str: "TEXT", bool: ""}.get(kind, "TEXT")


def parse_pair(name: str, value: str | None) -> tuple[float, float] | str | None:
    """``X,Y`` as two numbers; a Deforum schedule string (with ``:``) is passed on as is."""
    if value is None or ":" in value:
        return value
    try:
        x, y = (float(part) for part in value.split(","))
    except ValueError:
        from .errors import DreamError
        raise DreamError(f"`{name}` must be two numbers X,Y or keyframes such as "
                         f"\"0:(0, 0), 30:(1, -1)\", got '{value}'") from None
    return x, y


# ---------------------------------------------------------------- distributed video (Ray)

RAY = "Distributed (Ray)"
Workers = Annotated[Optional[int], typer.Option(
    "--workers", metavar="N", rich_help_panel=RAY,  # its bound (>= 1, or 0 with --ray-address) is the driver's
    help="Render in chunks on N workers (Ray's, or N one-thread processes: see --backend): one per GPU "
         "when there are GPUs, else N CPU workers; 0 with --ray-address: all of the cluster's.")]
RayAddress = Annotated[Optional[str], typer.Option(
    "--ray-address", metavar="auto|HOST:PORT", rich_help_panel=RAY,
    help="Use a running Ray cluster (`ray start --head`) instead of a local runtime.")]
DISTRIBUTED = {
    "workers": Workers, "ray_address": RayAddress,
    "chunk_frames": Annotated[Optional[int], typer.Option(
        "--chunk-frames", min=1, metavar="N", rich_help_panel=RAY, help="Frames each chunk keeps [120].")],
    "warmup_frames": Annotated[Optional[int], typer.Option(
        "--warmup-frames", min=0, metavar="W", rich_help_panel=RAY,
        help="Frames a chunk dreams before its first kept frame, then drops [4].")],
    "overlap_frames": Annotated[Optional[int], typer.Option(
        "--overlap-frames", min=0, metavar="O", rich_help_panel=RAY,
        help="Frames two chunks both dream and cross-fade at each seam [8].")],
    "backend": Annotated[Optional[str], typer.Option(
        "--backend", metavar="auto|ray|processes", rich_help_panel=RAY,
        help="What runs the workers: Ray, or one single-thread process per worker on this machine "
             "(default auto: Ray when installed or with --ray-address, else processes).")],
}


def distribution(params: dict[str, Any]) -> Any:
    """The chunked-render choices, or None for the single-process render (the default)."""
    from .distributed.chunks import DEFAULT_CHUNK, DEFAULT_OVERLAP, DEFAULT_WARMUP

    chunking = [name for name in ("chunk_frames", "warmup_frames", "overlap_frames", "backend")
                if params.get(name) is not None]
    if params.get("workers") is None and not params.get("ray_address"):
        if chunking:
            from .errors import DreamError
            raise DreamError(f"`{chunking[0]}` needs `workers` N or `ray_address`")
        return None
    from .distributed.driver import Distribution

    pick = lambda name, default: default if params.get(name) is None else params[name]  # noqa: E731
    return Distribution(workers=pick("workers", 0), address=params.get("ray_address"),
                        chunk_frames=pick("chunk_frames", DEFAULT_CHUNK), warmup=pick("warmup_frames", DEFAULT_WARMUP),
                        overlap=pick("overlap_frames", DEFAULT_OVERLAP), backend=pick("backend", "auto"))


def term_origins(params: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each objective term ``--channel``, ``--class`` and ``--guide`` make, with the option
    and the value the user typed: an error in that term then names that flag."""
    from .core.objective_spec import split_terms
    from .errors import DreamError

    origins = {text: ("channel", text) for text in params.get("channel") or []}
    for name in params.get("class_") or []:
        if len(split_terms(name)) > 1 or "*" in name:  # "tabby + block5" would add a layer term
            raise DreamError(f"`class_` takes one class, not '{name}'; repeat `class_` for more, "
                             "or write a sum in `objective`")
        origins[f"class:{name}"] = ("class_", name)
    origins.update({f"guide:{path}": ("guide", path) for path in params.get("guide") or []})
    return origins


def objective_overrides(params: dict[str, Any]) -> dict[str, Any]:
    """``--channel``, ``--class`` and ``--guide`` as objective terms, added to ``--objective``.

    With any of them, ``--layer`` names become layer terms of the same sum, so
    ``--layer block10 --class "tabby cat"`` dreams both.
    """
    terms = list(term_origins(params))
    if not terms:
        return {}
    base = [params["objective"]] if params.get("objective") else list(params.get("layers") or [])
    return {"objective": " + ".join(base + terms), "layers": None}


def name_term_flags(message: str, origins: dict[str, tuple[str, str]]) -> str:
    """``error: `objective`: objective term 'class:x': why`` -> ``error: `class_` 'x': why`` when
    --class made that term: the user never typed --objective."""
    def rename(match: re.Match) -> str:
        if match.group(1) not in origins:
            return match.group(0)
        name, value = origins[match.group(1)]
        return f"`{name}` '{value}': "
    return re.sub(r"`objective`: objective term '(.*?)': ", rename, message)


# The options of `live` that are not settings: sinks, control and how it ends.
LIVE = "Live"
LIVE_OPTIONS = {
    "record": Annotated[Optional[Path], typer.Option("--record", metavar="FILE", rich_help_panel=LIVE,
                        help="Record what is shown (any output format), finished and verified on stop.")],
    "duration": Annotated[Optional[float], typer.Option("--duration", min=0.1, metavar="S", rich_help_panel=LIVE,
                          help="Stop after S seconds (default: Ctrl-C, SIGTERM or the source's end).")],
    "osc": Annotated[Optional[int], typer.Option(
        "--osc", min=0, max=65535, metavar="PORT", rich_help_panel=LIVE,
        help="Listen on 127.0.0.1:PORT for /dreamvideo/SETTING VALUE (e.g. /dreamvideo/step_size 0.08).")],
    "window": Annotated[bool, typer.Option("--window", rich_help_panel=LIVE,
                        help="Show it in a window (needs a display).")],
    "virtual_cam": Annotated[bool, typer.Option("--virtual-cam", rich_help_panel=LIVE,
                             help="Send it to a virtual camera (needs the optional, GPL-2 pyvirtualcam).")],
    "loop_input": Annotated[bool, typer.Option("--loop-input", rich_help_panel=LIVE,
                            help="Play a video file in a loop.")],
    "timeout": Annotated[float, typer.Option("--timeout", min=0.1, metavar="S", rich_help_panel=LIVE,
                         help="Seconds a source may take to give its first frame.")],
    "midi": Annotated[Optional[str], typer.Option(
        "--midi", metavar="PORT", rich_help_panel=LIVE,
        help="Take MIDI CC from the input PORT (its name or a unique part of it; first: the first port); "
             "needs the midi extra.")],
    "midi_map": Annotated[Optional[str], typer.Option(
        "--midi-map", metavar="CC=SETTING:MIN:MAX,...", rich_help_panel=LIVE,
        help=f"Which CC sets which setting over which range, linearly (default {MIDI_DEFAULT_MAP}).")],
    "audio_in": Annotated[Optional[str], typer.Option(
        "--audio-in", metavar="INPUT", rich_help_panel=LIVE,
        help="Sound whose rms, bass, mid, treble, onset feed expressions live (e.g. --blend \"0:(0.2+0.6*bass)\"): "
             "pulse[:DEVICE], alsa:hw:0, avfoundation::0, lavfi:sine, or a sound file.")],
    "serve": Annotated[bool, typer.Option("--serve", rich_help_panel=LIVE,
                       help="Show it in the studio's Live panel (start, stop, steer); prints the URL to open.")],
    "folder": Annotated[Optional[Path], typer.Option("--folder", metavar="DIR", rich_help_panel=LIVE,
                        help="With --serve: the studio's folder (default: the current one).")],
    "port": Annotated[Optional[int], typer.Option("--port", min=0, max=65535, metavar="PORT", rich_help_panel=LIVE,
                      help="With --serve: the studio's port (default 8188; 0 picks a free one).")],
}
